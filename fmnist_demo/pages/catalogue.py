"""Catalogue page: the saved items, the trial's result, edit, delete and restore, downloads.

Everything the page reads is read first, in one place, so a database fault at any step is one
plain message rather than half a page. Changes name the version they started from, so two staff
editing one record never silently undo each other. Every word shown comes from the message
catalogue (`_()`), kinds through `kind_name()`; what staff typed (names, notes) is shown as typed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import streamlit as st

from fmnist_demo import catalogue, catalogue_export
from fmnist_demo.catalogue import (
    BIN_KEEP_DAYS,
    CatalogueError,
    CatalogueRecord,
    CatalogueStore,
    EditConflict,
    RecordDeleted,
    TrialSummary,
)
from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.formatting import confidence
from fmnist_demo.html_views import trial_bars_html
from fmnist_demo.i18n import N_, _, ngettext
from fmnist_demo.pages._catalogue_ui import (
    get_store,
    lock_again,
    may_change,
    on_a_phone,
    plain,
    staff_passcode,
    unlock_controls,
)
from fmnist_demo.pages._language import start_language
from fmnist_demo.pages._photo_model_ui import teach_section
from fmnist_demo.pages._visitor_time import visitor_zone

SHOWN_RECORDS = 500  # newest records listed; the filters reach the rest
BIN_SHOWN = 50  # most recently deleted records listed in the bin
FLASH_KEY = "catalogue_flash"  # a Flash to show after a change and a rerun
# The record the editor shows. The picker and the records table both follow it; it is changed
# only by a person's pick (in either) or by an action, never read back from the picker's label,
# which changes with the record's kind and name.
SELECTED_KEY = "catalogue_selected"
PICKER_KEY = "cat_edit_id"
TABLE_KEY = "cat_records"
TABLE_ROW_KEY = "catalogue_table_row"  # the row the records table was last drawn highlighting
# Where a change's message is shown: by the button that made it, so it is on screen.
AT_EDITOR, AT_BIN = "editor", "bin"
PENDING_DELETE_KEY = "catalogue_pending_delete"  # the record as shown when Delete was pressed
BASE_KEY = "catalogue_edit_base"  # record id -> the record as it was when its form was filled
REFRESH_KEY = "catalogue_edit_refresh"  # record id whose form is refilled from the database
ORPHAN_KEY = "catalogue_orphan"  # changes typed for a record someone else deleted meanwhile
FAULT_ADVICE = N_("Nothing you saved is lost. Reload the page in a moment to try again.")
# The editable fields as the side-by-side comparison names them, translated on use.
FIELD_LABELS = {"confirmed": N_("Kind"), "name": N_("Name"), "note": N_("Note")}


def _fault(problem: CatalogueError | str) -> str:
    """The one message for a fault that stops the page: what went wrong; nothing is lost."""
    return _("The catalogue cannot be shown just now. {problem} {advice}").format(
        problem=problem, advice=_(FAULT_ADVICE)
    )


@dataclass(frozen=True)
class View:
    """Everything the page shows, read from the store in one go."""

    total: int
    summary: TrialSummary
    records: list[CatalogueRecord]
    matching: int
    binned: list[CatalogueRecord]
    read_only: bool
    csv: bytes | None  # only for a visitor who may download


def load_view(
    store: CatalogueStore, total: int, label: int | None, search: str, downloads: bool, zone: Any
) -> View:
    """Every other read the page needs, once `total` is known; raises CatalogueError."""
    return View(
        total=total,
        summary=store.trial_summary(),
        records=store.records(label=label, search=search, limit=SHOWN_RECORDS) if total else [],
        matching=store.count(label=label, search=search) if total else 0,
        binned=store.binned(limit=BIN_SHOWN),
        read_only=store.read_only(),
        csv=(
            catalogue_export.csv_bytes(store.records(with_images=False), zone)
            if downloads and total
            else None
        ),
    )


def _record_label(record: CatalogueRecord) -> str:
    # Select box options are plain text: no Markdown to escape here.
    name = f" · {record.name}" if record.name else ""
    return f"#{record.id} · {kind_name(record.confirmed)}{name}"


@dataclass(frozen=True)
class Flash:
    """A change's message, shown once after the rerun that follows it, where it was made."""

    message: str
    place: str = AT_EDITOR
    undo: int | None = None  # the record id a delete's message offers to restore


def _flash(message: str, undo: int | None = None, place: str = AT_EDITOR) -> None:
    st.session_state[FLASH_KEY] = Flash(message, place, undo)
    st.rerun()


def _undo_delete(store: CatalogueStore, record_id: int) -> None:
    # A button callback: runs before the page, so its message shows in the run it starts.
    # The record comes back into the editor, where the person pressed Undo.
    st.session_state[SELECTED_KEY] = record_id
    _restore(store, record_id, place=AT_EDITOR)


def flash_message(store: CatalogueStore | None, place: str | None = None) -> None:
    """The message left by the last change, if it belongs here (any place if None), with Undo
    after a delete."""
    # Not isinstance: the page's code, Flash included, is run anew on every rerun.
    flash = st.session_state.get(FLASH_KEY)
    if flash is None or (place is not None and flash.place != place):
        return
    del st.session_state[FLASH_KEY]
    if flash.undo is None or store is None:
        st.success(flash.message, icon=":material/check:")
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


def access_note() -> None:
    """Who may change the catalogue, in one line."""
    if staff_passcode() is None:
        text = _(
            "Anyone who can open this app can add, change, delete and download records: no "
            "staff passcode is set."
        )
        st.caption(f":material/lock_open: {text}")
    elif may_change():
        note, button = st.columns([4, 1], vertical_alignment="center")
        text = _("Unlocked for this visit: you can change records.")
        note.caption(f":material/lock_open: {text}")
        button.button(_("Lock"), icon=":material/lock:", on_click=lock_again, key="cat_lock")
    else:
        text = _(
            "Anyone can look. Adding, changing, deleting and downloading records need the staff "
            "passcode."
        )
        st.caption(f":material/lock: {text}")


def trial_section(summary: TrialSummary) -> None:
    """The trial's result in words, numbers and bars per kind (each with its figures written)."""
    st.subheader(_("The trial: how often was the model right?"))
    st.markdown(f"**{summary.sentence()}**")
    items, right, corrected = st.columns(3)
    items.metric(_("Items"), summary.items)
    right.metric(_("Model right"), summary.accepted)
    corrected.metric(_("Corrected by staff"), summary.corrected)
    st.html(
        trial_bars_html([(kind_name(c.label), c.accepted, c.corrected) for c in summary.per_class])
    )
    st.caption(
        _("Per kind, by the kind staff confirmed: how many items, and how often the model said it.")
    )


def filter_controls() -> tuple[int | None, str]:
    """The kind filter and the name search."""
    left, right = st.columns(2)
    label = left.selectbox(
        _("Kind"),
        options=[None, *range(NUM_CLASSES)],
        format_func=lambda value: _("All kinds") if value is None else kind_name(value),
        key="cat_filter_class",
    )
    search = right.text_input(
        _("Search by name or SKU"), placeholder=_("e.g. SKU-1042"), key="cat_search"
    )
    return label, search


def record_columns(phone: bool = False) -> dict[str, Any]:
    """The records table's columns, widths in pixels, beside the column of round buttons that pick
    a row: a desk shows all, a phone those of PHONE_COLUMNS in its width: the record's number (as
    the editor's picker names it), the longest kind ("Ankle boot" or "অ্যাঙ্কেল বুট") and "Ankle
    boot, over 99 %"; the Bengali of that last one is a word longer and loses its end on a
    phone. A phone leaves out the name: the picker names the record, the search finds it."""
    return {
        "id": st.column_config.NumberColumn("#", format="%d", width=40 if phone else 48),
        "kind": st.column_config.TextColumn(_("Kind"), width=88 if phone else 92),
        "photo": st.column_config.ImageColumn(_("Photo"), width=44 if phone else 48),
        "name": st.column_config.TextColumn(_("Name or SKU"), width=96),
        "model": st.column_config.TextColumn(_("Model said"), width=144 if phone else 176),
        "saved": st.column_config.TextColumn(_("Saved"), width=116),
        "note": st.column_config.TextColumn(_("Note"), width=104),
        "file": st.column_config.TextColumn(_("Photo file"), width=104),
    }


PHONE_COLUMNS = ("id", "kind", "photo", "model")


def selected_record(records: list[CatalogueRecord]) -> int | None:
    """The listed record the editor shows: the one last picked, else the newest listed."""
    ids = [record.id for record in records]
    picked = st.session_state.get(SELECTED_KEY)
    return picked if picked in ids else (ids[0] if ids else None)


def _picked_in_table(ids: list[int]) -> None:
    # A callback: a tap on a row picks its record for the editor below. The browser may report
    # the row the server highlighted as if it were new, along with a pick in the list: only
    # another row is a tap.
    rows = list(st.session_state[TABLE_KEY]["selection"]["rows"])
    if rows and rows != st.session_state.get(TABLE_ROW_KEY) and 0 <= rows[0] < len(ids):
        st.session_state[SELECTED_KEY] = ids[rows[0]]


def _picked_in_list() -> None:
    # A callback. A label the browser still shows for a record whose kind or name changed since
    # is no option any more and comes back as its text, not an id: that is no pick, and ignored.
    value = st.session_state.get(PICKER_KEY)
    if isinstance(value, int):
        st.session_state[SELECTED_KEY] = value


def records_table(records: list[CatalogueRecord], zone: Any, selected: int | None = None) -> None:
    """The records, newest first: the number and kind first; on a phone, only what fits its
    width. With `selected` (staff who may change records), a tap on a row picks its record."""
    rows = catalogue_export.table_rows(records, zone)
    for row in rows:
        # "Sneaker, 89 %": the model's answer and how sure it was, in one short column.
        row["model"] = f"{row['predicted']}, {row['confidence']}"
    phone = on_a_phone()
    every = record_columns(phone)
    columns = PHONE_COLUMNS if phone else tuple(every)
    picking: dict[str, Any] = {}
    ids = [record.id for record in records]
    if selected in ids:
        # The highlighted row follows the editor's record, whichever way it was picked.
        want = [ids.index(selected)]
        st.session_state[TABLE_ROW_KEY] = want
        shown = st.session_state.get(TABLE_KEY)
        if not shown or list(shown.get("selection", {}).get("rows", [])) != want:
            st.session_state[TABLE_KEY] = {"selection": {"rows": want}}
        picking = {
            "on_select": functools.partial(_picked_in_table, ids),
            "selection_mode": "single-row-required",
        }
    st.dataframe(
        rows,
        column_config={name: every[name] for name in columns},
        column_order=columns,
        hide_index=True,
        row_height=56,
        width="stretch",
        key=TABLE_KEY,
        **picking,
    )


# -- editing ------------------------------------------------------------------------------------


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

    def shown(field: str, value: Any) -> str:
        return kind_name(value) if field == "confirmed" else value

    rows = [
        {
            "field": _(FIELD_LABELS[field]),
            "theirs": shown(field, getattr(theirs, field)),
            "yours": shown(field, yours[field]),
        }
        for field in catalogue.EDITABLE_FIELDS
    ]
    st.dataframe(
        rows,
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
        format_func=lambda rid: _record_label(by_id[rid]),
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
        name = st.text_input(_("Name or SKU"), max_chars=catalogue.NAME_MAX_CHARS, key=keys["name"])
        note = st.text_area(_("Note"), max_chars=catalogue.NOTE_MAX_CHARS, key=keys["note"])
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
                ids = [listed.id for listed in records]
                if record.id in ids and len(ids) > 1:
                    at = ids.index(record.id)
                    st.session_state[SELECTED_KEY] = ids[at + 1 if at + 1 < len(ids) else at - 1]
                _flash(
                    _("Record #{record} moved to the bin.").format(record=record.id),
                    undo=record.id,
                )
        if no.button(_("Cancel"), key="cat_delete_cancel"):
            del st.session_state[PENDING_DELETE_KEY]
            st.rerun()


def _restore(store: CatalogueStore, record_id: int, place: str = AT_BIN) -> None:
    # A button callback, like _undo_delete. Callbacks run before the page (and the entry) does,
    # so the visitor's language is set here for the message and any error from the store.
    start_language()
    try:
        store.restore(record_id)
    except CatalogueError as exc:
        message = _("Record #{record} could not be restored. {problem}").format(
            record=record_id, problem=exc
        )
    else:
        message = _("Record #{record} is back.").format(record=record_id)
    st.session_state[FLASH_KEY] = Flash(message, place)


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
            values = {
                "record": record.id,
                "kind": kind_name(record.confirmed),
                "name": plain(record.name),
                "when": catalogue_export.local_time(record.deleted_at, zone),
            }
            if record.name:
                line = _("#{record} · **{kind}** · {name} · deleted {when}")
            else:
                line = _("#{record} · **{kind}** · deleted {when}")
            text.markdown(line.format(**values))
            button.button(
                _("Restore"),
                icon=":material/restore_from_trash:",
                on_click=_restore,
                args=(store, record.id),
                key=f"cat_restore_{record.id}",
            )


# -- downloading --------------------------------------------------------------------------------


def download_section(store: CatalogueStore, view: View, zone: Any) -> None:
    """CSV of every record, and a ZIP with the CSV and the thumbnails (made on request)."""
    st.subheader(_("Download"))
    if view.csv is None:
        st.caption(_("Downloads need the staff passcode: unlock above."))
        return
    today = dt.datetime.now(dt.UTC).astimezone(zone).date().isoformat()
    left, right = st.columns(2)
    left.download_button(
        _("Download CSV (for a spreadsheet)"),
        data=view.csv,
        file_name=f"catalogue-{today}.csv",
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        key="cat_download_csv",
    )
    with right:
        if st.button(
            _("Prepare ZIP (CSV and photos)"), icon=":material/folder_zip:", key="cat_zip"
        ):
            try:
                archive = catalogue_export.zip_bytes(store.records(), zone)
            except CatalogueError as exc:
                st.error(
                    _("The ZIP could not be made. {problem}").format(problem=exc),
                    icon=":material/error:",
                )
            else:
                st.download_button(
                    _("Download ZIP"),
                    data=archive,
                    file_name=f"catalogue-{today}.zip",
                    mime="application/zip",
                    icon=":material/download:",
                    on_click="ignore",
                    key="cat_download_zip",
                )


def hosting_notes(store: CatalogueStore | None) -> None:
    """Where records are kept and how to lock the catalogue, for whoever runs the app."""
    with st.expander(_("For whoever hosts this app"), icon=":material/dns:", expanded=False):
        if store is not None and store.is_sqlite_file:
            st.markdown(
                _(
                    "Records are kept in a file on this server's disk. On Streamlit Community "
                    "Cloud that disk is wiped when the app restarts, so keep the catalogue in a "
                    "hosted PostgreSQL database instead: add its address to the app's secrets as "
                    "{section}."
                ).format(section="`[connections.sql]`")
            )
        else:
            st.markdown(_("Records are kept in the database set in the app's secrets."))
        st.markdown(
            _(
                "To let only staff change records, set a passcode in the app's secrets: {setting}."
            ).format(setting='`[catalogue]` `passcode = "..."`')
        )


# -- the page -----------------------------------------------------------------------------------

st.title(_("Catalogue"))
problem = st.empty()  # where a database fault is said, once
store: CatalogueStore | None = None
try:
    store = get_store()
except CatalogueError as exc:
    problem.error(
        _("The catalogue cannot be opened. {problem}").format(problem=exc),
        icon=":material/error:",
    )
    hosting_notes(None)
    st.stop()

access_note()
zone = visitor_zone()
changing = may_change()

top = st.container()  # the trial's result, drawn once everything is read
head = st.empty()  # the filters: taken away again if the records cannot be read
try:
    total = store.count()
    label, search = None, ""
    if total:
        with head.container():
            st.subheader(_("Records"))
            label, search = filter_controls()
    view = load_view(store, total, label, search, downloads=changing, zone=zone)
except CatalogueError as exc:
    head.empty()
    problem.error(_fault(exc), icon=":material/error:")
    st.stop()

if view.read_only:
    top.info(
        _(
            "The catalogue's database may only be read just now: records can be viewed and "
            "downloaded, but not added, changed or deleted."
        ),
        icon=":material/visibility:",
    )
    changing = False

if view.total == 0:
    top.info(
        _(
            "The catalogue is empty. Classify a photo on the **{page}** page and press "
            "**{button}**: every item added shows up here, with how often the model was right."
        ).format(page=_("Classify a photo"), button=_("Add to catalogue")),
        icon=":material/inventory_2:",
    )
    with top:
        st.page_link(
            "fmnist_demo/pages/classify.py",
            label=_("Classify a photo"),
            icon=":material/photo_camera:",
        )
else:
    with top:
        trial_section(view.summary)
        try:
            teach_section(store, changing)
        except CatalogueError as exc:
            st.error(
                _("Teaching the model is not available just now. {problem} {advice}").format(
                    problem=exc, advice=_(FAULT_ADVICE)
                ),
                icon=":material/error:",
            )

try:
    if view.total and not view.records:
        st.info(
            _("No records match. Choose another kind or change the search."),
            icon=":material/search:",
        )
    elif view.records:
        if view.matching > len(view.records):
            showing = _(
                "Showing the newest {shown} of {matching} of {total} records, newest first."
            )
        else:
            showing = ngettext(
                "Showing {matching} of {total} record, newest first.",
                "Showing {matching} of {total} records, newest first.",
                view.total,
            )
        st.caption(
            showing.format(shown=len(view.records), matching=view.matching, total=view.total)
        )
        records_table(view.records, zone, selected_record(view.records) if changing else None)
    if staff_passcode() is not None and not may_change() and (view.total or view.binned):
        why = (
            _("Downloading needs the staff passcode.")
            if view.read_only
            else _("Changing, deleting and downloading need the staff passcode.")
        )
        with st.container(border=True):
            unlock_controls("cat", why)
    if changing:
        orphan_section(store)
        if view.records:
            edit_section(store, view.records)
        bin_section(store, view.binned, zone)
    flash_message(store)  # one whose place is not drawn now (the last record deleted): here
    if view.total:
        download_section(store, view, zone)
except CatalogueError as exc:  # a fault no section caught itself: one message, nothing lost
    problem.error(_fault(exc), icon=":material/error:")
hosting_notes(store)
