"""Saving classified photos to the catalogue: the item, the person's choices, where it stands.

Classify hands each kept photo to the save controls as a `ClassifiedItem`. The person's choices
for it (the kind tapped, the Save tick, name and note, the record number once saved) are a small
dict the page keeps with the photo and its widgets fill in; from item and choices, `status_of`
says where the item stands (`ItemStatus`): saved, to save as a kind, or left out and by whom.
The rest are the words and the checked entry the save controls need. No Streamlit here: the
controls are drawn by pages/_save_controls.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_pictures import model_input_bytes, thumbnail_for
from fmnist_demo.catalogue_records import NewRecord, new_record
from fmnist_demo.data import kind_name
from fmnist_demo.i18n import _
from fmnist_demo.markdown_text import plain

ANOTHER = "another"  # the kind buttons' "another kind": all ten behind it
NONE = "none"  # ... and "none of the ten kinds"
CHOICES = ("pick", "another", "keep", "name", "note")  # what the person sets, one widget each
# Why an item is not saved: the app's doing (not sure and no kind tapped yet; none of the ten
# kinds), or the person's (marked "none of the ten"; the Save tick taken off).
LEFT_OUT_BY_APP = ("choose", "no_kind")
LEFT_OUT_BY_PERSON = ("marked_none", "unticked")


@dataclass(frozen=True)
class ClassifiedItem:
    """One classified photo as the catalogue's save controls take it."""

    id: str  # stable while the photo is shown (its file id)
    predicted: int  # the model's kind, 0-9
    confidence: float  # how sure the model was of it, 0-1
    model_input: np.ndarray = field(repr=False, compare=False)  # (28, 28) float32 in [0, 1]
    sure: bool = False  # a sure verdict: it comes with its kind chosen and ticked
    offered: tuple[int, ...] = ()  # the kinds a not-sure verdict offers, best first
    none_of_the_ten: bool = False  # the model found none of the ten kinds
    # bytes, a PIL image or an array; the thumbnail is made from it. None: from model_input.
    photo: Any = field(default=None, repr=False, compare=False)
    file_name: str = ""  # the photo's own file name, or the camera's words for it
    # The person's choices (see CHOICES, and "record"), kept by the page with the photo (e.g.
    # across reloads); None: the save controls keep them in the session.
    choices: dict[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ItemStatus:
    """Where one classified item stands: its kind, whether the next Save adds it, and why not."""

    kind: int | None  # the kind it would be saved as; None while no kind is chosen
    record: int | None = None  # its record number once saved
    left_out: str | None = None  # None (to save or saved), else one of LEFT_OUT_BY_APP or
    # LEFT_OUT_BY_PERSON

    @property
    def saving(self) -> bool:
        """Whether the next Save adds it."""
        return self.record is None and self.left_out is None and self.kind is not None

    @property
    def left_out_by_app(self) -> bool:
        """Whether the app, not the person, left it unticked."""
        return self.left_out in LEFT_OUT_BY_APP


def first_choices(item: ClassifiedItem) -> dict[str, Any]:
    """The choices an item starts with: only a sure verdict comes with its kind chosen."""
    sure = item.sure and not item.none_of_the_ten
    return {
        "pick": int(item.predicted) if sure else None,
        "another": None,
        "keep": True,
        "name": "",
        "note": "",
        "record": None,
    }


def status_of(item: ClassifiedItem, choices: Mapping[str, Any]) -> ItemStatus:
    """Where the item stands, given the person's choices (see ItemStatus)."""
    pick = choices.get("pick")
    kind = choices.get("another") if pick == ANOTHER else pick
    kind = None if kind in (None, NONE, ANOTHER) else int(kind)
    if choices.get("record") is not None:
        return ItemStatus(kind, record=int(choices["record"]))
    if kind is not None:
        return ItemStatus(kind, left_out=None if choices.get("keep", True) else "unticked")
    if pick == NONE:
        return ItemStatus(None, left_out="marked_none")
    return ItemStatus(None, left_out="no_kind" if item.none_of_the_ten else "choose")


def status_words(status: ItemStatus) -> str:
    """A few words on where an item stands, for a folded card's title."""
    if status.record is not None:
        return _("in the catalogue as #{record}").format(record=status.record)
    if status.saving:
        return _("to save as {kind}").format(kind=kind_name(status.kind))
    return {
        "choose": _("pick its kind"),
        "no_kind": _("not saved"),
        "marked_none": _("left out by you"),
        "unticked": _("left out by you"),
    }[status.left_out]


@dataclass(frozen=True)
class KindChoice:
    """The kind buttons of one item: their question, the options in order, and their words."""

    label: str
    options: tuple[int | str, ...]  # kinds (0-9), then ANOTHER and NONE where offered
    words: dict[str, str]  # what the ANOTHER and NONE buttons say

    def option_words(self, option: int | str) -> str:
        """What one button says."""
        return self.words[option] if option in self.words else kind_name(option)


def kind_choice(item: ClassifiedItem) -> KindChoice:
    """The kinds to tap: a sure verdict's own; a not-sure one's offered kinds, best first; for an
    item of none of the ten kinds, only "it is one of the ten…"."""
    if item.none_of_the_ten:
        label = _("None of the ten kinds, so it is not saved. If it is one of them, pick its kind:")
        return KindChoice(label, (ANOTHER,), {ANOTHER: _("It is one of the ten…")})
    if item.sure:
        options: tuple[int | str, ...] = (int(item.predicted), ANOTHER, NONE)
        label = _("Kind")
    else:
        offered = item.offered or (int(item.predicted),)
        options = (*(int(k) for k in offered), ANOTHER, NONE)
        label = _("Not sure: which kind is it? One tap:")
    return KindChoice(label, options, {ANOTHER: _("Another kind…"), NONE: _("None of the ten")})


def item_thumbnail(item: ClassifiedItem) -> bytes | None:
    """The JPEG the record will keep: from the photo, else from the model's picture; None when
    neither can be made (the record is still saved, without one)."""
    try:
        pixels = None if item.photo is not None else model_input_bytes(item.model_input)
        return thumbnail_for(item.photo, pixels)
    except CatalogueError:
        return None


def entry_for(
    item: ClassifiedItem, kind: int, name: Any, note: Any, thumbnail: bytes | None
) -> NewRecord:
    """The checked entry to save for an item; raises InvalidEntry in plain words."""
    return new_record(
        predicted=int(item.predicted),
        confidence=float(item.confidence),
        confirmed=kind,
        name=name,
        note=note,
        model_input=np.asarray(item.model_input),
        thumbnail=thumbnail,
        file_name=item.file_name or "",
    )


def file_label(item: ClassifiedItem) -> str:
    """The item's file name as Markdown-safe text, or a word for a photo without one."""
    return plain(item.file_name or _("photo"))


def listed(items: Iterable[ClassifiedItem]) -> str:
    """Items by file name, for a sentence: "a.jpg, b.jpg"."""
    return ", ".join(file_label(item) for item in items)


def left_out_notes(statuses: Iterable[tuple[ClassifiedItem, ItemStatus]]) -> list[tuple[str, str]]:
    """Who left which items out, as (icon, sentence) lines under the save box; none when all go."""
    pairs = list(statuses)
    by = {
        why: [item for item, status in pairs if status.left_out == why]
        for why in (*LEFT_OUT_BY_APP, *LEFT_OUT_BY_PERSON)
    }
    notes = []
    if by["choose"]:
        words = _(
            "Not ticked by the app, as it was not sure: tap the kind of {items} to save them."
        ).format(items=listed(by["choose"]))
        notes.append((":material/touch_app:", words))
    if by["no_kind"]:
        words = _("Not ticked by the app, as it found none of the ten kinds: {items}.").format(
            items=listed(by["no_kind"])
        )
        notes.append((":material/block:", words))
    if by["marked_none"] or by["unticked"]:
        words = _("Left out by you: {items}.").format(
            items=listed(by["marked_none"] + by["unticked"])
        )
        notes.append((":material/remove_done:", words))
    return notes
