"""Teaching the photo model from the catalogue: readiness, the fair before/after, the adoption
rule and the way back, learning from a small real catalogue (SQLite and PostgreSQL), changes and
stops while it learns, and the one-per-server slot."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_records import NewRecord
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.make_replay_set import make_replay
from fmnist_demo.taught_models import model_from_bytes, read_card, summary_sentence
from fmnist_demo.teach_learning import (
    REPLAY_PATH,
    LearnProgress,
    Stopped,
    TeachSettings,
    load_replay,
)
from fmnist_demo.teach_records import (
    NotReady,
    TeachRecord,
    learning_and_held_back,
    pictures_and_labels,
    readiness,
    teach_records,
)
from fmnist_demo.teach_scores import (
    Score,
    comparison_sentence,
    per_kind_rows,
    predictions,
    right_on_more,
    score_predictions,
)
from fmnist_demo.trial_learning import TeachJob, teach, teach_from_store

TROUSER, BAG = 1, 8

# Small and quick: the page's defaults learn for longer from more of the replay.
QUICK = TeachSettings(
    epochs=3, record_repeats=8, replay_per_epoch=300, other_per_epoch=50, fashion_per_epoch=300
)


def _record(record_id: int, label: int, version: int = 1, seed: int = 0) -> TeachRecord:
    pixels = np.random.default_rng(seed).integers(0, 256, (28, 28), dtype=np.uint8)
    return TeachRecord(record_id, version, label, pixels)


def test_every_fifth_record_by_id_is_held_back() -> None:
    records = [_record(i, i % 10) for i in range(1, 21)]
    learn, held = learning_and_held_back(records)
    assert [r.id for r in held] == [5, 10, 15, 20]
    assert len(learn) == 16 and not any(r.held_back for r in learn)


def test_too_few_records_says_what_is_still_needed() -> None:
    ready = readiness([_record(i, TROUSER) for i in range(1, 8)])  # 6 to learn, 1 held back
    assert not ready.ready
    needs = ready.needs()
    assert "14 more to learn from (it has 6 of 20)" in needs
    assert "4 more held back to measure on (it has 1 of 5" in needs
    assert "every fifth item" in needs
    assert CLASS_NAMES[BAG] in ready.missing_kinds() and "Trouser" not in ready.missing_kinds()


def test_enough_records_are_ready_and_scarce_kinds_are_named() -> None:
    records = [_record(i, TROUSER) for i in range(1, 31)] + [_record(31, BAG)]
    ready = readiness(records)
    assert ready.ready and ready.needs() is None
    assert ready.few_kinds() == ["Bag"]
    assert int(ready.learn.sum()) == 25 and int(ready.held.sum()) == 6
    with pytest.raises(NotReady, match="Too few confirmed items"):
        teach(None, "shipped", records[:10], {}, (None, None))


def test_scores_sentences_and_the_adoption_rule() -> None:
    labels = np.array([0, 0, 1, 1, 8])
    before = score_predictions(np.array([0, 1, 1, 0, 0]), labels)
    after = score_predictions(np.array([0, 0, 1, 1, 0]), labels)
    assert (before.total_right, after.total_right, after.total) == (2, 4, 5)
    assert right_on_more(after, before) and not right_on_more(before, after)
    assert not right_on_more(before, before)  # no better: the model in use stays
    assert comparison_sentence(after, before) == (
        "Right on 4 of 5 of your items it had not learnt from, up from 2."
    )
    assert "down from 4" in comparison_sentence(before, after)
    assert Score.from_dict(after.as_dict()) == after
    rows = per_kind_rows(after, before)
    assert rows[0] == {
        "Kind": "T-shirt/top",
        "Items held back": 2,
        "Right before": 1,
        "Right after": 2,
    }
    assert [r["Kind"] for r in rows] == ["T-shirt/top", "Trouser", "Bag"]


def test_the_card_names_the_model_in_plain_words() -> None:
    card = {
        "date": "2026-05-03T09:30:00+00:00",
        "records_learnt": 212,
        "before": Score.from_dict({"per_kind": {"Trouser": [33, 50]}}).as_dict(),
        "after": Score.from_dict({"per_kind": {"Trouser": [41, 50]}}).as_dict(),
    }
    assert summary_sentence(read_card(card)) == (
        "improved from 212 of your items on 3 May; right on 82\u00a0% of the items it had not "
        "learnt from"
    )


# -- the words on the page, in Bengali -------------------------------------------------------------


def test_what_is_still_needed_in_bengali(bengali) -> None:
    both = readiness([_record(i, TROUSER) for i in range(1, 8)]).needs()
    assert "শেখার জন্য আরও 14টি লাগবে (20টির মধ্যে আছে 6টি)" in both
    assert "আলাদা রাখা আরও 4টি লাগবে (5টির মধ্যে আছে 1টি; প্রতি পঞ্চম জিনিস" in both
    held_only = readiness([_record(i, TROUSER) for i in range(1, 26) if i % 5]).needs()
    assert "আরও 5টি লাগবে (5টির মধ্যে আছে 0টি" in held_only and "শেখার জন্য" not in held_only
    learn_only = readiness([_record(i, TROUSER) for i in [*range(1, 16), 20, 25]]).needs()
    assert "শেখার জন্য আরও 8টি লাগবে" in learn_only and "আলাদা রাখা আরও" not in learn_only
    for text in (both, held_only, learn_only):
        assert not re.search("[A-Za-z]", text)
    ready = readiness([_record(i, TROUSER) for i in range(1, 31)] + [_record(31, BAG)])
    assert ready.few_kinds() == ["ব্যাগ"] and "ট্রাউজার" not in ready.missing_kinds()


def test_before_and_after_in_bengali(bengali) -> None:
    labels = np.array([0, 0, 1, 1, 8])
    before = score_predictions(np.array([0, 1, 1, 0, 0]), labels)
    after = score_predictions(np.array([0, 0, 1, 1, 0]), labels)
    assert comparison_sentence(after, before) == (
        "আপনার যে জিনিসগুলো থেকে মডেলটি শেখেনি, তার 5টির মধ্যে 4টিতে ঠিক; আগে ছিল 2টি, অর্থাৎ বেড়েছে।"
    )
    assert "অর্থাৎ কমেছে" in comparison_sentence(before, after)
    assert "আগের মতোই" in comparison_sentence(after, after)
    rows = per_kind_rows(after, before)
    assert rows[0] == {"ধরন": "টি-শার্ট/টপ", "আলাদা রাখা জিনিস": 2, "আগে ঠিক": 1, "পরে ঠিক": 2}
    card = {
        "date": "2026-05-03T09:30:00+00:00",
        "records_learnt": 212,
        "before": Score.from_dict({"per_kind": {"Trouser": [33, 50]}}).as_dict(),
        "after": Score.from_dict({"per_kind": {"Trouser": [41, 50]}}).as_dict(),
    }
    assert summary_sentence(read_card(card), dt.UTC) == (
        "3 মে তারিখে আপনার 212টি জিনিস থেকে উন্নত করা মডেল; যে জিনিসগুলো থেকে শেখেনি তার "
        "82\u00a0% ক্ষেত্রে ঠিক"
    )


def test_a_teaching_speaks_the_language_of_the_visitor_who_started_it(bengali) -> None:
    """The job runs in another thread; its messages are still in its maker's language."""
    too_few = [_record(i, TROUSER) for i in range(1, 8)]
    job = TeachJob(lambda progress, cancel: teach(None, "shipped", too_few, {}, (None, None)))
    job.start()
    assert job.done.wait(10)
    assert str(job.error).startswith("মডেলকে শেখানোর মতো যথেষ্ট যাচাই করা জিনিস এখনও নেই")


# -- learning from a real catalogue ----------------------------------------------------------------


@pytest.fixture(scope="module")
def base_model():
    from fmnist_demo.model import load_photo_model

    return load_photo_model()


@pytest.fixture(scope="module")
def replay(fmnist):
    if REPLAY_PATH.is_file():
        return load_replay()
    pytest.fail(f"the shipped replay set {REPLAY_PATH.name} is missing")


def _lying_trousers(fmnist, n: int) -> np.ndarray:
    """Trousers photographed lying across the table: turned a quarter, which the shipped model
    has never learnt. (N, 28, 28) uint8."""
    (_, _), (x_test, y_test) = fmnist
    return np.rot90(x_test[y_test == TROUSER][:n], 1, axes=(1, 2)).copy()


def _shop(store: CatalogueStore, fmnist, n: int = 60) -> None:
    pictures = _lying_trousers(fmnist, n)
    store.add_many(
        NewRecord(predicted=BAG, confidence=0.6, confirmed=TROUSER, model_input=p.tobytes())
        for p in pictures
    )


def _fashion(fmnist, n: int = 3000):
    (x, y), _ = fmnist
    return x[:n], y[:n]


@pytest.mark.slow
def test_learning_from_a_small_catalogue_fixes_its_own_held_back_items(
    any_db: CatalogueStore, fmnist, base_model, replay
) -> None:
    _shop(any_db, fmnist)
    weights = [w.copy() for w in base_model.get_weights()]
    model_id, outcome = teach_from_store(
        any_db, base_model, "shipped", replay, _fashion(fmnist), QUICK
    )
    held = outcome.after.items[TROUSER]
    assert held == 12 and outcome.before.total == 12  # ids 5, 10, ... 60
    assert outcome.after.right[TROUSER] > outcome.before.right[TROUSER]
    assert outcome.better and outcome.card.records_learnt == 48
    for before, now in zip(weights, base_model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, now)  # the model in use is never changed
    # Kept in the database and in use for everyone; it loads back with the same answers.
    entry = any_db.photo_models.adopted_photo_model()
    assert entry is not None and entry.id == model_id
    assert entry.card["after"]["right"] == outcome.after.total_right
    loaded = model_from_bytes(any_db.photo_models.photo_model_bytes(model_id))
    pixels, _ = pictures_and_labels(
        learning_and_held_back(teach_records(any_db.teaching_rows()))[1]
    )
    np.testing.assert_array_equal(predictions(loaded, pixels), predictions(outcome.model, pixels))
    any_db.photo_models.adopt_photo_model(None)  # the way back
    assert any_db.photo_models.adopted_photo_model() is None


def test_a_model_that_is_not_better_is_kept_but_not_used(
    db: CatalogueStore, fmnist, base_model, replay
) -> None:
    # Items the shipped model already gets right: no room to be better, so it is not adopted.
    (_, _), (x_test, y_test) = fmnist
    pictures = x_test[y_test == TROUSER][:30]
    db.add_many(
        NewRecord(predicted=TROUSER, confidence=0.9, confirmed=TROUSER, model_input=p.tobytes())
        for p in pictures
    )
    previous = db.photo_models.save_photo_model(b"an earlier improved model", {"n": 0}, adopt=True)
    settings = TeachSettings(
        epochs=1, replay_per_epoch=100, other_per_epoch=0, fashion_per_epoch=100
    )
    model_id, outcome = teach_from_store(
        db, base_model, "shipped", replay, _fashion(fmnist, 500), settings
    )
    if outcome.better:  # cannot be: the held-back items were all right before
        pytest.fail(f"before {outcome.before}, after {outcome.after}")
    assert db.photo_models.adopted_photo_model().id == previous  # the model in use stays
    assert {e.id for e in db.photo_models.photo_models()} == {previous, model_id}
    db.photo_models.adopt_photo_model(model_id)  # the person chooses it after seeing the figures
    assert db.photo_models.adopted_photo_model().id == model_id


def test_records_edited_while_it_learns_are_counted_and_measured_as_they_are_now(
    db: CatalogueStore, fmnist, base_model, replay
) -> None:
    _shop(db, fmnist, 30)
    edited = []

    def progress(p: LearnProgress) -> None:
        if not edited:  # a member of staff corrects two items while it learns
            for record_id in (5, 7):
                record = db.get(record_id)
                db.update(record_id, based_on=record, confirmed=BAG)
            edited.append(True)

    settings = TeachSettings(
        epochs=1, replay_per_epoch=100, other_per_epoch=0, fashion_per_epoch=100
    )
    _, outcome = teach_from_store(
        db, base_model, "shipped", replay, _fashion(fmnist, 500), settings, progress
    )
    assert outcome.card.changed_while_learning == 2
    assert outcome.after.items[BAG] == 1  # record 5 is held back, and now a bag


def test_a_stopped_or_failed_run_changes_nothing(db: CatalogueStore, fmnist, base_model) -> None:
    _shop(db, fmnist, 30)
    cancel = threading.Event()

    def progress(p: LearnProgress) -> None:
        cancel.set()

    replay = load_replay()
    with pytest.raises(Stopped):
        teach_from_store(
            db, base_model, "shipped", replay, _fashion(fmnist, 500), QUICK, progress, cancel
        )
    broken = {"x": np.zeros((3, 27, 27), np.uint8), "y": np.zeros(3, np.int64)}
    job = TeachJob(
        lambda p, c: teach_from_store(db, base_model, "shipped", broken, _fashion(fmnist))
    )
    job.start()
    assert job.done.wait(120)
    assert job.error and job.outcome is None
    assert db.photo_models.photo_models() == [] and db.photo_models.adopted_photo_model() is None


def test_one_teaching_or_training_at_a_time_per_server() -> None:
    from fmnist_demo.jobs import JobSlot

    release = threading.Event()
    first = TeachJob(lambda progress, cancel: release.wait(30))
    second = TeachJob(lambda progress, cancel: "never runs")
    slot = JobSlot()
    assert slot.start("teach:a", first)
    assert slot.busy and slot.started_at is not None
    assert not slot.start("teach:b", second)  # the second visitor is told it is busy
    assert not second.done.is_set() and not second.running
    release.set()
    assert first.done.wait(10) and first.outcome is True and not slot.busy
    assert slot.start("teach:b", second)
    assert second.done.wait(10) and second.outcome == "never runs"


def test_a_stop_ends_the_job_as_stopped() -> None:
    def run(progress, cancel):
        cancel.wait(30)
        raise Stopped

    job = TeachJob(run)
    job.start()
    assert job.stop(10) and job.stopped and job.error is None


def test_the_replay_set_is_learning_photos_only() -> None:
    card = json.loads(REPLAY_PATH.with_suffix(".json").read_text())
    assert "real-photos-train" in card["sources"]["real_photos"]
    replay = load_replay()
    assert replay["x"].dtype == np.uint8 and replay["x"].shape[1:] == (28, 28)
    assert len(replay["y"]) == card["inputs"]
    assert set(np.unique(replay["y"])) <= set(range(11))


def test_the_replay_command_on_a_tiny_folder(tmp_path: Path) -> None:
    from fmnist_demo.photo_training import read_labelled

    photos = Path(os.environ.get("FMNIST_PHOTOS_DIR", "/nonexistent"))
    if not (photos / "labels.csv").is_file():
        pytest.skip("FMNIST_PHOTOS_DIR is not set")
    folder = tmp_path / "photos"
    folder.mkdir()
    lines = ["file,label,class_name"]
    for it in read_labelled(photos)[:6]:
        shutil.copy(it.path, folder / it.path.name)
        lines.append(f"{it.path.name},{it.label},{CLASS_NAMES[it.label]}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "replay.npz"
    card = make_replay(folder, None, out, per_kind=2, others=3, seed=1)
    replay = load_replay(out)
    assert len(replay["y"]) == card["inputs"] and (replay["y"] == 10).sum() == 3
    assert json.loads(out.with_suffix(".json").read_text())["seed"] == 1
