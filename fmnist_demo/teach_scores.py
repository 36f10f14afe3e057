"""Scoring a taught model: before and after on the held-back items, and the reference check.

No Streamlit here. A taught model is measured twice. On the catalogue's held-back items (which
neither model learnt from) it must be right on more of them than the model in use (`right_on_more`).
On the reference set shipped with the app (labelled photos no catalogue can change) it must not
be worse beyond chance (`ReferenceCheck.worse`), so that items confirmed as the wrong kind cannot
teach the model a mistake. The reference set is built offline by
`python -m fmnist_demo.make_reference_set`; the sentences here say the figures in plain words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_demo.assets import ASSETS_DIR
from fmnist_demo.data import CLASS_NAMES, NUM_CLASSES, kind_name, normalise
from fmnist_demo.i18n import _
from fmnist_demo.teach_records import TeachRecord, pictures_and_labels

# made by python -m fmnist_demo.make_reference_set
REFERENCE_PATH = ASSETS_DIR / "reference_set.npz"


@dataclass(frozen=True)
class Score:
    """How many held-back items a model got right, per kind."""

    right: tuple[int, ...]  # per kind, 10 values
    items: tuple[int, ...]  # per kind, 10 values

    @property
    def total_right(self) -> int:
        """Items right, all kinds."""
        return sum(self.right)

    @property
    def total(self) -> int:
        """Items measured, all kinds."""
        return sum(self.items)

    @property
    def accuracy(self) -> float | None:
        """Share right, or None without items."""
        return self.total_right / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        """For the model card: totals and {kind: [right, items]} for kinds with items."""
        return {
            "right": self.total_right,
            "items": self.total,
            "per_kind": {
                CLASS_NAMES[k]: [self.right[k], self.items[k]]
                for k in range(NUM_CLASSES)
                if self.items[k]
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        """The inverse of as_dict."""
        right, items = [0] * NUM_CLASSES, [0] * NUM_CLASSES
        for name, (r, n) in data.get("per_kind", {}).items():
            k = CLASS_NAMES.index(name)
            right[k], items[k] = int(r), int(n)
        return cls(tuple(right), tuple(items))


def predictions(model: Any, pixels: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) the kind the model names, as the Classify page would."""
    from fmnist_demo.photo_model import photo_probabilities_batch, split_outputs

    if len(pixels) == 0:
        return np.zeros(0, np.int64)
    kinds, _other = split_outputs(photo_probabilities_batch(model, normalise(pixels)))
    return kinds.argmax(axis=1)


def score_predictions(predicted: np.ndarray, labels: np.ndarray) -> Score:
    """Predicted and confirmed kinds -> a Score."""
    right = np.bincount(labels[predicted == labels], minlength=NUM_CLASSES)[:NUM_CLASSES]
    items = np.bincount(labels, minlength=NUM_CLASSES)[:NUM_CLASSES]
    return Score(tuple(int(v) for v in right), tuple(int(v) for v in items))


def score(model: Any, records: list[TeachRecord]) -> Score:
    """How many of `records` the model names rightly, per kind."""
    pixels, labels = pictures_and_labels(records)
    return score_predictions(predictions(model, pixels), labels)


def right_on_more(after: Score, before: Score) -> bool:
    """The adoption rule: the improved model is used only if it is right on more held-back items."""
    return after.total > 0 and after.total_right > before.total_right


def comparison_sentence(after: Score, before: Score) -> str:
    """'Right on 41 of 50 of your items it had not learnt from, up from 33.'"""
    if not after.total:
        return _("There were no held-back items to measure on.")
    figures = {"right": after.total_right, "total": after.total, "before": before.total_right}
    change = after.total_right - before.total_right
    if change > 0:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, up from {before}."
        )
    elif change < 0:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, down from {before}."
        )
    else:
        text = _(
            "Right on {right} of {total} of your items it had not learnt from, the same as before."
        )
    return text.format(**figures)


REFERENCE_K = 2.0  # how many noise widths of net loss on the reference set refuse a model


class ReferenceUnavailable(OSError):
    """The shipped reference set is missing or damaged: no model may be adopted without it."""


def load_reference(path: Path = REFERENCE_PATH) -> dict[str, np.ndarray]:
    """The shipped reference set: {"x": (N, 28, 28) uint8, "y": (N,) labels 0-9}."""
    try:
        with np.load(path) as saved:
            x, y = saved["x"], saved["y"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise ReferenceUnavailable(
            _("The app's reference photos ({name}) cannot be read. Reinstall the app.").format(
                name=Path(path).name
            )
        ) from exc
    return {"x": x, "y": y}


@dataclass(frozen=True)
class ReferenceCheck:
    """The model in use and a taught model on the shipped reference set, item by item."""

    items: int
    before: int  # items the model in use names rightly
    after: int  # items the taught model names rightly
    lost: int  # right before, wrong after
    gained: int  # wrong before, right after

    @property
    def limit(self) -> float:
        """The net loss that chance alone would rarely reach: REFERENCE_K noise widths."""
        return REFERENCE_K * float(np.sqrt(self.lost + self.gained))

    @property
    def worse(self) -> bool:
        """Whether the taught model is worse than the model in use beyond the noise.

        A one-sided paired test (McNemar's, as a z-test): only items on which the two models
        disagree carry information. If the taught model were no worse, each such item would be
        a loss or a gain with even odds, so the net loss `lost - gained` would have mean 0 and
        standard deviation sqrt(lost + gained). A net loss above REFERENCE_K (2) of those is
        refused: a model truly no worse is refused by chance about 2 % of the time, while
        poisoned records (T-shirts confirmed as Shirt) lose dozens of items and are refused.
        """
        return self.lost - self.gained > self.limit

    def as_dict(self) -> dict[str, Any]:
        """For the model card."""
        return {**asdict(self), "limit": round(self.limit, 2), "worse": self.worse}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceCheck:
        """The inverse of as_dict."""
        keys = ("items", "before", "after", "lost", "gained")
        return cls(*(int(data[k]) for k in keys))


def reference_check(before_right: np.ndarray, after_right: np.ndarray) -> ReferenceCheck:
    """(N,) bool: each reference item named rightly by the model in use and by the taught one."""
    before_right, after_right = np.asarray(before_right, bool), np.asarray(after_right, bool)
    return ReferenceCheck(
        items=len(before_right),
        before=int(before_right.sum()),
        after=int(after_right.sum()),
        lost=int((before_right & ~after_right).sum()),
        gained=int((~before_right & after_right).sum()),
    )


def check_on_reference(base: Any, model: Any, reference: dict[str, np.ndarray]) -> ReferenceCheck:
    """Both models on the reference set, item by item."""
    x, y = reference["x"], reference["y"]
    return reference_check(predictions(base, x) == y, predictions(model, x) == y)


def reference_sentence(check: ReferenceCheck) -> str:
    """Why a model was refused on the reference photos, in plain words."""
    return _(
        "On the app's own reference photos ({items} labelled pictures shipped with the app, which "
        "no catalogue can change) it was right on {after}, against {before} for the model in "
        "use: worse by more than chance explains. This usually means some items were confirmed "
        "as the wrong kind (for example T-shirts confirmed as Shirt). Check the kinds of your "
        "recent items, then teach again."
    ).format(items=check.items, after=check.after, before=check.before)


def per_kind_rows(after: Score, before: Score) -> list[dict[str, Any]]:
    """One row per kind with held-back items: kind, items, right before, right after.

    For showing: the column names and kinds are in the visitor's language.
    """
    return [
        {
            _("Kind"): kind_name(k),
            _("Items held back"): after.items[k],
            _("Right before"): before.right[k],
            _("Right after"): after.right[k],
        }
        for k in range(NUM_CLASSES)
        if after.items[k]
    ]
