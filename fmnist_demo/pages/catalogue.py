"""Catalogue page: the saved items, the trial's result, edit, delete and restore, downloads.

Everything the page reads is read first, in one place (`catalogue_view.load_view`), so a
database fault at any step is one plain message rather than half a page. The record editor and
the bin are pages/_record_editor.py, the staff lock pages/_staff_lock.py. Every word shown comes
from the message catalogue (`_()`), kinds through `kind_name()`; what staff typed (names, notes)
is shown as typed.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import streamlit as st

from fmnist_demo import catalogue_export
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_records import CatalogueRecord, TrialSummary
from fmnist_demo.catalogue_view import (
    FAULT_ADVICE,
    View,
    fault_message,
    load_view,
    showing_sentence,
    shown_record,
)
from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.html_views import trial_bars_html
from fmnist_demo.i18n import _
from fmnist_demo.pages._catalogue_store import get_store
from fmnist_demo.pages._record_editor import (
    SELECTED_KEY,
    bin_section,
    edit_section,
    flash_message,
    orphan_section,
)
from fmnist_demo.pages._screen import on_a_phone
from fmnist_demo.pages._staff_lock import access_note, may_change, staff_passcode, unlock_controls
from fmnist_demo.pages._teach_section import teach_section
from fmnist_demo.pages._visitor_time import visitor_zone

TABLE_KEY = "cat_records"
TABLE_ROW_KEY = "catalogue_table_row"  # the row the records table was last drawn highlighting


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
    return shown_record([record.id for record in records], st.session_state.get(SELECTED_KEY))


def _picked_in_table(ids: list[int]) -> None:
    # A callback: a tap on a row picks its record for the editor below. The browser may report
    # the row the server highlighted as if it were new, along with a pick in the list: only
    # another row is a tap.
    rows = list(st.session_state[TABLE_KEY]["selection"]["rows"])
    if rows and rows != st.session_state.get(TABLE_ROW_KEY) and 0 <= rows[0] < len(ids):
        st.session_state[SELECTED_KEY] = ids[rows[0]]


def records_table(records: list[CatalogueRecord], zone: Any, selected: int | None = None) -> None:
    """The records, newest first: the number and kind first; on a phone, only what fits its
    width. With `selected` (staff who may change records), a tap on a row picks its record."""
    rows = catalogue_export.table_rows(records, zone)
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
    problem.error(fault_message(exc), icon=":material/error:")
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
        st.caption(showing_sentence(len(view.records), view.matching, view.total))
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
    problem.error(fault_message(exc), icon=":material/error:")
hosting_notes(store)
