"""Where the shipped models and their model cards live; reading a card needs no TensorFlow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL_PATH = ASSETS_DIR / "fmnist_dense128.keras"
PHOTO_MODEL_PATH = ASSETS_DIR / "fmnist_photo_cnn.keras"


def card_path(model_path: Path) -> Path:
    """The JSON model card that sits beside a model file."""
    return Path(model_path).with_suffix(".json")


def read_card(model_path: Path) -> dict[str, Any]:
    """The model card of a shipped model, or {} when there is none."""
    try:
        return json.loads(card_path(model_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def unseen_figures(card: dict[str, Any]) -> dict[str, Any]:
    """A photo model card's figures on development photos it had not learnt from:
    {"as_learnt": {...}, "calibrated": {...}}, or {} when the card has none.

    A model that learnt from the development photos too (`photo_training --learn-dev`) has them
    from cross-validation; one that never learnt from them, measured directly.
    """
    dev = card.get("development_photos") or {}
    if "cross_validated" in dev:  # None: learnt from them, the folds not run yet, no fair figures
        return dev["cross_validated"] or {}
    return dev


@dataclass(frozen=True)
class ShippedCard:
    """What the pages say about a shipped model, read from its card (whose JSON holds more, for
    people reading it). `present` is False when the card is missing: the app was installed
    without its model."""

    present: bool
    test_accuracy: float | None = None  # on the 10,000 test pictures
    train_accuracy: float | None = None  # on the pictures it learnt from (the chapter's model)
    epochs: int | None = None  # how many epochs it learnt for (the chapter's model)
    history: tuple[dict[str, float], ...] = ()  # per epoch: "epoch", "loss", "accuracy"
    unseen_accuracy: float | None = None  # photo model: on development photos never learnt from
    unseen_sure_accuracy: float | None = None  # the same, of the photos it calls sure

    @classmethod
    def of(cls, card: dict[str, Any]) -> ShippedCard:
        """The figures of a card as `read_card` gives it ({} for none)."""
        if not card:
            return cls(present=False)
        unseen = unseen_figures(card).get("calibrated") or {}
        return cls(
            present=True,
            test_accuracy=card.get("test_accuracy"),
            train_accuracy=card.get("train_accuracy"),
            epochs=card.get("epochs"),
            history=tuple(card.get("history") or ()),
            unseen_accuracy=unseen.get("accuracy"),
            unseen_sure_accuracy=unseen.get("sure_acc"),
        )
