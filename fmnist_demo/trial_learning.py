"""The trial teaches the model: learn from the catalogue's confirmed items, judge, keep, adopt.

No Streamlit here. This is the front door of the teaching; each step has a room of its own:
the records and whether there are enough (teach_records.py), learning with a replay so nothing is
forgotten (teach_learning.py), before and after on the held-back items and the reference check
(teach_scores.py), and the kept model's bytes and card (taught_models.py). `teach` runs the steps
and judges; `teach_from_store` is what the Catalogue page's button does (read the records, teach,
keep the model, adopt it when the rule lets it in); `TeachJob` runs that in the background, in
the server's one job slot (jobs.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fmnist_demo.data import CLASS_NAMES, NUM_CLASSES
from fmnist_demo.jobs import BackgroundJob
from fmnist_demo.taught_models import (
    ADOPTED,
    NOT_BETTER,
    WORSE_ON_REFERENCE,
    TaughtModelCard,
    model_to_bytes,
    read_card,
)
from fmnist_demo.teach_learning import REPLAY_PATH, LearnProgress, Stopped, TeachSettings, improve
from fmnist_demo.teach_records import (
    HOLD_OUT_EVERY,
    NotReady,
    TeachRecord,
    learning_and_held_back,
    readiness,
    teach_records,
)
from fmnist_demo.teach_scores import (
    REFERENCE_K,
    REFERENCE_PATH,
    ReferenceCheck,
    Score,
    check_on_reference,
    load_reference,
    right_on_more,
    score,
)

ADOPTED_BY_RULE = "the rule: better on the held-back items, not worse on the reference set"


@dataclass(frozen=True)
class TeachOutcome:
    """What a finished teaching leaves: the model, the figures and its card (with the verdict)."""

    model: Any
    before: Score
    after: Score
    card: TaughtModelCard
    reference: ReferenceCheck | None = None

    @property
    def better(self) -> bool:
        """Whether it is better on the held-back items."""
        return right_on_more(self.after, self.before)

    @property
    def adoptable(self) -> bool:
        """The adoption rule: better on the held-back items and not worse on the reference set."""
        return self.better and self.reference is not None and not self.reference.worse

    @property
    def verdict(self) -> str:
        """What became of it (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE or IN_USE_CHANGED)."""
        return self.card.what_became()

    def judged(self) -> TeachOutcome:
        """The same outcome with the rule's verdict written into its card."""
        if not self.better:
            verdict = NOT_BETTER
        elif not self.adoptable:
            verdict = WORSE_ON_REFERENCE
        else:
            verdict = ADOPTED
        return dataclasses.replace(self, card=dataclasses.replace(self.card, verdict=verdict))


def teach(
    base: Any,
    base_name: str,
    records: list[TeachRecord],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
    *,
    reference: dict[str, np.ndarray] | None = None,
) -> TeachOutcome:
    """Check there is enough, learn from the records not held back, measure before and after
    on the held-back records and on the reference set (the shipped one when None).

    Raises NotReady (too few records), ReferenceUnavailable or Stopped (cancelled); `base` is
    never changed.
    """
    settings = settings or TeachSettings()
    ready = readiness(records)
    if not ready.ready:
        raise NotReady(ready.needs())
    reference = load_reference() if reference is None else reference
    learn, held = learning_and_held_back(records)
    model, seconds = improve(base, learn, replay, fashion, settings, progress, cancel)
    before, after = score(base, held), score(model, held)
    check = check_on_reference(base, model, reference)
    card = TaughtModelCard(
        name="photo CNN improved from the catalogue",
        date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        base=base_name,
        records_learnt=len(learn),
        learnt_per_kind={CLASS_NAMES[k]: int(n) for k, n in enumerate(ready.learn) if n},
        record_versions={str(r.id): r.version for r in records},
        held_back_rule=f"records whose id is a multiple of {HOLD_OUT_EVERY}",
        before=before,
        after=after,
        better=right_on_more(after, before),
        reference=check,
        reference_rule=f"refused when lost - gained > {REFERENCE_K} * sqrt(lost + gained) "
        f"on the {REFERENCE_PATH.name} items (a one-sided paired test)",
        settings=asdict(settings),
        replay={"photos": int((replay["y"] < NUM_CLASSES).sum()), "file": REPLAY_PATH.name},
        training_seconds=round(seconds, 1),
    )
    return TeachOutcome(model, before, after, card, check).judged()


def changed_records(card: TaughtModelCard, now: list[TeachRecord]) -> list[int]:
    """Ids of records used by a teaching that were edited or deleted since it started."""
    current = {r.id: r.version for r in now}
    return sorted(int(i) for i, v in card.record_versions.items() if current.get(int(i)) != int(v))


IN_USE_AT_START = object()  # teach_from_store reads which model is in use when it starts


def teach_from_store(
    store: Any,
    base: Any,
    base_name: str,
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
    *,
    reference: dict[str, np.ndarray] | None = None,
    started_from: int | object | None = IN_USE_AT_START,
) -> tuple[int, TeachOutcome]:
    """What the page's button does: teach from the catalogue, keep the model, adopt it if the
    rule lets it in.

    Records edited or deleted while it learnt: the figures are measured again on the held-back
    records as they are now, and the card says how many changed. The improved model is kept in
    the store only at the very end, so a run that fails or is stopped changes nothing. It is
    adopted only if the model in use is still `started_from` (the id of the adopted model the
    run began from, None for the shipped one): someone who chose another model meanwhile, or
    went back to the shipped one, keeps their choice, and the new model is kept as a choice.
    Returns (the kept model's id, the outcome).
    """
    cancel = cancel or threading.Event()
    if started_from is IN_USE_AT_START:
        entry = store.photo_models.adopted_photo_model()
        started_from = None if entry is None else entry.id
    records = teach_records(store.teaching_rows())
    outcome = teach(
        base, base_name, records, replay, fashion, settings, progress, cancel, reference=reference
    )
    now = teach_records(store.teaching_rows())
    changed = changed_records(outcome.card, now)
    if changed:
        held_now = [r for r in now if r.held_back]
        before, after = score(base, held_now), score(outcome.model, held_now)
        card = dataclasses.replace(
            outcome.card, before=before, after=after, better=right_on_more(after, before)
        )
        outcome = TeachOutcome(outcome.model, before, after, card, outcome.reference).judged()
    card = dataclasses.replace(
        outcome.card,
        changed_while_learning=len(changed),
        base_id=started_from,
        adopted_by=ADOPTED_BY_RULE if outcome.adoptable else None,
    )
    outcome = dataclasses.replace(outcome, card=card)
    if cancel.is_set():
        raise Stopped
    if progress is not None:
        epochs = int(card.settings["epochs"])
        progress(LearnProgress(epochs, epochs, 1, 1, card.training_seconds, "saving"))
    model_id = store.photo_models.save_photo_model(
        model_to_bytes(outcome.model),
        card.to_json(),
        adopt=outcome.adoptable,
        in_use_was=started_from,
    )
    if outcome.adoptable:
        kept = next((e for e in store.photo_models.photo_models() if e.id == model_id), None)
        if kept is not None and kept.card is not None:
            # the store's own notes: in_use_changed, adoptions
            noted = read_card({**card.to_json(), **kept.card})
            if noted is not None:
                outcome = dataclasses.replace(outcome, card=noted)
    return model_id, outcome


class TeachJob(BackgroundJob):
    """A teaching running in a background thread; the page polls `latest` and `done`.

    `run` is the whole work as a plain callable taking (progress, cancel); it returns whatever
    the page should keep (`outcome`), or raises: Stopped (`stopped` is set), NotReady or any
    failure, kept in `error` in plain words. Nothing is changed by a run that raised.
    """

    thread_name = "fmnist-teach"
    stopped_by = (Stopped,)
    stop_wait_s = 30.0

    def __init__(self, run: Callable[[Callable, threading.Event], Any]) -> None:
        super().__init__()
        self._run_fn = run
        self.latest: LearnProgress | None = None

    def _progress(self, p: LearnProgress) -> None:
        self.latest = p

    def work(self) -> Any:
        """Run the teaching, reporting to `latest`."""
        return self._run_fn(self._progress, self.cancel)
