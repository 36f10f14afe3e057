"""Classify's "Add to catalogue": each photo's save controls in its card, one Save box below them.

Each photo's card carries its own controls (`item_controls`): the kind as big buttons to tap,
"Save" ticked only for a sure verdict or a kind the person chose, a name and a note. One "Save"
button below them (`save_controls`) adds the ticked ones in one go and says who left the others
out. What a visitor typed stays in their widgets and in the item's choices, so a failed save loses
nothing. Items are `catalogue_saving.ClassifiedItem`s; where each stands is worked out there.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_records import NAME_MAX_CHARS, NOTE_MAX_CHARS
from fmnist_demo.catalogue_saving import (
    ANOTHER,
    CHOICES,
    ClassifiedItem,
    ItemStatus,
    entry_for,
    file_label,
    first_choices,
    item_thumbnail,
    kind_choice,
    left_out_notes,
    status_of,
)
from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._catalogue_store import get_store
from fmnist_demo.pages._staff_lock import may_change, unlock_controls

# Tap targets a finger can hit (at least 44 px tall) for the kind buttons and the Save tick.
CHOICE_CSS = """<style>
div[class*="st-key-"][class*="-choose"] button{min-height:48px;font-size:1rem;padding:0 1rem}
div[class*="st-key-"][class*="-choose"] [data-testid="stCheckbox"] label{min-height:44px;
 align-items:center}
</style>"""


def item_key(key_prefix: str, item_id: str, part: str) -> str:
    """The widget key of one part of an item's controls ("pick", "keep", "name", ...)."""
    return f"{key_prefix}-{item_id}-{part}"


def _choices(item: ClassifiedItem, key_prefix: str) -> dict[str, Any]:
    """The item's choices, kept by the page (item.choices, restored after a reload) or here."""
    choices = item.choices
    if choices is None:
        kept = st.session_state.setdefault(f"{key_prefix}-states", {})
        choices = kept.setdefault(item.id, {})
    if "pick" not in choices:  # first seen
        choices.update(first_choices(item))
    return choices


def _read_widgets(item: ClassifiedItem, key_prefix: str) -> dict[str, Any]:
    """The item's choices with the latest taps and typing from its widgets copied in."""
    choices = _choices(item, key_prefix)
    for part in CHOICES:
        key = item_key(key_prefix, item.id, part)
        if key in st.session_state:
            choices[part] = st.session_state[key]
    return choices


def item_status(item: ClassifiedItem, key_prefix: str) -> ItemStatus:
    """Where the item stands now (see ItemStatus)."""
    return status_of(item, _read_widgets(item, key_prefix))


def _forget_gone(key_prefix: str, item_ids: set[str]) -> None:
    """Drop what the session keeps for items no longer shown (their results are gone too)."""
    for suffix in ("thumbs", "states"):
        kept = st.session_state.get(f"{key_prefix}-{suffix}", {})
        for gone in [item_id for item_id in kept if item_id not in item_ids]:
            del kept[gone]


def _thumbnail(key_prefix: str, item: ClassifiedItem) -> bytes | None:
    """The item's JPEG thumbnail, made once per item and kept in the session while it is shown."""
    thumbs = st.session_state.setdefault(f"{key_prefix}-thumbs", {})
    if item.id not in thumbs:
        thumbs[item.id] = item_thumbnail(item)
    return thumbs[item.id]


def item_controls(item: ClassifiedItem, key_prefix: str) -> None:
    """One item's save controls, under its verdict: the kind to tap, the Save tick, name, note.

    A sure verdict comes with its kind chosen and ticked; a not-sure one offers its kinds
    (item.offered, best first) as big buttons, with "another kind" (all ten) and "none of the
    ten" behind them, and is ticked once a kind is tapped; an item of none of the ten kinds
    shows no kind until one is picked. Saved, it says its record number. Locked (a staff passcode
    not yet given), nothing: the save box below asks for the passcode.
    """
    choices = _read_widgets(item, key_prefix)
    if choices.get("record") is not None:
        st.success(
            _("In the catalogue as record #{record}. See it on the Catalogue page.").format(
                record=choices["record"]
            ),
            icon=":material/inventory:",
        )
        return
    if not may_change():
        return
    # Set before the widgets are made: a reload or a page change brings them back.
    for part in CHOICES:
        key = item_key(key_prefix, item.id, part)
        if key not in st.session_state:
            st.session_state[key] = choices[part]
    choice = kind_choice(item)
    with st.container(key=f"{key_prefix}-{item.id}-choose"):
        st.html(CHOICE_CSS)
        pick = st.pills(
            choice.label,
            choice.options,
            format_func=choice.option_words,
            key=item_key(key_prefix, item.id, "pick"),
        )
        if pick == ANOTHER:
            st.pills(
                _("Which of the ten kinds?"),
                range(NUM_CLASSES),
                format_func=kind_name,
                key=item_key(key_prefix, item.id, "another"),
            )
        status = item_status(item, key_prefix)
        if status.kind is not None:
            st.checkbox(
                _("Save as {kind}").format(kind=kind_name(status.kind)),
                key=item_key(key_prefix, item.id, "keep"),
            )
        name, note = st.columns(2)
        name.text_input(
            _("Name or SKU (optional)"),
            max_chars=NAME_MAX_CHARS,
            key=item_key(key_prefix, item.id, "name"),
        )
        note.text_input(
            _("Note (optional)"),
            max_chars=NOTE_MAX_CHARS,
            key=item_key(key_prefix, item.id, "note"),
        )
    _read_widgets(item, key_prefix)


def _outcome_key(key_prefix: str) -> str:
    return f"{key_prefix}-outcome"


def _save_now(items: list[ClassifiedItem], key_prefix: str) -> None:
    """The Save button's callback: add every ticked item in one go, before the page is redrawn,
    so the redrawn page shows them saved at once; on a failure nothing is lost."""
    saving, problems = [], []
    for item in items:
        status = item_status(item, key_prefix)
        if not status.saving:
            continue
        choices = _choices(item, key_prefix)
        try:
            entry = entry_for(
                item, status.kind, choices["name"], choices["note"], _thumbnail(key_prefix, item)
            )
            saving.append((item, entry))
        except CatalogueError as exc:
            problems.append(_("{file}: {problem}").format(file=file_label(item), problem=exc))
    outcome = _outcome_key(key_prefix)
    if problems:
        st.session_state[outcome] = (
            "error",
            _("Nothing was saved. {problems}").format(problems=" ".join(problems)),
        )
        return
    try:
        ids = get_store().add_many([entry for _item, entry in saving])
    except CatalogueError as exc:
        st.session_state[outcome] = (
            "error",
            ngettext(
                "The catalogue cannot save just now: {problem} Nothing is lost: the {n} item "
                "stays here, ticked, to save later in this visit. Tap Save again in a moment.",
                "The catalogue cannot save just now: {problem} Nothing is lost: the {n} items "
                "stay here, ticked, to save later in this visit. Tap Save again in a moment.",
                len(saving),
            ).format(problem=exc, n=len(saving)),
        )
        return
    for (item, _record), record_id in zip(saving, ids, strict=True):
        _choices(item, key_prefix)["record"] = int(record_id)
    st.session_state[outcome] = ("saved", [int(record_id) for record_id in ids])


def save_controls(items: list[ClassifiedItem], key_prefix: str) -> list[int]:
    """The save box under the cards: what will be saved, who left what out, and one Save button.

    Each item's controls are drawn by `item_controls` in its card. Saving happens in the
    button's callback, so the page is redrawn with the items saved; a database that cannot save
    leaves them all ticked, with a plain message, to save later in the visit. With a staff
    passcode set, a visitor who has not unlocked sees the "Staff passcode" box instead. Returns
    the record ids saved for the items.
    """
    _forget_gone(key_prefix, {item.id for item in items})
    statuses = [(item, item_status(item, key_prefix)) for item in items]
    saved_ids = [status.record for _item, status in statuses if status.record is not None]
    if not items:
        return []
    with st.container(border=True, key=f"{key_prefix}-save-box"):
        st.markdown("**" + _("Add to catalogue") + "**")
        if not may_change():
            unlock_controls(key_prefix, _("Adding to the catalogue needs the staff passcode."))
            return saved_ids
        outcome = st.session_state.pop(_outcome_key(key_prefix), None)
        if outcome and outcome[0] == "saved":
            numbers = ", ".join(f"#{record_id}" for record_id in outcome[1])
            st.success(
                ngettext(
                    "Saved {n} to the catalogue as record {numbers}.",
                    "Saved {n} to the catalogue as records {numbers}.",
                    len(outcome[1]),
                ).format(n=len(outcome[1]), numbers=numbers),
                icon=":material/inventory:",
            )
        elif outcome:
            st.error(outcome[1], icon=":material/error:")
        done = [(item, s) for item, s in statuses if s.record is not None]
        if done and not (outcome and outcome[0] == "saved"):
            listed = ", ".join(f"{file_label(item)} (#{s.record})" for item, s in done)
            st.caption(_("In the catalogue: {items}.").format(items=listed))
        for icon, words in left_out_notes(statuses):
            st.caption(f"{icon} {words}")
        ticked = [item for item, s in statuses if s.saving]
        if not ticked:
            return saved_ids
        failed = bool(outcome and outcome[0] == "error")
        label = (
            ngettext(
                "Try again: save {n} to catalogue", "Try again: save {n} to catalogue", len(ticked)
            )
            if failed
            else ngettext("Save {n} to catalogue", "Save {n} to catalogue", len(ticked))
        ).format(n=len(ticked))
        if failed:  # the message stays until a save goes through
            st.session_state[_outcome_key(key_prefix)] = outcome
        st.button(
            label,
            type="primary",
            icon=":material/refresh:" if failed else ":material/save:",
            on_click=_save_now,
            args=(items, key_prefix),
            key=f"{key_prefix}-save-all",
        )
    return saved_ids
