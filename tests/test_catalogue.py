"""Unit tests for the catalogue store: CRUD, validation, concurrency, reopening, export."""

from __future__ import annotations

import io
import multiprocessing
import os
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from fmnist_demo import catalogue
from fmnist_demo.catalogue import (
    CatalogueError,
    CatalogueStore,
    CatalogueUnavailable,
    InvalidEntry,
    RecordNotFound,
    make_thumbnail,
    read_csv,
)
from fmnist_demo.data import CLASS_NAMES

WRITERS = 8
SAVES_PER_WRITER = 50


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)  # (28, 28) in [0, 1]


def _photo_bytes(size: tuple[int, int] = (640, 480), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


# Set to a throw-away PostgreSQL database (its catalogue tables are dropped) to run the store's
# tests there too, e.g. postgresql+psycopg2://user:pw@127.0.0.1:5432/cattest
POSTGRES_URL = os.environ.get("FMNIST_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> CatalogueStore:
    if request.param == "sqlite":
        url = _url(tmp_path / "catalogue.sqlite3")
    else:
        url = POSTGRES_URL
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS catalogue_items, catalogue_schema")
        engine.dispose()
    with CatalogueStore(url) as s:
        yield s


def test_fresh_database_is_empty_and_versioned(store: CatalogueStore) -> None:
    assert store.count() == 0
    assert store.records() == []
    assert store.counts_per_class() == dict.fromkeys(range(10), 0)
    summary = store.trial_summary()
    assert (summary.items, summary.accepted, summary.accuracy) == (0, 0, None)
    assert summary.sentence() == "No items have been catalogued yet."
    assert store.schema_version() == catalogue.SCHEMA_VERSION
    assert read_csv(store.export_csv()) == []


def test_add_and_get_keeps_every_field(store: CatalogueStore) -> None:
    image = _image()
    before = datetime.now(UTC)
    record_id = store.add(
        predicted=7,
        confidence=0.8125,
        confirmed=5,
        name="  SKU-1  ",
        note="left shoe\nscuffed",
        model_input=image,
        photo=_photo_bytes(),
    )
    record = store.get(record_id)
    assert (record.predicted, record.confirmed, record.confidence) == (7, 5, 0.8125)
    assert (record.predicted_name, record.confirmed_name) == ("Sneaker", "Sandal")
    assert not record.accepted
    assert record.name == "SKU-1"
    assert record.note == "left shoe\nscuffed"
    assert before <= record.created_at <= datetime.now(UTC)
    assert record.created_at.tzinfo is not None
    np.testing.assert_allclose(record.image(), image, atol=1 / 255)
    thumb = Image.open(io.BytesIO(record.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 256


def test_confirmed_defaults_to_predicted_and_names_are_accepted(store: CatalogueStore) -> None:
    first = store.add(predicted=3, confidence=0.9)
    second = store.add(predicted="Bag", confidence=0.4, confirmed="Ankle boot")
    assert store.get(first).confirmed == 3
    assert (store.get(second).predicted, store.get(second).confirmed) == (8, 9)
    assert store.get(first).thumbnail is None


def test_thumbnail_from_model_input_when_no_photo(store: CatalogueStore) -> None:
    record = store.get(store.add(predicted=1, confidence=0.5, model_input=_image()))
    assert Image.open(io.BytesIO(record.thumbnail)).size == (112, 112)


def test_update_changes_only_given_fields(store: CatalogueStore) -> None:
    record_id = store.add(predicted=0, confidence=0.6, name="tee", note="blue")
    updated = store.update(record_id, confirmed=6)
    assert (updated.confirmed, updated.name, updated.note) == (6, "tee", "blue")
    updated = store.update(record_id, name="tee 2", note="")
    assert (updated.confirmed, updated.name, updated.note) == (6, "tee 2", "")
    assert updated.updated_at >= updated.created_at
    assert store.get(record_id) == updated


def test_delete_removes_the_record(store: CatalogueStore) -> None:
    keep = store.add(predicted=1, confidence=0.5)
    gone = store.add(predicted=2, confidence=0.5)
    store.delete(gone)
    assert [r.id for r in store.records()] == [keep]
    with pytest.raises(RecordNotFound, match="no catalogue record"):
        store.get(gone)
    with pytest.raises(RecordNotFound):
        store.delete(gone)
    with pytest.raises(RecordNotFound):
        store.update(gone, name="x")


def test_records_newest_first_with_filters_and_paging(store: CatalogueStore) -> None:
    ids = [store.add(predicted=i % 3, confidence=0.5, name=f"item {i}") for i in range(6)]
    assert [r.id for r in store.records()] == ids[::-1]
    assert [r.id for r in store.records(label=0)] == [ids[3], ids[0]]
    assert [r.id for r in store.records(limit=2, offset=1)] == ids[4:2:-1]
    assert [r.id for r in store.records(search="ITEM 4")] == [ids[4]]
    assert store.count(label=1) == 2
    assert store.count(search="item") == 6
    assert store.records(with_images=False)[0].thumbnail is None


def test_search_treats_like_wildcards_literally(store: CatalogueStore) -> None:
    plain = store.add(predicted=0, confidence=0.5, name="abc")
    percent = store.add(predicted=0, confidence=0.5, name="50% off")
    underscore = store.add(predicted=0, confidence=0.5, name="a_c")
    backslash = store.add(predicted=0, confidence=0.5, name=r"x\y")
    assert [r.id for r in store.records(search="%")] == [percent]
    assert [r.id for r in store.records(search="a_c")] == [underscore]
    assert [r.id for r in store.records(search="\\")] == [backslash]
    assert {r.id for r in store.records(search="A")} == {plain, underscore}
    quote = store.add(predicted=0, confidence=0.5, name="it's'; DROP TABLE catalogue_items;--")
    assert [r.id for r in store.records(search="'; DROP")] == [quote]
    assert store.count() == 5


def test_counts_and_trial_summary(store: CatalogueStore) -> None:
    # Sneakers: 3 right, 1 corrected to Sandal; Bag: 1 right.
    for predicted, confirmed in [(7, 7), (7, 7), (7, 7), (7, 5), (8, 8)]:
        store.add(predicted=predicted, confidence=0.7, confirmed=confirmed)
    counts = store.counts_per_class()
    assert (counts[7], counts[5], counts[8], counts[0]) == (3, 1, 1, 0)
    summary = store.trial_summary()
    assert (summary.items, summary.accepted, summary.corrected) == (5, 4, 1)
    assert summary.accuracy == pytest.approx(0.8)
    assert summary.sentence() == "The model was right for 4 of 5 items (80 %)."
    sandal = summary.per_class[5]
    assert (sandal.name, sandal.items, sandal.accepted, sandal.corrected) == ("Sandal", 1, 0, 1)
    assert sandal.accuracy == 0.0
    assert summary.per_class[0].accuracy is None
    assert [c.label for c in summary.per_class] == list(range(10))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x" * 81}, "The name is too long: at most 80 characters"),
        ({"name": "two\nlines"}, "single line"),
        ({"note": "n" * 501}, "The note is too long: at most 500 characters"),
        ({"predicted": 10}, "from 0 to 9"),
        ({"predicted": True}, "one of the 10"),
        ({"confirmed": -1}, "from 0 to 9"),
        ({"confirmed": "Hat"}, "one of the 10"),
        ({"confidence": 1.5}, "between 0 and 1"),
        ({"confidence": float("nan")}, "between 0 and 1"),
        ({"confidence": "high"}, "must be a number"),
        ({"model_input": np.zeros((28, 29))}, "28 x 28"),
        ({"model_input": np.full((28, 28), np.nan)}, "not numbers"),
        ({"photo": b"not an image"}, "could not be read"),
    ],
)
def test_invalid_entries_are_refused_in_plain_words(
    store: CatalogueStore, fields: dict, message: str
) -> None:
    entry = {"predicted": 1, "confidence": 0.5} | fields
    with pytest.raises(InvalidEntry, match=message) as caught:
        store.add(**entry)
    assert isinstance(caught.value, ValueError)
    assert store.count() == 0


def test_blank_name_and_note_are_stored_empty(store: CatalogueStore) -> None:
    record = store.get(store.add(predicted=1, confidence=0.5, name="   ", note=None))
    assert (record.name, record.note) == ("", "")
    assert store.get(store.add(predicted=1, confidence=0.5, name="x" * 80)).name == "x" * 80


def test_add_many_is_all_or_nothing(store: CatalogueStore) -> None:
    ids = store.add_many(
        [
            {"predicted": 1, "confidence": 0.5, "name": "a"},
            catalogue.new_record(predicted=2, confidence=0.6, confirmed=3, name="b"),
        ]
    )
    assert [store.get(i).name for i in ids] == ["a", "b"]
    with pytest.raises(InvalidEntry):
        store.add_many(
            [
                {"predicted": 1, "confidence": 0.5},
                {"predicted": 1, "confidence": 0.5, "name": "x" * 99},
            ]
        )
    assert store.count() == 2
    assert store.add_many([]) == []


def test_reopening_a_file_keeps_the_records(tmp_path: Path) -> None:
    path = tmp_path / "keep.sqlite3"
    with CatalogueStore(_url(path)) as first:
        record_id = first.add(predicted=4, confidence=0.25, name="coat", model_input=_image(1))
        saved = first.get(record_id)
    with CatalogueStore(_url(path)) as again:
        assert again.count() == 1
        assert again.get(record_id) == saved
        assert again.schema_version() == catalogue.SCHEMA_VERSION
        assert again.add(predicted=4, confidence=0.5) > record_id


def test_default_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nested" / "dir" / "cat.sqlite3"
    monkeypatch.setenv(catalogue.DB_ENV_VAR, str(path))
    assert catalogue.default_url() == f"sqlite:///{path}"
    with CatalogueStore() as store:
        store.add(predicted=0, confidence=1.0)
    assert path.is_file()


def test_store_accepts_an_engine(tmp_path: Path) -> None:
    engine = sa.create_engine(_url(tmp_path / "engine.sqlite3"))
    store = CatalogueStore(engine)
    store.add(predicted=0, confidence=0.5)
    assert store.count() == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_unreachable_database_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    store = CatalogueStore(_url(folder))  # a folder is no database file
    with pytest.raises(CatalogueUnavailable, match=r"could not .*cannot be opened") as caught:
        store.add(predicted=0, confidence=0.5)
    assert isinstance(caught.value, CatalogueError)


def test_locked_database_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.sqlite3"
    CatalogueStore(_url(path)).count()  # create the schema
    monkeypatch.setattr(catalogue, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(catalogue, "LOCKED_RETRIES", 0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CatalogueUnavailable, match="busy"):
            CatalogueStore(_url(path)).add(predicted=0, confidence=0.5, name="typed")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert CatalogueStore(_url(path)).count() == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    CatalogueStore(_url(path)).count()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE catalogue_schema SET version = 99")
    with pytest.raises(CatalogueUnavailable, match="newer version"):
        CatalogueStore(_url(path)).count()


def _writer(url: str, writer: int) -> None:
    store = CatalogueStore(url)
    for i in range(SAVES_PER_WRITER):
        store.add(
            predicted=i % 10,
            confidence=0.5,
            confirmed=(i + writer) % 10,
            name=f"w{writer}-{i}",
            model_input=_image(writer),
        )
    store.close()


@pytest.mark.timeout(180)
def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    url = _url(tmp_path / "busy.sqlite3")  # a fresh file: the writers also race to create it
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(url, w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=150)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    store = CatalogueStore(url)
    assert store.count() == WRITERS * SAVES_PER_WRITER
    names = {r.name for r in store.records(with_images=False)}
    assert names == {f"w{w}-{i}" for w in range(WRITERS) for i in range(SAVES_PER_WRITER)}


def test_csv_read_back_equals_what_was_saved(store: CatalogueStore) -> None:
    store.add(predicted=0, confidence=0.1234567890123, name='Tee "Basic", 1', note="a\nb, c")
    store.add(predicted=9, confidence=1.0, confirmed=7, name="ünïcode ✓", note="")
    rows = read_csv(store.export_csv())
    assert list(rows[0]) == list(catalogue.CSV_COLUMNS)
    saved = store.records()
    assert rows == [
        {
            "id": r.id,
            "time": r.created_at,
            "predicted": r.predicted,
            "predicted_name": CLASS_NAMES[r.predicted],
            "confidence": r.confidence,
            "confirmed": r.confirmed,
            "confirmed_name": CLASS_NAMES[r.confirmed],
            "name": r.name,
            "note": r.note,
        }
        for r in saved
    ]
    assert rows[0]["time"].tzinfo is not None


def test_zip_holds_csv_and_thumbnails(store: CatalogueStore) -> None:
    with_photo = store.add(predicted=3, confidence=0.5, photo=_photo_bytes((300, 900), "JPEG"))
    without = store.add(predicted=3, confidence=0.5)
    with zipfile.ZipFile(io.BytesIO(store.export_zip())) as archive:
        assert sorted(archive.namelist()) == ["catalogue.csv", f"thumbnails/{with_photo}.jpg"]
        rows = read_csv(archive.read("catalogue.csv"))
        thumb = Image.open(io.BytesIO(archive.read(f"thumbnails/{with_photo}.jpg")))
    assert [r["id"] for r in rows] == [without, with_photo]
    assert thumb.size == (85, 256)


def test_make_thumbnail_handles_pictures_and_transparency() -> None:
    small = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    thumb = Image.open(io.BytesIO(make_thumbnail(small)))
    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (40, 20))
    assert thumb.getpixel((5, 5))[0] > 240  # transparent became white
    big = Image.open(io.BytesIO(make_thumbnail(io.BytesIO(_photo_bytes((1000, 500))), 128)))
    assert big.size == (128, 64)


def test_table_rows_carry_data_urls(store: CatalogueStore) -> None:
    store.add(predicted=2, confidence=0.5, photo=_photo_bytes())
    (row,) = catalogue.table_rows(store.records())
    assert row["photo"].startswith("data:image/jpeg;base64,")
    assert (row["predicted"], row["confirmed"], row["right"]) == ("Pullover", "Pullover", True)


def test_csv_export_is_safe_to_open_in_a_spreadsheet(tmp_path):
    store = CatalogueStore(f"sqlite:///{tmp_path / 'cat.sqlite3'}")
    store.add(predicted=0, confidence=0.5, confirmed=0, name="=HYPERLINK(1)", note="-2+3")
    store.add(predicted=1, confidence=0.5, confirmed=1, name="plain", note="'quoted'")
    text = store.export_csv()
    assert "'=HYPERLINK(1)" in text and "'-2+3" in text
    rows = {r["name"]: r for r in read_csv(text)}
    assert rows["=HYPERLINK(1)"]["note"] == "-2+3"
    assert rows["plain"]["note"] == "'quoted'"
