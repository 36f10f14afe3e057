"""Taught models as the catalogue keeps them: the model's bytes, and its card.

No Streamlit here. A model taught from the catalogue is kept in the database as the bytes of a
.keras file (`model_to_bytes`, `model_from_bytes`, which refuses a damaged one) with a card saying
how it was taught and measured. In the package the card is a `TaughtModelCard`; the catalogue
stores it as JSON, written by `to_json` and read by `read_card`, which gives None for a card that
lacks what the pages show (another version of the app's, or damaged). `what_became` says what
became of the model (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE, IN_USE_CHANGED).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fmnist_demo import i18n
from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES
from fmnist_demo.i18n import _
from fmnist_demo.teach_scores import ReferenceCheck, Score

# What became of a taught model (the card's "verdict").
ADOPTED = "adopted"  # better on the held-back items, not worse on the reference set: in use
NOT_BETTER = "not_better"  # not better on the held-back items: kept, may be chosen
WORSE_ON_REFERENCE = "worse_on_reference"  # refused: worse on the reference set; never adopted
IN_USE_CHANGED = "in_use_changed"  # would have been adopted, but someone changed the model in use
VERDICTS = (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE)  # what the teaching itself writes


def model_to_bytes(model: Any) -> bytes:
    """The model as the bytes of a .keras file (kept in the catalogue's database)."""
    from fmnist_demo.model import model_bytes

    return model_bytes(model)


def model_from_bytes(data: bytes) -> Any:
    """A photo model from .keras bytes; ModelUnavailable when they are no usable photo model.

    Checked: 28 x 28 in, 10 or 11 kinds out, and finite answers for a blank picture, so that a
    damaged row is refused once here rather than failing on every visitor's photo.
    """
    from fmnist_demo.model import ModelUnavailable, load_model_bytes
    from fmnist_demo.photo_model import photo_probabilities_batch

    model = load_model_bytes(data, outputs=(NUM_CLASSES, NUM_CLASSES + 1))
    try:
        answers = photo_probabilities_batch(
            model, np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        )
        usable = bool(np.all(np.isfinite(answers)))
    except Exception:  # whatever a damaged model raises, it cannot classify photos
        usable = False
    if not usable:
        raise ModelUnavailable(_("This model does not give usable answers."))
    return model


@dataclass(frozen=True)
class TaughtModelCard:
    """How a model was taught from the catalogue and how it measured: its card.

    The fields are the JSON card's keys, in its order (`to_json`); the last two are notes the
    catalogue itself adds when it keeps or adopts the model.
    """

    name: str
    date: str  # ISO 8601 with a time zone: when the teaching ended
    base: str  # the model it learnt from: "shipped" or "improved model <id>"
    records_learnt: int
    learnt_per_kind: dict[str, int]  # kind name -> records learnt from
    record_versions: dict[str, int]  # record id (as text) -> its version when the teaching began
    held_back_rule: str
    before: Score  # the model in use, on the held-back records
    after: Score  # the taught model, on the held-back records
    better: bool  # right on more held-back items than the model in use
    reference: ReferenceCheck | None  # None on cards kept before the reference set
    reference_rule: str
    settings: dict[str, Any]  # teach_learning.TeachSettings as a dict
    replay: dict[str, Any]  # {"photos": how many real photos replayed from, "file": the asset}
    training_seconds: float
    verdict: str | None = None  # ADOPTED, NOT_BETTER or WORSE_ON_REFERENCE (None: older cards)
    changed_while_learning: int | None = None  # records edited or deleted while it learnt
    base_id: int | None = None  # the adopted model it began from (None: the shipped one)
    adopted_by: str | None = None  # the rule, when it was adopted by it
    in_use_changed: bool = False  # the catalogue's note: kept without being used
    adoptions: tuple[str, ...] = ()  # the catalogue's note: ISO moments it was put in use
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other versions, kept as read

    @property
    def when(self) -> dt.datetime:
        """The date as an aware datetime."""
        return dt.datetime.fromisoformat(self.date)

    def what_became(self) -> str:
        """What became of the model (ADOPTED, NOT_BETTER, WORSE_ON_REFERENCE, IN_USE_CHANGED);
        cards of older versions included."""
        if self.in_use_changed:  # set by the store when it kept the model without using it
            return IN_USE_CHANGED
        if self.verdict in VERDICTS:
            return self.verdict
        return ADOPTED if self.better else NOT_BETTER

    @property
    def choosable(self) -> bool:
        """Whether staff may put this model in use: never one refused on the reference set."""
        return self.what_became() != WORSE_ON_REFERENCE

    def to_json(self) -> dict[str, Any]:
        """The card as the catalogue stores it (a JSON object)."""
        data: dict[str, Any] = {
            "name": self.name,
            "date": self.date,
            "base": self.base,
            "records_learnt": self.records_learnt,
            "learnt_per_kind": dict(self.learnt_per_kind),
            "record_versions": dict(self.record_versions),
            "held_back_rule": self.held_back_rule,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "better": self.better,
            "reference": None if self.reference is None else self.reference.as_dict(),
            "reference_rule": self.reference_rule,
            "settings": dict(self.settings),
            "replay": dict(self.replay),
            "training_seconds": self.training_seconds,
            "verdict": self.verdict,
            "changed_while_learning": self.changed_while_learning,
            "base_id": self.base_id,
            "adopted_by": self.adopted_by,
        }
        if self.in_use_changed:
            data["in_use_changed"] = True
        if self.adoptions:
            data["adoptions"] = list(self.adoptions)
        return {**data, **self.extra}


_KEYS = frozenset(TaughtModelCard.__dataclass_fields__) - {"extra"}


def read_card(data: Any) -> TaughtModelCard | None:
    """A stored card (the catalogue's JSON object) as a TaughtModelCard; None when it lacks what
    the pages show (date with a time zone, records learnt, before, after): a card written by
    another version of the app, or damaged."""
    if not isinstance(data, Mapping):
        return None
    try:
        date = str(data["date"])
        if dt.datetime.fromisoformat(date).tzinfo is None:
            return None
        records_learnt = int(data["records_learnt"])
        before, after = Score.from_dict(data["before"]), Score.from_dict(data["after"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return TaughtModelCard(
        name=str(data.get("name", "")),
        date=date,
        base=str(data.get("base", "")),
        records_learnt=records_learnt,
        learnt_per_kind=_mapping(data.get("learnt_per_kind")),
        record_versions=_mapping(data.get("record_versions")),
        held_back_rule=str(data.get("held_back_rule", "")),
        before=before,
        after=after,
        better=bool(data.get("better")),
        reference=_reference(data.get("reference")),
        reference_rule=str(data.get("reference_rule", "")),
        settings=_mapping(data.get("settings")),
        replay=_mapping(data.get("replay")),
        training_seconds=_number(data.get("training_seconds"), float) or 0.0,
        verdict=data.get("verdict") if isinstance(data.get("verdict"), str) else None,
        changed_while_learning=_number(data.get("changed_while_learning"), int),
        base_id=_number(data.get("base_id"), int),
        adopted_by=data.get("adopted_by") if isinstance(data.get("adopted_by"), str) else None,
        in_use_changed=bool(data.get("in_use_changed")),
        adoptions=tuple(str(t) for t in data.get("adoptions") or () if isinstance(t, str)),
        extra={k: v for k, v in data.items() if k not in _KEYS},
    )


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _number(value: Any, kind: type) -> Any:
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def _reference(value: Any) -> ReferenceCheck | None:
    try:
        return ReferenceCheck.from_dict(value)
    except (KeyError, TypeError, ValueError):  # a model kept before the reference set
        return None


def summary_sentence(card: TaughtModelCard, zone: dt.tzinfo | None = None) -> str:
    """'improved from 212 of your items on 3 May; right on 82 % of the items it had not learnt
    from' (the date in `zone`, the server's when None)."""
    from fmnist_demo.formatting import percent

    when = card.when.astimezone(zone)
    date = i18n.day_and_month(when.day, when.month)
    if card.after.accuracy is None:
        return _("improved from {count} of your items on {date}").format(
            count=card.records_learnt, date=date
        )
    return _(
        "improved from {count} of your items on {date}; right on {percent} of the items it had "
        "not learnt from"
    ).format(count=card.records_learnt, date=date, percent=percent(card.after.accuracy))
