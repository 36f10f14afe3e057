"""Catalogue page: the saved items, the trial's result, edit and delete, downloads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from fmnist_demo import catalogue
from fmnist_demo.catalogue import CatalogueError, CatalogueRecord, CatalogueStore
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.pages._catalogue_ui import get_store, per_class_rows, trial_chart

SHOWN_RECORDS = 500  # newest records listed; the filters reach the rest
FLASH_KEY = "catalogue_flash"  # a message to show after a change and a rerun
PENDING_DELETE_KEY = "catalogue_pending_delete"  # the record id waiting for "Yes, delete"


def _record_label(record: CatalogueRecord) -> str:
    name = f" · {record.name}" if record.name else ""
    return f"#{record.id} · {record.confirmed_name}{name}"


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.rerun()


def trial_section(store: CatalogueStore) -> None:
    """The trial's result in words, numbers and a chart per class."""
    summary = store.trial_summary()
    st.subheader("The trial: how often was the model right?")
    st.markdown(f"**{summary.sentence()}**")
    items, right, corrected = st.columns(3)
    items.metric("Items", summary.items)
    right.metric("Model right", summary.accepted)
    corrected.metric("Corrected by staff", summary.corrected)
    st.altair_chart(trial_chart(summary), width="stretch")
    st.caption(
        "Per class, by the class staff confirmed: how many items, and how often the model said it."
    )
    st.dataframe(
        per_class_rows(summary),
        column_config={
            "class": st.column_config.TextColumn("Class"),
            "items": st.column_config.NumberColumn("Items"),
            "right": st.column_config.NumberColumn("Model right"),
            "corrected": st.column_config.NumberColumn("Corrected"),
            "accuracy": st.column_config.ProgressColumn(
                "Right", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
        hide_index=True,
        key="cat_per_class",
    )


def filter_controls() -> tuple[int | None, str]:
    """The class filter and the name search."""
    left, right = st.columns(2)
    label = left.selectbox(
        "Class",
        options=[None, *range(len(CLASS_NAMES))],
        format_func=lambda value: "All classes" if value is None else CLASS_NAMES[value],
        key="cat_filter_class",
    )
    search = right.text_input(
        "Search by name or SKU", placeholder="e.g. SKU-1042", key="cat_search"
    )
    return label, search


def records_table(records: list[CatalogueRecord]) -> None:
    """The records, newest first, with their thumbnails."""
    st.dataframe(
        catalogue.table_rows(records),
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "photo": st.column_config.ImageColumn("Photo", width="small"),
            "time": st.column_config.DatetimeColumn("Saved (UTC)", format="YYYY-MM-DD HH:mm"),
            "predicted": st.column_config.TextColumn("Model said"),
            "confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="percent"
            ),
            "confirmed": st.column_config.TextColumn("Class"),
            "right": st.column_config.CheckboxColumn("Model right"),
            "name": st.column_config.TextColumn("Name or SKU"),
            "note": st.column_config.TextColumn("Note"),
        },
        hide_index=True,
        row_height=64,
        key="cat_records",
    )


def edit_section(store: CatalogueStore, records: list[CatalogueRecord]) -> None:
    """Pick one of the listed records; change its class, name or note, or delete it."""
    st.subheader("Edit or delete a record")
    by_id = {record.id: record for record in records}
    record_id = st.selectbox(
        "Record",
        options=list(by_id),
        format_func=lambda rid: _record_label(by_id[rid]),
        key="cat_edit_id",
    )
    record = by_id[record_id]
    picture, form = st.columns([1, 3])
    if record.thumbnail:
        picture.image(record.thumbnail, caption="Photo", width=160)
    if record.model_input is not None:
        picture.image(record.image(), caption="What the model saw", width=84, clamp=True)
    picture.caption(f"Model said **{record.predicted_name}** ({record.confidence:.0%} sure).")
    with form.form(key=f"cat_edit_form_{record.id}", border=False):
        confirmed = st.selectbox(
            "Class",
            options=range(len(CLASS_NAMES)),
            index=record.confirmed,
            format_func=CLASS_NAMES.__getitem__,
            key=f"cat_edit_class_{record.id}",
        )
        name = st.text_input(
            "Name or SKU",
            value=record.name,
            max_chars=catalogue.NAME_MAX_CHARS,
            key=f"cat_edit_name_{record.id}",
        )
        note = st.text_area(
            "Note",
            value=record.note,
            max_chars=catalogue.NOTE_MAX_CHARS,
            key=f"cat_edit_note_{record.id}",
        )
        save = st.form_submit_button(
            "Save changes", icon=":material/save:", key=f"cat_edit_save_{record.id}"
        )
    if save:
        try:
            store.update(record.id, confirmed=confirmed, name=name, note=note)
        except CatalogueError as exc:
            form.error(f"{exc} Your changes are still in the form.", icon=":material/error:")
        else:
            _flash(f"Record #{record.id} saved.")

    if form.button("Delete this record…", icon=":material/delete:", key="cat_delete"):
        st.session_state[PENDING_DELETE_KEY] = record.id
    if st.session_state.get(PENDING_DELETE_KEY) == record.id:
        form.warning(
            f"Delete record {_record_label(record)} for good? This cannot be undone.",
            icon=":material/warning:",
        )
        yes, no = form.columns(2)
        if yes.button("Yes, delete it", type="primary", key="cat_delete_confirm"):
            del st.session_state[PENDING_DELETE_KEY]
            try:
                store.delete(record.id)
            except CatalogueError as exc:
                form.error(str(exc), icon=":material/error:")
            else:
                _flash(f"Record #{record.id} deleted.")
        if no.button("Cancel", key="cat_delete_cancel"):
            del st.session_state[PENDING_DELETE_KEY]
            st.rerun()


def download_section(store: CatalogueStore) -> None:
    """CSV of every record, and a ZIP with the CSV and the thumbnails."""
    st.subheader("Download")
    today = dt.date.today().isoformat()
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        data=store.export_csv(),
        file_name=f"catalogue-{today}.csv",
        mime="text/csv",
        icon=":material/table:",
        key="cat_download_csv",
    )
    right.download_button(
        "Download ZIP (CSV and photos)",
        data=store.export_zip,  # made only when clicked: it holds every thumbnail
        file_name=f"catalogue-{today}.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        key="cat_download_zip",
    )


st.title("Catalogue")
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY), icon=":material/check:")

try:
    store = get_store()
    total = store.count()
except CatalogueError as exc:
    st.error(f"The catalogue cannot be opened. {exc}", icon=":material/error:")
    st.stop()

if total == 0:
    st.info(
        "The catalogue is empty. Classify a photo on the **Classify a photo** page and press "
        "**Add to catalogue**: every item added shows up here, with how often the model was right.",
        icon=":material/inventory_2:",
    )
    st.page_link(
        "fmnist_demo/pages/classify.py", label="Classify a photo", icon=":material/photo_camera:"
    )
    st.stop()

trial_section(store)

st.subheader("Records")
label, search = filter_controls()
records = store.records(label=label, search=search, limit=SHOWN_RECORDS)
matching = store.count(label=label, search=search)
if not records:
    st.info(
        "No records match. Choose another class or change the search.", icon=":material/search:"
    )
else:
    shown = f"the newest {len(records)} of " if matching > len(records) else ""
    st.caption(f"Showing {shown}{matching} of {total} records, newest first.")
    records_table(records)
    edit_section(store, records)

download_section(store)
if store.is_sqlite_file:
    st.caption(
        f"Records are kept in a SQLite file on this server (`{store.url}`). On Streamlit "
        "Community Cloud that disk is wiped when the app restarts: see the README to keep the "
        "catalogue in PostgreSQL instead."
    )
