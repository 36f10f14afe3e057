"""The catalogue as people read it: a CSV that opens well in a spreadsheet, a ZIP with the photos,
rows for the page's table. Kinds by name, confidence in whole percent, times in the reader's zone.

The CSV is the same whatever the visitor's language: English column names and the chapter's
English kind names (spreadsheets and scripts read them), plus the kind's Bengali name in a column
of its own. The table rows are for people: kinds in the visitor's language.

No Streamlit and no database here: these take records from `catalogue.CatalogueStore`.
"""

from __future__ import annotations

import contextvars
import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from fmnist_demo import i18n
from fmnist_demo.catalogue_pictures import thumbnail_data_url
from fmnist_demo.catalogue_records import CatalogueRecord
from fmnist_demo.data import kind_name
from fmnist_demo.formatting import confidence

# Column headings of the CSV, in order (the first row of the file).
CSV_COLUMNS = (
    "Record",
    "Saved",
    "Kind",
    "Model said",
    "Model's confidence",
    "Model right",
    "Name or SKU",
    "Note",
    "Photo file",
    "Kind (Bengali)",  # last, so scripts that read the columns by position still find theirs
)
TIME_FORMAT = "%Y-%m-%d %H:%M"  # what spreadsheets read as a date and time
# Excel opens a UTF-8 CSV as UTF-8 (names like "Ünïcode") only when it starts with this mark.
BYTE_ORDER_MARK = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula; such text gets a leading
# apostrophe in the CSV (the spreadsheets' own "this is text" mark), and read_csv takes it off.
# Text that itself starts with apostrophes before such a character gets one more, so that what
# was typed ("'=1+1") comes back as typed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_MARK = "'"
# The kinds' Bengali names for the CSV's Bengali column, as in locale/bn (tests check they agree):
# the CSV stays the same even on a server whose compiled Bengali catalogue is missing.
BENGALI_KINDS = (
    "টি-শার্ট/টপ",
    "ট্রাউজার",
    "পুলওভার",
    "ড্রেস",
    "কোট",
    "স্যান্ডেল",
    "শার্ট",
    "স্নিকার",
    "ব্যাগ",
    "অ্যাঙ্কেল বুট",
)


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """An aware moment as '2025-06-01 14:05' in `zone` (the server's local zone when None)."""
    return moment.astimezone(zone).strftime(TIME_FORMAT)


def _needs_mark(value: str) -> bool:
    """True for text a spreadsheet would run, or that would read back as such once marked."""
    return value.lstrip(_TEXT_MARK).startswith(_FORMULA_START)


def _text(value: str) -> str:
    return _TEXT_MARK + value if _needs_mark(value) else value


def _from_text(value: str) -> str:
    marked = value.startswith(_TEXT_MARK) and _needs_mark(value[1:])
    return value[1:] if marked else value


def bengali_kind(label: int) -> str:
    """The kind's name in Bengali, whatever the visitor's language."""
    return BENGALI_KINDS[int(label)]


def csv_text(records: Iterable[CatalogueRecord], zone: tzinfo | None = None) -> str:
    """Records as CSV text (CSV_COLUMNS), newest first as given, times in `zone`."""
    # The words inside (e.g. "over 99 %") are English for every visitor: a copy of this thread's
    # context is switched to English, so the visitor's own language is left as it was.
    return contextvars.copy_context().run(_csv_text_in_english, records, zone)


def _csv_text_in_english(records: Iterable[CatalogueRecord], zone: tzinfo | None) -> str:
    i18n.set_language("en")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r.id,
                local_time(r.created_at, zone),
                r.confirmed_name,
                r.predicted_name,
                confidence(r.confidence),
                "yes" if r.accepted else "no",
                _text(r.name),
                _text(r.note),
                _text(r.file_name),
                bengali_kind(r.confirmed),
            ]
        )
    return out.getvalue()


def csv_bytes(records: Iterable[CatalogueRecord], zone: tzinfo | None = None) -> bytes:
    """The CSV as UTF-8 bytes with the mark that makes spreadsheets read it as UTF-8."""
    return (BYTE_ORDER_MARK + csv_text(records, zone)).encode("utf-8")


def read_csv(text: str | bytes) -> list[dict[str, str]]:
    """Rows of an exported CSV (heading -> text), with the spreadsheet text marks taken off."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    text = text.removeprefix(BYTE_ORDER_MARK)
    return [
        {key: _from_text(value) for key, value in row.items()}
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]


def zip_bytes(records: Iterable[CatalogueRecord], zone: tzinfo | None = None) -> bytes:
    """A ZIP with catalogue.csv and thumbnails/<record>.jpg."""
    records = list(records)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("catalogue.csv", csv_bytes(records, zone))
        for record in records:
            if record.thumbnail:
                # JPEG is compressed already.
                archive.writestr(
                    f"thumbnails/{record.id}.jpg", record.thumbnail, zipfile.ZIP_STORED
                )
    return out.getvalue()


def table_rows(
    records: Iterable[CatalogueRecord], zone: tzinfo | None = None
) -> list[dict[str, Any]]:
    """Records as plain rows for the page's table: the kind first (in the visitor's language),
    thumbnail as a data: URL."""
    return [
        {
            "kind": kind_name(r.confirmed),
            "photo": thumbnail_data_url(r.thumbnail),
            "name": r.name,
            "predicted": kind_name(r.predicted),
            "confidence": confidence(r.confidence),
            # "Sneaker, 89 %": the model's answer and how sure it was, in one short column.
            "model": f"{kind_name(r.predicted)}, {confidence(r.confidence)}",
            "right": r.accepted,
            "saved": local_time(r.created_at, zone),
            "note": r.note,
            "file": r.file_name,
            "id": r.id,
        }
        for r in records
    ]
