"""The catalogue as people read it: the CSV in a spreadsheet, the ZIP, the page's table rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from fmnist_demo import i18n
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_export import (
    BYTE_ORDER_MARK,
    CSV_COLUMNS,
    csv_bytes,
    csv_text,
    local_time,
    read_csv,
    table_rows,
    zip_bytes,
)


@pytest.fixture
def store(catalogue_url: str) -> Iterator[CatalogueStore]:
    with CatalogueStore(catalogue_url) as s:
        yield s


def _photo_bytes(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_csv_reads_well_in_a_spreadsheet(store: CatalogueStore) -> None:
    store.add(
        predicted=7,
        confidence=0.8712,
        confirmed=5,
        name='Sandal "Basic", 1',
        note="left only\nscuffed",
        file_name="IMG_0042.JPG",
    )
    store.add(predicted=9, confidence=1.0, name="ünïcode ✓")  # float32 softmax can saturate
    _newest, oldest = store.records()
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: a zone whose clock differs from UTC's
    rows = read_csv(csv_text(store.records(), kolkata))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1] == {
        "Record": str(oldest.id),
        "Saved": oldest.created_at.astimezone(kolkata).strftime("%Y-%m-%d %H:%M"),
        "Kind": "Sandal",  # names, not codes
        "Model said": "Sneaker",
        "Model's confidence": "87\u00a0%",  # whole percent
        "Model right": "no",
        "Name or SKU": 'Sandal "Basic", 1',
        "Note": "left only\nscuffed",
        "Photo file": "IMG_0042.JPG",
        "Kind (Bengali)": "স্যান্ডেল",  # the kind's Bengali name, in a column of its own
    }
    assert rows[0]["Model's confidence"] == "over 99\u00a0%"  # never rounded up to certainty
    assert (rows[0]["Kind"], rows[0]["Model right"], rows[0]["Photo file"]) == (
        "Ankle boot",
        "yes",
        "",
    )
    assert rows[0]["Kind (Bengali)"] == "অ্যাঙ্কেল বুট"
    assert "UTC" not in csv_text(store.records(), kolkata)


def test_csv_starts_with_the_mark_spreadsheets_need_for_utf8(store: CatalogueStore) -> None:
    store.add(predicted=0, confidence=0.5, name="Ünïcode")
    data = csv_bytes(store.records())
    assert data.startswith(BYTE_ORDER_MARK.encode("utf-8"))
    assert read_csv(data)[0]["Name or SKU"] == "Ünïcode"


def test_csv_is_safe_to_open_in_a_spreadsheet(store: CatalogueStore) -> None:
    store.add(predicted=0, confidence=0.5, name="=HYPERLINK(1)", note="-2+3", file_name="@x.png")
    store.add(predicted=1, confidence=0.5, name="plain", note="'quoted'")
    text = csv_text(store.records())
    assert "'=HYPERLINK(1)" in text and "'-2+3" in text and "'@x.png" in text
    rows = {r["Name or SKU"]: r for r in read_csv(text)}
    assert rows["=HYPERLINK(1)"]["Note"] == "-2+3"
    assert rows["plain"]["Note"] == "'quoted'"


def test_text_typed_with_apostrophes_comes_back_as_typed(store: CatalogueStore) -> None:
    typed = ["'=1+1", "''=1+1", "'90s jacket", "'", "'-'", "=1+1"]
    for name in typed:
        store.add(predicted=0, confidence=0.5, name=name, note=name)
    text = csv_text(store.records())
    for row in list(csv.reader(io.StringIO(text)))[1:]:  # no cell starts a formula
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    assert sorted(r["Name or SKU"] for r in read_csv(text)) == sorted(typed)
    assert sorted(r["Note"] for r in read_csv(text)) == sorted(typed)


def test_the_bengali_column_stays_bengali_without_the_compiled_catalogue(
    store: CatalogueStore, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gettext

    store.add(predicted=5, confidence=0.9)
    monkeypatch.setattr(i18n, "COMPILED_DIR", tmp_path)  # a server without the .mo files
    monkeypatch.setattr(gettext, "_translations", {})
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("bn").gettext("Sandal") == "Sandal"
        (row,) = read_csv(csv_text(store.records()))
    finally:
        i18n.translations.cache_clear()  # the next test reads the real catalogues again
    assert row["Kind (Bengali)"] == "স্যান্ডেল"


def test_the_bengali_column_names_agree_with_the_bengali_catalogue() -> None:
    from fmnist_demo.catalogue_export import BENGALI_KINDS
    from fmnist_demo.data import CLASS_NAMES

    bengali = i18n.translations("bn")  # the one the translators edit
    assert list(BENGALI_KINDS) == [bengali.gettext(name) for name in CLASS_NAMES]


def test_local_time_is_in_the_given_zone() -> None:
    moment = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)
    assert local_time(moment, ZoneInfo("Europe/Berlin")) == "2025-06-02 01:30"
    assert local_time(moment, ZoneInfo("America/New_York")) == "2025-06-01 19:30"


def test_zip_holds_the_csv_and_the_thumbnails(store: CatalogueStore) -> None:
    with_photo = store.add(predicted=3, confidence=0.5, photo=_photo_bytes((300, 900)))
    without = store.add(predicted=4, confidence=0.5)
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes(store.records())))
    assert sorted(archive.namelist()) == ["catalogue.csv", f"thumbnails/{with_photo}.jpg"]
    rows = read_csv(archive.read("catalogue.csv"))
    assert [r["Record"] for r in rows] == [str(without), str(with_photo)]
    thumb = Image.open(io.BytesIO(archive.read(f"thumbnails/{with_photo}.jpg")))
    assert thumb.size == (85, 256)


def test_csv_is_the_same_for_a_visitor_reading_bengali(store: CatalogueStore, bengali) -> None:
    store.add(predicted=9, confidence=0.995, confirmed=5, name="১০৪২")
    text = csv_text(store.records())
    i18n.set_language("en")
    assert text == csv_text(store.records())  # English columns, English kinds, "over 99 %"
    i18n.set_language("bn")
    (row,) = read_csv(text)
    assert (row["Kind"], row["Model said"], row["Model right"]) == ("Sandal", "Ankle boot", "no")
    assert row["Kind (Bengali)"] == "স্যান্ডেল"
    assert i18n.language() == "bn"  # the visitor's language is left as it was


def test_table_rows_name_kinds_in_the_visitors_language(store: CatalogueStore, bengali) -> None:
    store.add(predicted=2, confidence=0.5, confirmed=4)
    (row,) = table_rows(store.records())
    assert (row["kind"], row["predicted"]) == ("কোট", "পুলওভার")


def test_table_rows_put_the_kind_first(store: CatalogueStore) -> None:
    store.add(predicted=2, confidence=0.5, confirmed=4, name="C-1", photo=_photo_bytes((64, 64)))
    (row,) = table_rows(store.records(), ZoneInfo("Asia/Tokyo"))
    assert next(iter(row)) == "kind"
    assert (row["kind"], row["predicted"], row["right"], row["confidence"]) == (
        "Coat",
        "Pullover",
        False,
        "50\u00a0%",
    )
    assert row["photo"].startswith("data:image/jpeg;base64,")
