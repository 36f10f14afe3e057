"""Where the shipped models and their model cards live; reading a card needs no TensorFlow."""

from __future__ import annotations

import json
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
