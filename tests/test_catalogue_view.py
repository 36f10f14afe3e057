"""Unit tests of what the Catalogue page shows, without a page: the view read in one go, the
editor's record names and choices, the comparison of two versions, the bin's lines."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_records import CatalogueRecord
from fmnist_demo.catalogue_view import (
    bin_line,
    comparison_rows,
    load_view,
    record_after_delete,
    record_label,
    showing_sentence,
    shown_record,
)


def _record(**fields) -> CatalogueRecord:
    moment = datetime(2026, 12, 5, 1, 2, tzinfo=UTC)
    values = {
        "id": 5,
        "created_at": moment,
        "updated_at": moment,
        "predicted": 7,
        "confidence": 0.9,
        "confirmed": 5,
        "name": "",
        "note": "",
    }
    return CatalogueRecord(**{**values, **fields})


def test_the_view_reads_everything_once(db: CatalogueStore) -> None:
    first = db.add(predicted=7, confidence=0.9, name="S-1")
    db.add(predicted=8, confidence=0.7, confirmed=9)
    db.delete(first)
    view = load_view(db, db.count(), None, "", downloads=False, zone=None)
    assert (view.total, view.matching, [r.id for r in view.binned]) == (1, 1, [first])
    assert view.summary.items == 1 and view.csv is None and not view.read_only
    with_csv = load_view(db, db.count(), 9, "", downloads=True, zone=None)
    assert with_csv.csv.startswith(b"\xef\xbb\xbf") and len(with_csv.records) == 1
    empty = load_view(db, 0, None, "", downloads=True, zone=None)
    assert (empty.records, empty.matching, empty.csv) == ([], 0, None)


def test_record_names_and_choices() -> None:
    assert record_label(_record(name="SKU *1*")) == "#5 · Sandal · SKU *1*"  # plain text
    assert record_label(_record()) == "#5 · Sandal"
    assert shown_record([3, 2, 1], 2) == 2
    assert shown_record([3, 2, 1], 9) == 3  # gone from the list: the newest
    assert shown_record([], None) is None
    assert record_after_delete([3, 2, 1], 2) == 1
    assert record_after_delete([3, 2, 1], 1) == 2  # the last: the one before
    assert record_after_delete([3], 3) is None and record_after_delete([3, 2], 9) is None


def test_sentences_and_rows() -> None:
    assert showing_sentence(2, 2, 5) == "Showing 2 of 5 records, newest first."
    assert showing_sentence(500, 620, 700) == (
        "Showing the newest 500 of 620 of 700 records, newest first."
    )
    rows = comparison_rows(_record(name="A"), {"confirmed": 7, "name": "B", "note": ""})
    assert rows[0] == {"field": "Kind", "theirs": "Sandal", "yours": "Sneaker"}
    assert rows[1] == {"field": "Name", "theirs": "A", "yours": "B"}
    deleted = _record(name="*x*", deleted_at=datetime(2026, 12, 5, 1, 2, tzinfo=UTC))
    assert bin_line(deleted, ZoneInfo("Asia/Dhaka")) == (
        "#5 · **Sandal** · \\*x\\* · deleted 2026-12-05 07:02"
    )
