"""The Catalogue page's record editor: change a record's kind, name or note, delete it, restore it.

Changes name the version they started from, so two staff editing one record never silently undo
each other: a clash shows both versions side by side (keep yours, or take theirs), and changes
typed for a record someone else deleted meanwhile are kept, with "restore it with my changes".
Deleting moves a record to the bin (`bin_section`), with Undo in the message. A change's message
is shown once, by the button that made it (pages/_flash.py). The record the editor shows is kept
under SELECTED_KEY, which the records table on the page follows too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from fmnist_demo.catalogue import BIN_KEEP_DAYS, CatalogueStore
from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_records import (
    NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    CatalogueRecord,
    EditConflict,
    RecordDeleted,
)
from fmnist_demo.catalogue_view import (
    bin_line,
    comparison_rows,
    record_after_delete,
    record_label,
)
from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.formatting import confidence
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._flash import leave_flash, show_flash, take_flash
from fmnist_demo.pages._language import in_visitor_language

FLASH_KEY = "catalogue_flash"  # a Flash to show after a change and a rerun
# The record the editor shows. The picker and the records table both follow it; it is changed
# only by a person's pick (in either) or by an action, never read back from the picker's label,
# which changes with the record's kind and name.
SELECTED_KEY = "catalogue_selected"
PICKER_KEY = "cat_edit_id"
# Where a change's message is shown: by the button that made it, so it is on screen.
AT_EDITOR, AT_BIN = "editor", "bin"
PENDING_DELETE_KEY = "catalogue_pending_delete"  # the record as shown when Delete was pressed
BASE_KEY = "catalogue_edit_base"  # record id -> the record as it was when its form was filled
REFRESH_KEY = "catalogue_edit_refresh"  # record id whose form is refilled from the database
ORPHAN_KEY = "catalogue_orphan"  # changes typed for a record someone else deleted meanwhile


# -- a change's message -------------------------------------------------------------------------


def _flash(message: str, undo: int | None = None, place: str = AT_EDITOR) -> None:
    """Leave a change's message for the next run, then rerun."""
    leave_flash(FLASH_KEY, message, place=place, undo=undo)
    st.rerun()


def _undo_delete(store: CatalogueStore, record_id: int) -> None:
    # A button callback: runs before the page, so its message shows in the run it starts.
    # The record comes back into the editor, where the person pressed Undo.
    st.session_state[SELECTED_KEY] = record_id
    _restore(store, record_id, place=AT_EDITOR)


def flash_message(store: CatalogueStore | None, place: str | None = None) -> None:
    """The message left by the last change, if it belongs here (any place if None), with Undo
    after a delete."""
    flash = take_flash(FLASH_KEY, place)
    if flash is None:
        return
    if flash.undo is None or store is None:
        show_flash(flash, icon=":material/check:")
        return
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.success(flash.message, icon=":material/delete:")
    button.button(
        _("Undo"),
        icon=":material/undo:",
        on_click=_undo_delete,
        args=(store, flash.undo),
        key="cat_undo",
    )


@in_visitor_language  # a button callback, like _undo_delete: the message in the visitor's words
def _restore(store: CatalogueStore, record_id: int, place: str = AT_BIN) -> None:
    try:
        store.restore(record_id)
    except CatalogueError as exc:
        message = _("Record #{record} could not be restored. {problem}").format(
            record=record_id, problem=exc
        )
    else:
        message = _("Record #{record} is back.").format(record=record_id)
    leave_flash(FLASH_KEY, message, place=place)


# -- editing ------------------------------------------------------------------------------------


def _picked_in_list() -> None:
    # A callback. A label the browser still shows for a record whose kind or name changed since
    # is no option any more and comes back as its text, not an id: that is no pick, and ignored.
    value = st.session_state.get(PICKER_KEY)
    if isinstance(value, int):
        st.session_state[SELECTED_KEY] = value


def _widget_keys(record_id: int) -> dict[str, str]:
    return {
        "confirmed": f"cat_edit_class_{record_id}",
        "name": f"cat_edit_name_{record_id}",
        "note": f"cat_edit_note_{record_id}",
    }


def _fill_form(record: CatalogueRecord) -> None:
    """Put the record's values in its form's widgets and remember them as the edit's base."""
    for field, key in _widget_keys(record.id).items():
        st.session_state[key] = getattr(record, field)
    # The base is the one record being edited, kept without its pictures (the session stays small).
    st.session_state[BASE_KEY] = {
        record.id: dataclasses.replace(record, thumbnail=None, model_input=None)
    }


def _prepare_form(record: CatalogueRecord) -> CatalogueRecord:
    """The base of this record's edit; refills a form nobody has typed in when the record moved."""
    bases = st.session_state.setdefault(BASE_KEY, {})
    keys = _widget_keys(record.id)
    refresh = st.session_state.pop(REFRESH_KEY, None) == record.id
    base = bases.get(record.id)
    untouched = base is not None and all(
        st.session_state.get(key) == getattr(base, field) for field, key in keys.items()
    )
    if (
        refresh
        or base is None
        or any(key not in st.session_state for key in keys.values())
        or (untouched and base.version != record.version)
    ):
        _fill_form(record)
    return st.session_state[BASE_KEY][record.id]


def _use_theirs(record: CatalogueRecord) -> None:
    # A button callback: widgets may be refilled only before they are drawn.
    _fill_form(record)


def _comparison(theirs: CatalogueRecord, yours: dict[str, Any], key: str) -> None:
    """Both versions side by side, as plain text."""
    st.dataframe(
        comparison_rows(theirs, yours),
        column_config={
            "field": st.column_config.TextColumn(""),
            "theirs": st.column_config.TextColumn(_("Saved now (theirs)")),
            "yours": st.column_config.TextColumn(_("Yours, not saved")),
        },
        hide_index=True,
        width="stretch",
        key=key,
    )


def orphan_section(store: CatalogueStore) -> None:
    """Changes typed for a record that was deleted meanwhile: kept, with restore-and-save."""
    orphan = st.session_state.get(ORPHAN_KEY)
    if not orphan:
        return
    record: CatalogueRecord = orphan["record"]
    typed: dict[str, Any] = orphan["typed"]
    with st.container(border=True):
        st.warning(
            _(
                "Record #{record} was deleted by someone else while you were changing it. "
                "What you typed is kept here; it is not saved yet."
            ).format(record=record.id),
            icon=":material/delete:",
        )
        _comparison(record, typed, key="cat_orphan_compare")
        restore, discard = st.columns(2)
        if restore.button(
            _("Restore it with my changes"),
            icon=":material/restore_from_trash:",
            key="cat_orphan_save",
        ):
            try:
                back = store.restore(record.id)
                store.update(record.id, based_on=back, **typed)
            except CatalogueError as exc:
                st.error(
                    _("{problem} What you typed is still here.").format(problem=exc),
                    icon=":material/error:",
                )
            else:
                del st.session_state[ORPHAN_KEY]
                st.session_state[REFRESH_KEY] = record.id
                st.session_state[SELECTED_KEY] = record.id
                _flash(_("Record #{record} is back, with your changes.").format(record=record.id))
        if discard.button(_("Forget my changes"), icon=":material/close:", key="cat_orphan_drop"):
            del st.session_state[ORPHAN_KEY]
            st.rerun()


def edit_section(store: CatalogueStore, records: list[CatalogueRecord]) -> None:
    """Pick one of the listed records; change its kind, name or note, or delete it."""
    st.subheader(_("Change or delete a record"))
    by_id = {record.id: record for record in records}
    selected = st.session_state.get(SELECTED_KEY)
    if (
        selected is not None
        and selected not in by_id
        and st.session_state.get(f"cat_edit_save_{selected}")
        and selected in st.session_state.get(BASE_KEY, {})
    ):
        # Saved just as it left the list (deleted, or changed to another kind by someone else):
        # its form is drawn once more so the save is answered and nothing typed is lost.
        by_id[selected] = st.session_state[BASE_KEY][selected]
    elif selected not in by_id:
        selected = next(iter(by_id))
    # The picker is told which record to show on every run, so it never falls back to the first
    # option when the label it showed changed (a new kind or name) or its record left the list.
    st.session_state[SELECTED_KEY] = selected
    st.session_state[PICKER_KEY] = selected
    record_id = st.selectbox(
        _("Record"),
        options=list(by_id),
        format_func=lambda rid: record_label(by_id[rid]),
        on_change=_picked_in_list,
        key=PICKER_KEY,
    )
    record = by_id[record_id]
    base = _prepare_form(record)
    keys = _widget_keys(record.id)
    picture, form = st.columns([1, 3])
    if record.thumbnail:
        picture.image(record.thumbnail, caption=_("Photo"), width=160)
    if record.model_input is not None:
        picture.image(record.image(), caption=_("What the model saw"), width=84, clamp=True)
    picture.caption(
        _("Model said **{kind}** ({share} sure).").format(
            kind=kind_name(record.predicted), share=confidence(record.confidence)
        )
    )
    with form.form(key=f"cat_edit_form_{record.id}", border=False):
        confirmed = st.selectbox(
            _("Kind"),
            options=range(NUM_CLASSES),
            format_func=kind_name,
            key=keys["confirmed"],
        )
        name = st.text_input(_("Name or SKU"), max_chars=NAME_MAX_CHARS, key=keys["name"])
        note = st.text_area(_("Note"), max_chars=NOTE_MAX_CHARS, key=keys["note"])
        save = st.form_submit_button(
            _("Save changes"), icon=":material/save:", key=f"cat_edit_save_{record.id}"
        )
    with form:
        flash_message(store, AT_EDITOR)  # right under Save changes, above Delete
    if save:
        typed = {"confirmed": confirmed, "name": name, "note": note}
        try:
            store.update(record.id, based_on=base, **typed)
        except EditConflict as exc:
            # Saving again now means "mine win": the next save starts from their version.
            st.session_state[BASE_KEY][record.id] = exc.current
            with form:
                st.error(
                    _(
                        "{problem} Compare them below: press {save} again to keep yours, or "
                        "take theirs."
                    ).format(problem=exc, save=_("Save changes")),
                    icon=":material/sync_problem:",
                )
                _comparison(exc.current, typed, key="cat_conflict_compare")
                st.button(
                    _("Take theirs"),
                    icon=":material/undo:",
                    on_click=_use_theirs,
                    args=(exc.current,),
                    key="cat_take_theirs",
                )
        except RecordDeleted as exc:
            st.session_state[ORPHAN_KEY] = {"record": exc.record, "typed": typed}
            st.session_state[BASE_KEY].pop(record.id, None)
            st.rerun()
        except CatalogueError as exc:
            form.error(
                _("{problem} Your changes are still in the form.").format(problem=exc),
                icon=":material/error:",
            )
        else:
            st.session_state[REFRESH_KEY] = record.id
            _flash(_("Record #{record} saved.").format(record=record.id))

    if form.button(_("Delete this record…"), icon=":material/delete:", key="cat_delete"):
        st.session_state[PENDING_DELETE_KEY] = record
    pending = st.session_state.get(PENDING_DELETE_KEY)
    if pending is not None and pending.id == record.id:
        form.warning(
            ngettext(
                "Move record #{record} to the bin? It can be restored from the bin for {days} day.",
                "Move record #{record} to the bin? It can be restored from the bin for {days} "
                "days.",
                BIN_KEEP_DAYS,
            ).format(record=record.id, days=BIN_KEEP_DAYS),
            icon=":material/warning:",
        )
        yes, no = form.columns(2)
        if yes.button(_("Yes, delete it"), type="primary", key="cat_delete_confirm"):
            del st.session_state[PENDING_DELETE_KEY]
            try:
                store.delete(record.id, based_on=pending)
            except CatalogueError as exc:
                form.error(str(exc), icon=":material/error:")
            else:
                # The editor moves on to the next record in the list, as the picker will show.
                after = record_after_delete([listed.id for listed in records], record.id)
                if after is not None:
                    st.session_state[SELECTED_KEY] = after
                _flash(
                    _("Record #{record} moved to the bin.").format(record=record.id),
                    undo=record.id,
                )
        if no.button(_("Cancel"), key="cat_delete_cancel"):
            del st.session_state[PENDING_DELETE_KEY]
            st.rerun()


# -- the bin ------------------------------------------------------------------------------------


def bin_section(store: CatalogueStore, binned: list[CatalogueRecord], zone: Any) -> None:
    """Deleted records, each with Restore, for BIN_KEEP_DAYS days."""
    flash_message(store, AT_BIN)  # a restore's message, where the bin's Restore was pressed
    if not binned:
        return
    label = ngettext("Bin: {n} deleted record", "Bin: {n} deleted records", len(binned))
    # Keyed: it stays open while its label counts the records restored from it.
    with st.expander(label.format(n=len(binned)), icon=":material/delete:", key="cat_bin"):
        st.caption(
            ngettext(
                "Deleted records stay here for {days} day, then they are removed for good.",
                "Deleted records stay here for {days} days, then they are removed for good.",
                BIN_KEEP_DAYS,
            ).format(days=BIN_KEEP_DAYS)
        )
        for record in binned:
            picture, text, button = st.columns([1, 8, 2], vertical_alignment="center")
            if record.thumbnail:
                picture.image(record.thumbnail, width=40)
            text.markdown(bin_line(record, zone))
            button.button(
                _("Restore"),
                icon=":material/restore_from_trash:",
                on_click=_restore,
                args=(store, record.id),
                key=f"cat_restore_{record.id}",
            )
