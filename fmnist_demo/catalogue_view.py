"""What the Catalogue page shows, as plain values: everything read in one go, and its words.

`load_view` reads all the page needs at once, so a database fault at any step is one plain
message rather than half a page. The rest turn records into what people read: the editor's
record names, the side-by-side comparison when two staff changed one record, the bin's lines,
"Showing 20 of 31 records", and which record the editor shows. No Streamlit here: the page and
its helpers (pages/catalogue.py, pages/_record_editor.py) draw these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fmnist_demo import catalogue_export
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_records import EDITABLE_FIELDS, CatalogueRecord, TrialSummary
from fmnist_demo.data import kind_name
from fmnist_demo.i18n import N_, _, ngettext
from fmnist_demo.markdown_text import plain

SHOWN_RECORDS = 500  # newest records listed; the filters reach the rest
BIN_SHOWN = 50  # most recently deleted records listed in the bin
FAULT_ADVICE = N_("Nothing you saved is lost. Reload the page in a moment to try again.")
# The editable fields as the side-by-side comparison names them, translated on use.
FIELD_LABELS = {"confirmed": N_("Kind"), "name": N_("Name"), "note": N_("Note")}


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


def fault_message(problem: CatalogueError | str) -> str:
    """The one message for a fault that stops the page: what went wrong; nothing is lost."""
    return _("The catalogue cannot be shown just now. {problem} {advice}").format(
        problem=problem, advice=_(FAULT_ADVICE)
    )


def showing_sentence(shown: int, matching: int, total: int) -> str:
    """Above the table: how many records are listed, of how many that match, of how many."""
    if matching > shown:
        showing = _("Showing the newest {shown} of {matching} of {total} records, newest first.")
    else:
        showing = ngettext(
            "Showing {matching} of {total} record, newest first.",
            "Showing {matching} of {total} records, newest first.",
            total,
        )
    return showing.format(shown=shown, matching=matching, total=total)


def record_label(record: CatalogueRecord) -> str:
    """How the editor's picker names a record: "#5 · Sneaker · SKU-1042"."""
    # Select box options are plain text: no Markdown to escape here.
    name = f" · {record.name}" if record.name else ""
    return f"#{record.id} · {kind_name(record.confirmed)}{name}"


def shown_record(ids: Sequence[int], picked: int | None) -> int | None:
    """The listed record the editor shows: the one last picked, else the newest listed."""
    return picked if picked in ids else (ids[0] if ids else None)


def record_after_delete(ids: Sequence[int], deleted: int) -> int | None:
    """The record the editor moves on to after one is deleted: the next in the list, else the
    one before; None when the deleted one was not listed or was the only one."""
    if deleted not in ids or len(ids) < 2:
        return None
    at = ids.index(deleted)
    return ids[at + 1 if at + 1 < len(ids) else at - 1]


def comparison_rows(theirs: CatalogueRecord, yours: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Both versions of a record's editable fields, side by side, as plain text."""

    def shown(field: str, value: Any) -> str:
        return kind_name(value) if field == "confirmed" else value

    return [
        {
            "field": _(FIELD_LABELS[field]),
            "theirs": shown(field, getattr(theirs, field)),
            "yours": shown(field, yours[field]),
        }
        for field in EDITABLE_FIELDS
    ]


def bin_line(record: CatalogueRecord, zone: Any) -> str:
    """One deleted record, as Markdown: "#5 · **Sneaker** · SKU-1042 · deleted 2026-12-05 14:05"."""
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
    return line.format(**values)
