"""A catalogue record as values: what a save takes (`NewRecord`), what the store gives back
(`CatalogueRecord`), the trial's counts (`TrialSummary`), and the checks every field passes.

`new_record` turns what a page has (a kind as label or name in either language, a confidence,
the name and note people typed, the model's picture, the photo) into a checked `NewRecord`, or
raises `InvalidEntry` saying plainly what is wrong. The limits here (`NAME_MAX_CHARS`, ...) are
also the table's column sizes. No database and no Streamlit here. Kinds are kept by label and by
the chapter's English names; people read them through `data.kind_name()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PureWindowsPath
from typing import Any

import numpy as np

from fmnist_demo import i18n
from fmnist_demo.catalogue_errors import CatalogueError, InvalidEntry, RecordNotFound
from fmnist_demo.catalogue_pictures import model_input_bytes, thumbnail_for
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES
from fmnist_demo.formatting import percent
from fmnist_demo.i18n import _, ngettext

NAME_MAX_CHARS = 80
NOTE_MAX_CHARS = 500
FILE_NAME_MAX_CHARS = 255
EDITABLE_FIELDS = ("confirmed", "name", "note")


# -- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRecord:
    """A validated entry, ready to be saved."""

    predicted: int
    confidence: float
    confirmed: int
    name: str = ""
    note: str = ""
    model_input: bytes | None = None  # 784 bytes, (28, 28) uint8
    thumbnail: bytes | None = None  # JPEG
    file_name: str = ""  # the photo's own file name, if it had one


@dataclass(frozen=True)
class CatalogueRecord:
    """One saved catalogue record."""

    id: int
    created_at: datetime  # UTC
    updated_at: datetime  # UTC
    predicted: int
    confidence: float
    confirmed: int
    name: str
    note: str
    version: int = 1  # one more with every saved change
    file_name: str = ""
    deleted_at: datetime | None = None  # UTC; set while the record is in the bin
    model_input: bytes | None = field(default=None, repr=False)
    thumbnail: bytes | None = field(default=None, repr=False)

    @property
    def predicted_name(self) -> str:
        """The class the model said, by the chapter's English name (people read kind_name())."""
        return CLASS_NAMES[self.predicted]

    @property
    def confirmed_name(self) -> str:
        """The class the person confirmed, by the chapter's English name."""
        return CLASS_NAMES[self.confirmed]

    @property
    def accepted(self) -> bool:
        """True when the person kept the model's class."""
        return self.predicted == self.confirmed

    def fields(self) -> dict[str, Any]:
        """The fields staff can change (EDITABLE_FIELDS) and their values."""
        return {name: getattr(self, name) for name in EDITABLE_FIELDS}

    def image(self) -> np.ndarray | None:
        """The image the model saw, (28, 28) float32 in [0, 1], or None if none was kept."""
        if self.model_input is None:
            return None
        pixels = np.frombuffer(self.model_input, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        return pixels.astype(np.float32) / 255.0  # (28, 28) uint8 -> float32 in [0, 1]


@dataclass(frozen=True)
class ClassResult:
    """The trial's result for the items of one confirmed class."""

    label: int
    name: str  # the chapter's English name; people read data.kind_name(label)
    items: int
    accepted: int  # the model said this class and the person agreed
    corrected: int  # the person changed the model's class to this one

    @property
    def accuracy(self) -> float | None:
        """Share of items the model got right, or None without items."""
        return self.accepted / self.items if self.items else None


@dataclass(frozen=True)
class TrialSummary:
    """How often the model was right, overall and per confirmed class."""

    items: int
    accepted: int
    corrected: int
    per_class: tuple[ClassResult, ...]

    @property
    def accuracy(self) -> float | None:
        """Share of items the model got right, or None without items."""
        return self.accepted / self.items if self.items else None

    def sentence(self) -> str:
        """The result in plain words, in the visitor's language."""
        if not self.items:
            return _("No items have been catalogued yet.")
        return ngettext(
            "The model was right for {right} of {total} item ({share}).",
            "The model was right for {right} of {total} items ({share}).",
            self.items,
        ).format(right=self.accepted, total=self.items, share=percent(self.accepted / self.items))


# -- what a change can run into ------------------------------------------------------------------


class RecordDeleted(RecordNotFound):
    """The record was deleted (it is in the bin); `record` is how it was when deleted."""

    def __init__(self, message: str, record: CatalogueRecord) -> None:
        super().__init__(message)
        self.record = record


class EditConflict(CatalogueError):
    """Someone else saved a newer change to the same fields; nothing was written.

    `current` is the record as it is now, `fields` the fields both changed.
    """

    def __init__(self, message: str, current: CatalogueRecord, fields: tuple[str, ...]) -> None:
        super().__init__(message)
        self.current = current
        self.fields = fields


# -- checks -------------------------------------------------------------------------------------


def _label_of_name(name: str) -> int | None:
    """The label of a kind named in English or in any language the app speaks, else None."""
    if name in CLASS_NAMES:
        return CLASS_NAMES.index(name)
    # A table filled in one language may be saved after the visitor switched to the other.
    for code in i18n.LANGUAGES:
        names = [i18n.translations(code).gettext(english) for english in CLASS_NAMES]
        if name in names:
            return names.index(name)
    return None


def class_label(value: Any) -> int:
    """A class given as label 0-9 or as its name (in any of the app's languages), as an int."""
    if isinstance(value, str) and (label := _label_of_name(value)) is not None:
        return label
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidEntry(
            _("The kind must be one of the {count} kinds of clothing; got {value}.").format(
                count=NUM_CLASSES, value=repr(value)
            )
        )
    if not 0 <= int(value) < NUM_CLASSES:
        raise InvalidEntry(
            _("The kind must be a number from 0 to {last}; got {value}.").format(
                last=NUM_CLASSES - 1, value=int(value)
            )
        )
    return int(value)


def _check_confidence(value: Any) -> float:
    try:
        confidence = float(value)
    except (TypeError, ValueError):
        raise InvalidEntry(
            _("The confidence must be a number; got {value}.").format(value=repr(value))
        ) from None
    if not 0.0 <= confidence <= 1.0:  # also rejects NaN
        raise InvalidEntry(
            _("The confidence must be between 0 and 1; got {value}.").format(value=confidence)
        )
    return confidence


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BENGALI_DIGITS = "০১২৩৪৫৬৭৮৯"  # U+09E6-U+09EF, as Bengali keyboards type them
WESTERN_DIGITS = "0123456789"
_TO_WESTERN = str.maketrans(BENGALI_DIGITS, WESTERN_DIGITS)


def western_digits(text: str) -> str:
    """'জিন্স প্যান্ট ৩২' -> 'জিন্স প্যান্ট 32': how a search compares digits (names stay as typed)."""
    return text.translate(_TO_WESTERN)


def clean_name(value: str | None) -> str:
    """The item name or SKU, stripped; empty is allowed, too long or several lines is not."""
    name = (value or "").strip()
    if len(name) > NAME_MAX_CHARS:
        raise InvalidEntry(
            _("The name is too long: at most {limit} characters (this one has {length}).").format(
                limit=NAME_MAX_CHARS, length=len(name)
            )
        )
    if _CONTROL.search(name):
        raise InvalidEntry(
            _("The name must be a single line of text, without tabs or line breaks.")
        )
    return name


def clean_note(value: str | None) -> str:
    """The note, stripped; empty is allowed, too long is not."""
    note = (value or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidEntry(
            _("The note is too long: at most {limit} characters (this one has {length}).").format(
                limit=NOTE_MAX_CHARS, length=len(note)
            )
        )
    if _CONTROL.search(note.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidEntry(_("The note contains characters that are not text."))
    return note


def clean_file_name(value: str | None) -> str:
    """The photo's file name without any folder, single-line and at most FILE_NAME_MAX_CHARS."""
    # Browsers send a bare name, but an old browser or a script may send C:\\Users\\...\\x.jpg.
    name = PureWindowsPath(str(value or "")).name
    name = _CONTROL.sub(" ", name).strip()
    return name[:FILE_NAME_MAX_CHARS]


def new_record(
    *,
    predicted: Any,
    confidence: Any,
    confirmed: Any = None,
    name: str | None = "",
    note: str | None = "",
    model_input: np.ndarray | None = None,
    photo: Any = None,
    thumbnail: bytes | None = None,
    file_name: str | None = "",
) -> NewRecord:
    """A checked entry; `confirmed` defaults to `predicted`, the thumbnail comes from the photo."""
    predicted_label = class_label(predicted)
    pixels = None if model_input is None else model_input_bytes(model_input)
    if thumbnail is None:
        thumbnail = thumbnail_for(photo, pixels)
    return NewRecord(
        predicted=predicted_label,
        confidence=_check_confidence(confidence),
        confirmed=predicted_label if confirmed is None else class_label(confirmed),
        name=clean_name(name),
        note=clean_note(note),
        model_input=pixels,
        thumbnail=thumbnail,
        file_name=clean_file_name(file_name),
    )
