"""What keeps teaching from doing harm: the shipped reference set and the rule that refuses a
taught model worse on it (the issue's case: real T-shirt photos confirmed as "Shirt"), a run that
never overrides a choice made while it learnt, and damaged model rows read as unusable."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_records import NewRecord
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.model import ModelUnavailable
from fmnist_demo.taught_models import (
    ADOPTED,
    IN_USE_CHANGED,
    WORSE_ON_REFERENCE,
    model_from_bytes,
    model_to_bytes,
    read_card,
)
from fmnist_demo.teach_learning import LearnProgress, TeachSettings, load_replay
from fmnist_demo.teach_scores import (
    REFERENCE_PATH,
    ReferenceCheck,
    ReferenceUnavailable,
    load_reference,
    reference_check,
    reference_sentence,
)
from fmnist_demo.trial_learning import teach_from_store

T_SHIRT, TROUSER, SHIRT, BAG = 0, 1, 6, 8
QUICK = TeachSettings(
    epochs=3, record_repeats=8, replay_per_epoch=300, other_per_epoch=50, fashion_per_epoch=300
)


def _learning_photos() -> Path:
    dev = os.environ.get("FMNIST_PHOTOS_DIR")
    folder = Path(dev).resolve().parent / "real-photos-train" if dev else Path("/nonexistent")
    if not (folder / "labels.csv").is_file():
        pytest.skip("no photos to learn from beside FMNIST_PHOTOS_DIR")
    return folder


@pytest.fixture(scope="module")
def base_model():
    from fmnist_demo.model import load_photo_model

    return load_photo_model()


# -- the rule ------------------------------------------------------------------------------------


def test_the_reference_rule_refuses_a_net_loss_beyond_its_noise() -> None:
    before = np.array([True] * 80 + [False] * 20)
    same = reference_check(before, before)
    assert (same.lost, same.gained, same.worse) == (0, 0, False)
    # 4 lost, 1 gained: a net loss of 3 against a noise width of sqrt(5) -> within the noise
    after = before.copy()
    after[:4], after[80] = False, True
    assert not reference_check(before, after).worse
    # 30 lost, 10 gained: 20 > 2 * sqrt(40) = 12.6 -> refused
    after = before.copy()
    after[:30], after[80:90] = False, True
    check = reference_check(before, after)
    assert (check.before, check.after, check.lost, check.gained) == (80, 60, 30, 10)
    assert check.worse and round(check.limit, 1) == 12.6
    assert ReferenceCheck.from_dict(check.as_dict()) == check
    assert "right on 60, against 80 for the model in use" in reference_sentence(check)


def test_the_shipped_reference_set_is_small_labelled_and_never_the_development_photos() -> None:
    card = json.loads(REFERENCE_PATH.with_suffix(".json").read_text())
    reference = load_reference()
    assert reference["x"].dtype == np.uint8 and reference["x"].shape[1:] == (28, 28)
    assert len(reference["y"]) == card["inputs"] and 300 <= card["inputs"] <= 1000
    assert set(np.unique(reference["y"])) == set(range(10))  # every kind
    assert "real-photos-train" in card["real_photos"]["from"]
    development = Path(os.environ.get("FMNIST_PHOTOS_DIR", "/nonexistent")) / "labels.csv"
    if development.is_file():
        dev_files = {line.split(",")[0] for line in development.read_text().splitlines()[1:]}
        assert not dev_files & set(card["real_photos"]["files"])
    assert REFERENCE_PATH.stat().st_size < 1_000_000


def test_the_reference_command_on_a_tiny_folder(tmp_path: Path, fmnist) -> None:
    from fmnist_demo.make_reference_set import main
    from fmnist_demo.photo_training import read_labelled

    source = _learning_photos()
    folder = tmp_path / "real-photos-train"
    folder.mkdir()
    lines = ["file,label,class_name"]
    for it in [it for it in read_labelled(source) if it.label in (T_SHIRT, TROUSER)][::200]:
        shutil.copy(it.path, folder / it.path.name)
        lines.append(f"{it.path.name},{it.label},{CLASS_NAMES[it.label]}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "reference.npz"
    main(["--photos", str(folder), "--out", str(out), "--per-kind", "2", "--fashion-per-kind", "1"])
    reference = load_reference(out)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["real_photos"]["count"] == 4 and card["fashion_mnist_test"]["count"] == 10
    assert len(reference["y"]) == 14
    dev = tmp_path / "real-photos"
    folder.rename(dev)
    with pytest.raises(SystemExit):  # the development photos are never put in it
        main(["--photos", str(dev), "--out", str(out)])


def test_a_missing_reference_set_stops_teaching_before_it_learns(tmp_path: Path) -> None:
    with pytest.raises(ReferenceUnavailable):
        load_reference(tmp_path / "gone.npz")


# -- the case, and a clean one ------------------------------------------------------------


def _t_shirt_photos(n: int) -> np.ndarray:
    """(n, 28, 28) uint8: real T-shirt photos to learn from, none in the reference set."""
    from fmnist_demo.photo_training import photo_inputs, read_labelled

    in_reference = set(
        json.loads(REFERENCE_PATH.with_suffix(".json").read_text())["real_photos"]["files"]
    )
    shirts = [
        it
        for it in read_labelled(_learning_photos())
        if it.label == T_SHIRT and it.path.name not in in_reference
    ]
    return photo_inputs(shirts[: n + 10], 1, 1)["x"][:n]


@pytest.mark.slow
def test_t_shirts_confirmed_as_shirt_are_not_adopted(
    db: CatalogueStore, fmnist, base_model
) -> None:
    pictures = _t_shirt_photos(100)
    db.add_many(
        NewRecord(predicted=T_SHIRT, confidence=0.9, confirmed=SHIRT, model_input=p.tobytes())
        for p in pictures
    )
    (x, y), _ = fmnist
    model_id, outcome = teach_from_store(
        db, base_model, "shipped", load_replay(), (x[:3000], y[:3000]), QUICK
    )
    # The held-back records carry the same wrong labels: on them alone it looks better...
    assert outcome.better
    # ...but the reference set, which no catalogue can change, shows it is worse.
    assert db.photo_models.adopted_photo_model() is None
    assert outcome.reference.worse and outcome.verdict == WORSE_ON_REFERENCE
    (entry,) = db.photo_models.photo_models()
    assert entry.id == model_id and entry.card["reference"]["worse"] is True
    assert not read_card(entry.card).choosable
    assert read_card(entry.card).to_json() == entry.card  # the stored JSON, read and written


def test_a_cleanly_labelled_catalogue_passes_the_reference_set(
    db: CatalogueStore, fmnist, base_model
) -> None:
    (_, _), (x_test, y_test) = fmnist
    lying = np.rot90(x_test[y_test == TROUSER][:60], 1, axes=(1, 2))  # trousers lying across
    db.add_many(
        NewRecord(predicted=BAG, confidence=0.6, confirmed=TROUSER, model_input=p.tobytes())
        for p in lying
    )
    (x, y), _ = fmnist
    model_id, outcome = teach_from_store(
        db, base_model, "shipped", load_replay(), (x[:3000], y[:3000]), QUICK
    )
    assert outcome.better and not outcome.reference.worse
    assert outcome.verdict == ADOPTED and db.photo_models.adopted_photo_model().id == model_id
    assert len(db.photo_models.adopted_photo_model().card["adoptions"]) == 1


def test_going_back_while_it_learns_is_not_undone(db: CatalogueStore, fmnist, base_model) -> None:
    (_, _), (x_test, y_test) = fmnist
    lying = np.rot90(x_test[y_test == TROUSER][:60], 1, axes=(1, 2))
    db.add_many(
        NewRecord(predicted=BAG, confidence=0.6, confirmed=TROUSER, model_input=p.tobytes())
        for p in lying
    )
    earlier = db.photo_models.save_photo_model(model_to_bytes(base_model), {"n": 0}, adopt=True)
    pressed = []

    def progress(p: LearnProgress) -> None:
        if not pressed:  # staff B presses "Go back to the shipped model" while A's run learns
            db.photo_models.adopt_photo_model(None)
            pressed.append(True)

    (x, y), _ = fmnist
    model_id, outcome = teach_from_store(
        db, base_model, "improved", load_replay(), (x[:3000], y[:3000]), QUICK, progress
    )
    assert db.photo_models.adopted_photo_model() is None  # B's choice stays...
    assert outcome.adoptable  # ...though it would have been adopted
    assert outcome.verdict == IN_USE_CHANGED and outcome.card.base_id == earlier
    assert {e.id for e in db.photo_models.photo_models()} == {earlier, model_id}  # kept, to choose


# -- damaged rows --------------------------------------------------------------------------------


def test_bytes_that_are_no_photo_model_are_refused(base_model) -> None:
    import keras

    wrong = keras.Sequential([keras.Input((32, 32)), keras.layers.Flatten(), keras.layers.Dense(3)])
    for data in (model_to_bytes(wrong), b"PK\x03\x04 not a model", b""):
        with pytest.raises(ModelUnavailable):
            model_from_bytes(data)
    assert model_from_bytes(model_to_bytes(base_model)).output_shape[-1] == 11


def test_a_card_is_usable_only_with_what_the_pages_show() -> None:
    card = {
        "date": "2026-05-03T09:30:00+00:00",
        "records_learnt": 212,
        "before": {"per_kind": {"Bag": [33, 50]}},
        "after": {"per_kind": {"Bag": [41, 50]}},
    }
    assert read_card(card) is not None
    assert read_card(None) is None and read_card([1, 2]) is None
    for key in card:
        assert read_card({k: v for k, v in card.items() if k != key}) is None
    assert read_card({**card, "after": {"per_kind": {"Hat": [1, 2]}}}) is None
    assert read_card({**card, "date": "yesterday"}) is None
    assert read_card({**card, "after": "41 of 50"}) is None


def test_a_stored_card_reads_and_writes_as_the_same_json() -> None:
    """The catalogue keeps the card as JSON: TaughtModelCard reads it and writes it back alike,
    keys in the same order, the catalogue's own notes and keys of other versions included."""
    stored = {
        "name": "photo CNN improved from the catalogue",
        "date": "2026-05-03T09:30:00+00:00",
        "base": "shipped",
        "records_learnt": 48,
        "learnt_per_kind": {"Trouser": 48},
        "record_versions": {"1": 1, "5": 2},
        "held_back_rule": "records whose id is a multiple of 5",
        "before": {"right": 3, "items": 12, "per_kind": {"Trouser": [3, 12]}},
        "after": {"right": 11, "items": 12, "per_kind": {"Trouser": [11, 12]}},
        "better": True,
        "reference": {
            "items": 600,
            "before": 500,
            "after": 498,
            "lost": 6,
            "gained": 4,
            "limit": 6.32,
            "worse": False,
        },
        "reference_rule": "refused when lost - gained > 2.0 * sqrt(lost + gained)",
        "settings": {"epochs": 6, "seed": 1},
        "replay": {"photos": 3000, "file": "photo_replay.npz"},
        "training_seconds": 61.5,
        "verdict": "adopted",
        "changed_while_learning": 0,
        "base_id": None,
        "adopted_by": "the rule: better on the held-back items, not worse on the reference set",
        "adoptions": ["2026-05-03T09:31:00+00:00"],
        "a_later_version_note": [1, 2],
    }
    card = read_card(json.loads(json.dumps(stored)))
    assert card.records_learnt == 48 and card.after.total_right == 11 and card.base_id is None
    assert card.what_became() == ADOPTED and card.choosable
    written = card.to_json()
    assert written == stored and list(written) == list(stored)
    assert read_card({**stored, "in_use_changed": True}).to_json()["in_use_changed"] is True
