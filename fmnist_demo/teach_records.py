"""The teach records: which confirmed catalogue items the teaching learns from, and whether enough.

No Streamlit here. Every catalogue record keeps the 28 x 28 picture the model saw and the kind a
person confirmed; those are labelled photos of this shop's own stock. A fixed share of them (every
record whose id is a multiple of HOLD_OUT_EVERY) is never learnt from, so the model in use and the
improved one can be compared fairly on items neither has learnt from. `readiness` says whether
there are enough of both, and in plain words what is still needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES, kind_name
from fmnist_demo.i18n import N_, _

HOLD_OUT_EVERY = 5  # records whose id is a multiple of this are held back from learning
MIN_LEARN = 20  # confirmed items to learn from before teaching is offered
MIN_HELD_BACK = 5  # held-back items needed for a before/after worth showing
FEW_PER_KIND = 5  # a kind with fewer items to learn from is named as "would help"


class NotReady(ValueError):
    """Too few confirmed items to learn from; the message says what is still needed."""


@dataclass(frozen=True)
class TeachRecord:
    """One confirmed catalogue item as the learning sees it."""

    id: int
    version: int
    label: int  # the confirmed kind, 0-9
    pixels: np.ndarray = field(repr=False)  # (28, 28) uint8, the picture the model saw

    @property
    def held_back(self) -> bool:
        """Whether this record is kept out of learning (to measure on)."""
        return is_held_back(self.id)


def is_held_back(record_id: int) -> bool:
    """Every HOLD_OUT_EVERY-th record by id is held back: fixed, so every run splits alike."""
    return int(record_id) % HOLD_OUT_EVERY == 0


def teach_records(rows: Iterable[Any]) -> list[TeachRecord]:
    """Rows with id, version, confirmed and model_input (784 bytes) -> TeachRecords.

    Rows without a kept picture are left out.
    """
    out = []
    for row in rows:
        data = row.model_input
        if data is None or len(data) != IMAGE_SIZE * IMAGE_SIZE:
            continue
        pixels = np.frombuffer(bytes(data), np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        out.append(TeachRecord(int(row.id), int(row.version), int(row.confirmed), pixels))
    return out


def learning_and_held_back(
    records: list[TeachRecord],
) -> tuple[list[TeachRecord], list[TeachRecord]]:
    """(records to learn from, records held back)."""
    return [r for r in records if not r.held_back], [r for r in records if r.held_back]


def pictures_and_labels(records: list[TeachRecord]) -> tuple[np.ndarray, np.ndarray]:
    """Records -> ((N, 28, 28) uint8 pictures, (N,) int64 labels)."""
    if not records:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8), np.zeros(0, np.int64)
    return np.stack([r.pixels for r in records]), np.array([r.label for r in records], np.int64)


def kind_counts(records: Iterable[TeachRecord]) -> np.ndarray:
    """(10,) how many records there are of each kind."""
    return np.bincount([r.label for r in records], minlength=NUM_CLASSES)[:NUM_CLASSES]


@dataclass(frozen=True)
class Readiness:
    """How many confirmed items there are per kind, and what is still needed."""

    learn: np.ndarray  # (10,) items to learn from per kind
    held: np.ndarray  # (10,) held-back items per kind

    @property
    def ready(self) -> bool:
        """Whether there are enough items to teach and to measure fairly."""
        return int(self.learn.sum()) >= MIN_LEARN and int(self.held.sum()) >= MIN_HELD_BACK

    def needs(self) -> str | None:
        """What is still needed before teaching, in plain words; None when ready."""
        if self.ready:
            return None
        learn, held = int(self.learn.sum()), int(self.held.sum())
        figures = {
            "learn_more": MIN_LEARN - learn,
            "learn": learn,
            "learn_needed": MIN_LEARN,
            "held_more": MIN_HELD_BACK - held,
            "held": held,
            "held_needed": MIN_HELD_BACK,
            "nth": ordinal(HOLD_OUT_EVERY),
        }
        if learn < MIN_LEARN and held < MIN_HELD_BACK:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {learn_more} more to "
                "learn from (it has {learn} of {learn_needed}) and {held_more} more held back to "
                "measure on (it has {held} of {held_needed}; every {nth} item is held back). "
                "Keep adding items on the Classify page; each one counts."
            )
        elif learn < MIN_LEARN:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {learn_more} more to "
                "learn from (it has {learn} of {learn_needed}). Keep adding items on the "
                "Classify page; each one counts."
            )
        else:
            text = _(
                "Too few confirmed items to teach the model yet: it needs {held_more} more held "
                "back to measure on (it has {held} of {held_needed}; every {nth} item is held "
                "back). Keep adding items on the Classify page; each one counts."
            )
        return text.format(**figures)

    def missing_kinds(self) -> list[str]:
        """Kinds never confirmed among the items to learn from (names in the visitor's words)."""
        return [kind_name(k) for k in range(NUM_CLASSES) if self.learn[k] == 0]

    def few_kinds(self) -> list[str]:
        """Kinds with some, but fewer than FEW_PER_KIND, items to learn from."""
        return [kind_name(k) for k in range(NUM_CLASSES) if 0 < self.learn[k] < FEW_PER_KIND]


def readiness(records: list[TeachRecord]) -> Readiness:
    """Counts per kind of the records to learn from and of those held back."""
    learn, held = learning_and_held_back(records)
    return Readiness(kind_counts(learn), kind_counts(held))


ORDINALS = {2: N_("second"), 3: N_("third"), 4: N_("fourth"), 5: N_("fifth"), 10: N_("tenth")}


def ordinal(n: int) -> str:
    """5 -> 'fifth' (small numbers), else '5th', in the visitor's language."""
    if n in ORDINALS:
        return _(ORDINALS[n])
    return _("{n}th").format(n=n)
