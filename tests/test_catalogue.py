"""Unit tests for the catalogue store on SQLite and PostgreSQL: records, versions and conflicts,
the bin, validation, concurrency, reopening, migration, faults."""

from __future__ import annotations

import io
import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from fmnist_demo import catalogue, catalogue_database, catalogue_records, catalogue_schema
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_errors import (
    CatalogueError,
    CatalogueUnavailable,
    InvalidEntry,
    RecordNotFound,
)
from fmnist_demo.catalogue_pictures import make_thumbnail
from fmnist_demo.catalogue_records import EditConflict, RecordDeleted

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


@pytest.fixture
def store(catalogue_url: str) -> Iterator[CatalogueStore]:
    """A fresh store: once on a SQLite file, once on PostgreSQL."""
    with CatalogueStore(catalogue_url) as s:
        yield s


def test_fresh_database_is_empty_and_versioned(store: CatalogueStore) -> None:
    assert store.count() == 0
    assert store.records() == []
    assert store.counts_per_class() == dict.fromkeys(range(10), 0)
    summary = store.trial_summary()
    assert (summary.items, summary.accepted, summary.accuracy) == (0, 0, None)
    assert summary.sentence() == "No items have been catalogued yet."
    assert store.database.schema_version() == catalogue_schema.SCHEMA_VERSION


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
    assert updated.version == 3  # one more with every saved change
    assert store.get(record_id) == updated
    with pytest.raises(RecordNotFound, match="no catalogue record"):
        store.update(12345, name="x")


def test_two_sessions_editing_one_record_keep_both_changes(store: CatalogueStore) -> None:
    # Both open the record; one adds a note, the other (later) changes only the kind.
    record_id = store.add(predicted=7, confidence=0.6, name="SNK-1")
    first = store.get(record_id)
    second = store.get(record_id)
    store.update(record_id, based_on=first, confirmed=7, name="SNK-1", note="left shoe only")
    # The second form still sends every field as it was drawn: only the changed one is written.
    store.update(record_id, based_on=second, confirmed=5, name="SNK-1", note="")
    record = store.get(record_id)
    assert (record.confirmed, record.name, record.note) == (5, "SNK-1", "left shoe only")
    assert record.version == 3


def test_the_same_field_changed_by_both_is_refused_and_nothing_written(
    store: CatalogueStore,
) -> None:
    record_id = store.add(predicted=0, confidence=0.6, name="TEE-1")
    first = store.get(record_id)
    second = store.get(record_id)
    store.update(record_id, based_on=first, name="TEE-1 blue")
    with pytest.raises(EditConflict, match="changed the name of record") as caught:
        store.update(record_id, based_on=second, name="TEE-1 red", note="typed")
    assert caught.value.fields == ("name",)
    assert caught.value.current.name == "TEE-1 blue"  # their version, for the page to show
    assert isinstance(caught.value, CatalogueError)
    record = store.get(record_id)
    assert (record.name, record.note, record.version) == ("TEE-1 blue", "", 2)
    # Saving again from their version means "mine win".
    mine = store.update(record_id, based_on=caught.value.current, name="TEE-1 red")
    assert (mine.name, mine.version) == ("TEE-1 red", 3)


def test_the_same_change_twice_is_no_conflict_and_an_unchanged_save_writes_nothing(
    store: CatalogueStore,
) -> None:
    record_id = store.add(predicted=0, confidence=0.6)
    first = store.get(record_id)
    store.update(record_id, based_on=first, confirmed=6)
    again = store.update(record_id, based_on=first, confirmed=6)  # both fixed the same kind
    assert (again.confirmed, again.version) == (6, 2)
    same = store.update(record_id, based_on=again, confirmed=6, name="", note="")
    assert same.version == 2 and same.updated_at == again.updated_at


def test_an_edit_racing_a_delete_is_refused_with_the_record(store: CatalogueStore) -> None:
    record_id = store.add(predicted=8, confidence=0.9, name="BAG-1")
    opened = store.get(record_id)
    store.delete(record_id)
    with pytest.raises(RecordDeleted, match="deleted by someone else") as caught:
        store.update(record_id, based_on=opened, note="strap torn")
    assert caught.value.record.name == "BAG-1" and caught.value.record.deleted_at is not None
    assert isinstance(caught.value, RecordNotFound)
    store.restore(record_id)
    assert store.get(record_id).note == ""  # nothing was written while it was deleted


def test_deleting_a_record_changed_meanwhile_is_refused(store: CatalogueStore) -> None:
    record_id = store.add(predicted=8, confidence=0.9, name="BAG-1")
    seen = store.get(record_id)
    store.update(record_id, based_on=seen, confirmed=9)
    with pytest.raises(EditConflict, match="not deleted") as caught:
        store.delete(record_id, based_on=seen)
    assert caught.value.fields == ("confirmed",)
    assert store.count() == 1
    store.delete(record_id, based_on=caught.value.current)
    assert store.count() == 0


def test_delete_moves_to_the_bin_and_restore_brings_it_back(store: CatalogueStore) -> None:
    keep = store.add(predicted=1, confidence=0.5)
    gone = store.add(predicted=2, confidence=0.5, name="P-2", photo=_photo_bytes())
    deleted = store.delete(gone)
    assert deleted.deleted_at is not None and deleted.version == 2
    assert [r.id for r in store.records()] == [keep]
    assert store.count() == 1 and store.counts_per_class()[2] == 0
    assert store.trial_summary().items == 1
    assert [(r.id, r.name) for r in store.binned()] == [(gone, "P-2")]
    assert store.binned()[0].thumbnail  # the bin shows what is in it
    with pytest.raises(RecordDeleted, match="in the bin"):
        store.get(gone)
    assert store.get(gone, include_deleted=True).deleted_at is not None
    with pytest.raises(RecordDeleted, match="already deleted"):
        store.delete(gone)
    back = store.restore(gone)
    assert back.deleted_at is None and back.version == 3
    assert sorted(r.id for r in store.records()) == [keep, gone]
    assert store.binned() == []
    with pytest.raises(RecordNotFound, match="no catalogue record"):
        store.restore(12345)


def test_the_bin_is_emptied_after_its_days(store: CatalogueStore) -> None:
    old = store.add(predicted=1, confidence=0.5)
    recent = store.add(predicted=2, confidence=0.5)
    store.delete(old)
    store.delete(recent)
    # As if `old` had been deleted longer ago than the bin keeps records.
    long_ago = datetime.now(UTC) - timedelta(days=catalogue.BIN_KEEP_DAYS + 1)
    with store.database.engine.begin() as conn:
        conn.execute(
            catalogue_schema.ITEMS.update()
            .where(catalogue_schema.ITEMS.c.id == old)
            .values(deleted_at=long_ago)
        )
    store.delete(store.add(predicted=3, confidence=0.5))  # any delete empties the old part
    assert old not in [r.id for r in store.binned()]
    with pytest.raises(RecordNotFound):
        store.restore(old)
    assert store.empty_bin() == 2
    assert store.binned() == []


def test_records_newest_first_with_filters_and_paging(store: CatalogueStore) -> None:
    ids = [store.add(predicted=i % 3, confidence=0.5, name=f"item {i}") for i in range(6)]
    assert [r.id for r in store.records()] == ids[::-1]
    assert [r.id for r in store.records(label=0)] == [ids[3], ids[0]]
    assert [r.id for r in store.records(limit=2, offset=1)] == ids[4:2:-1]
    assert [r.id for r in store.records(search="ITEM 4")] == [ids[4]]
    assert store.count(label=1) == 2
    assert store.count(search="item") == 6
    assert store.records(with_images=False)[0].thumbnail is None


def test_bengali_digits_are_kept_as_typed_and_found_in_either_script(any_db) -> None:
    """Staff type "জিন্স প্যান্ট ৩২" on a Bengali keyboard; a search for ৩২ or 32 finds it."""
    bengali = any_db.add(predicted=1, confidence=0.9, name="জিন্স প্যান্ট ৩২")
    western = any_db.add(predicted=1, confidence=0.9, name="Jeans 32 W")
    mixed = any_db.add(predicted=1, confidence=0.9, name="শার্ট ৪2")  # half and half
    other = any_db.add(predicted=1, confidence=0.9, name="জিন্স প্যান্ট ৩৪")
    assert any_db.get(bengali).name == "জিন্স প্যান্ট ৩২"  # kept as typed
    for typed in ("৩২", "32", "৩2"):
        assert {r.id for r in any_db.records(search=typed)} == {bengali, western}, typed
        assert any_db.count(search=typed) == 2
    assert [r.id for r in any_db.records(search="প্যান্ট 32")] == [bengali]
    assert [r.id for r in any_db.records(search="42")] == [mixed]
    assert {r.id for r in any_db.records(search="৩")} == {bengali, western, other}
    assert [r.id for r in any_db.records(search="jeans ৩২ w")] == [western]  # case too


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
    assert summary.sentence() == "The model was right for 4 of 5 items (80\u00a0%)."
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
            catalogue_records.new_record(predicted=2, confidence=0.6, confirmed=3, name="b"),
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


def test_the_file_name_is_kept_without_folders(store: CatalogueStore) -> None:
    first = store.add(predicted=1, confidence=0.5, file_name="C:\\Users\\me\\IMG_0042.JPG")
    second = store.add(predicted=1, confidence=0.5, file_name="../../etc/trousers\n.png")
    assert store.get(first).file_name == "IMG_0042.JPG"
    assert store.get(second).file_name == "trousers .png"


def test_a_version_1_database_is_migrated_and_keeps_its_records(catalogue_url: str) -> None:
    # A database as the previous release left it: schema 1, one record.
    engine = sa.create_engine(catalogue_url)
    with engine.begin() as conn:
        catalogue_schema.SCHEMA_TABLE.create(conn)
        catalogue_schema._migrate_to_1(conn)
        conn.execute(catalogue_schema.SCHEMA_TABLE.insert().values(id=1, version=1))
        now = datetime.now(UTC)
        conn.exec_driver_sql(
            "INSERT INTO catalogue_items (created_at, updated_at, predicted, confidence, "
            "confirmed, name, note) VALUES (%(t)s, %(t)s, 3, 0.5, 4, 'old one', 'kept')"
            if engine.dialect.name == "postgresql"
            else "INSERT INTO catalogue_items (created_at, updated_at, predicted, confidence, "
            "confirmed, name, note) VALUES (?, ?, 3, 0.5, 4, 'old one', 'kept')",
            {"t": now} if engine.dialect.name == "postgresql" else (now.isoformat(" "),) * 2,
        )
    engine.dispose()
    with CatalogueStore(catalogue_url) as store:
        assert store.database.schema_version() == catalogue_schema.SCHEMA_VERSION == 3
        (record,) = store.records()
        assert (record.name, record.note, record.confirmed) == ("old one", "kept", 4)
        assert (record.version, record.deleted_at, record.file_name) == (1, None, "")
        edited = store.update(record.id, based_on=record, note="kept, edited")
        assert edited.version == 2


def test_reopening_a_file_keeps_the_records(tmp_path: Path) -> None:
    path = tmp_path / "keep.sqlite3"
    with CatalogueStore(_url(path)) as first:
        record_id = first.add(predicted=4, confidence=0.25, name="coat", model_input=_image(1))
        saved = first.get(record_id)
    with CatalogueStore(_url(path)) as again:
        assert again.count() == 1
        assert again.get(record_id) == saved
        assert again.database.schema_version() == catalogue_schema.SCHEMA_VERSION
        assert again.add(predicted=4, confidence=0.5) > record_id


def test_default_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nested" / "dir" / "cat.sqlite3"
    monkeypatch.setenv(catalogue_database.DB_ENV_VAR, str(path))
    assert catalogue_database.default_url() == f"sqlite:///{path}"
    with CatalogueStore() as store:
        store.add(predicted=0, confidence=1.0)
    assert path.is_file()


def test_store_accepts_an_engine_and_tests_its_connections(tmp_path: Path) -> None:
    engine = sa.create_engine(_url(tmp_path / "engine.sqlite3"))  # made without pool_pre_ping
    store = CatalogueStore(engine)
    assert engine.pool._pre_ping  # an engine made elsewhere (st.connection) is made to ping too
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


def test_a_locked_sqlite_file_answers_within_seconds(tmp_path: Path) -> None:
    # Another process holds the write lock and does not let go. The save must give up and say
    # so within a few seconds (it used to wait about two minutes); pytest-timeout guards this.
    path = tmp_path / "locked.sqlite3"
    CatalogueStore(_url(path)).count()  # create the schema
    assert (catalogue_database.LOCKED_RETRIES + 1) * catalogue_database.SQLITE_BUSY_TIMEOUT_S <= 5
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store = CatalogueStore(_url(path))
        with pytest.raises(CatalogueUnavailable, match="busy"):
            _within(20, lambda: store.add(predicted=0, confidence=0.5, name="typed"))
        assert store.count() == 0  # reading still works while the lock is held (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert CatalogueStore(_url(path)).count() == 0


def _within(seconds: float, work) -> None:
    """Run `work` in a thread; fail if it has not finished (returned or raised) in `seconds`."""
    import threading

    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"no answer within {seconds} s"
    if outcome[0] is not None:
        raise outcome[0]


def _rollback_journal_copy(tmp_path: Path) -> Path:
    """A catalogue file with one record, in the classic (non-WAL) journal mode of a copied file."""
    path = tmp_path / "copied.sqlite3"
    with CatalogueStore(_url(path)) as store:
        store.add(predicted=3, confidence=0.75, name="DRESS-1", photo=_photo_bytes())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    return path


def test_a_read_only_sqlite_file_can_be_read_and_exported(tmp_path: Path) -> None:
    from fmnist_demo import catalogue_export

    path = _rollback_journal_copy(tmp_path)
    with CatalogueStore(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        assert store.read_only()
        assert store.count() == 1
        (record,) = store.records()
        assert record.name == "DRESS-1" and record.thumbnail
        rows = catalogue_export.read_csv(catalogue_export.csv_text(store.records()))
        assert rows[0]["Name or SKU"] == "DRESS-1"
        with pytest.raises(CatalogueUnavailable, match="may only be read"):
            store.add(predicted=1, confidence=0.5)
        with pytest.raises(CatalogueUnavailable, match="may only be read"):
            store.update(record.id, based_on=record, name="changed")
    with CatalogueStore(_url(path)) as writable:
        assert not writable.read_only()
        assert writable.get(record.id).name == "DRESS-1"


def test_a_database_changed_by_hand_says_so(store: CatalogueStore) -> None:
    store.add(predicted=1, confidence=0.5)
    with store.database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE catalogue_items DROP COLUMN note")
    assert store.count() == 1  # what does not need the column still works
    with pytest.raises(CatalogueUnavailable, match="tables are not as this app expects"):
        store.records()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    CatalogueStore(_url(path)).count()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE catalogue_schema SET version = 99")
    with pytest.raises(CatalogueUnavailable, match="newer version"):
        CatalogueStore(_url(path)).count()


def _writer(url: str, writer: int, start: Any) -> None:
    store = CatalogueStore(url)
    store.count()  # open (and maybe create) the database, racing the other writers
    # then write all at once: the child processes' slow start (imports) is over for everyone,
    # so the race is between the saves, not between a save and a neighbour's start-up
    start.wait(120)
    for i in range(SAVES_PER_WRITER):
        # A save refused as busy (after its few seconds of waiting) is pressed again, as a person
        # would: on a loaded machine eight writers can keep one waiting that long. Nothing may be
        # lost or written twice either way.
        for attempt in range(20):
            try:
                store.add(
                    predicted=i % 10,
                    confidence=0.5,
                    confirmed=(i + writer) % 10,
                    name=f"w{writer}-{i}",
                    model_input=_image(writer),
                )
                break
            except CatalogueUnavailable as exc:
                if "busy" not in str(exc) or attempt == 19:
                    raise
    store.close()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    url = _url(tmp_path / "busy.sqlite3")  # a fresh file: the writers also race to create it
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WRITERS + 1)
    workers = [context.Process(target=_writer, args=(url, w, start)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    start.wait(120)
    for worker in workers:
        worker.join(timeout=150)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    store = CatalogueStore(url)
    assert store.count() == WRITERS * SAVES_PER_WRITER
    names = {r.name for r in store.records(with_images=False)}
    assert names == {f"w{w}-{i}" for w in range(WRITERS) for i in range(SAVES_PER_WRITER)}


def test_make_thumbnail_handles_pictures_and_transparency() -> None:
    small = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    thumb = Image.open(io.BytesIO(make_thumbnail(small)))
    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (40, 20))
    assert thumb.getpixel((5, 5))[0] > 240  # transparent became white
    big = Image.open(io.BytesIO(make_thumbnail(io.BytesIO(_photo_bytes((1000, 500))), 128)))
    assert big.size == (128, 64)


# -- in Bengali ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x" * 81}, "নামটি অনেক লম্বা: বড়জোর 80টি অক্ষর হতে পারে (এটিতে আছে 81টি)।"),
        ({"name": "two\nlines"}, "নামটি এক লাইনের লেখা হতে হবে"),
        ({"note": "n" * 501}, "নোটটি অনেক লম্বা: বড়জোর 500টি অক্ষর"),
        ({"predicted": 10}, "ধরনটি 0 থেকে 9-এর মধ্যে একটি সংখ্যা হতে হবে"),
        ({"confidence": 1.5}, "0 থেকে 1-এর মধ্যে হতে হবে"),
        ({"photo": b"not an image"}, "ছবিটিকে ছবি হিসেবে পড়া গেল না।"),
    ],
)
def test_invalid_entries_are_refused_in_bengali(
    store: CatalogueStore, bengali, fields: dict, message: str
) -> None:
    with pytest.raises(InvalidEntry) as caught:
        store.add(**({"predicted": 1, "confidence": 0.5} | fields))
    assert message in str(caught.value)


def test_a_kind_named_in_bengali_is_read_back(store: CatalogueStore, bengali) -> None:
    # A table on the Classify page names kinds in the visitor's language.
    record = store.get(store.add(predicted=9, confidence=0.5, confirmed="স্যান্ডেল"))
    assert (record.confirmed, record.confirmed_name) == (5, "Sandal")  # stored by label
    assert (
        catalogue_records.class_label("অ্যাঙ্কেল বুট")
        == catalogue_records.class_label("Ankle boot")
        == 9
    )


def test_conflicts_and_the_bin_are_explained_in_bengali(store: CatalogueStore, bengali) -> None:
    record_id = store.add(predicted=0, confidence=0.6, name="১")
    first, second = store.get(record_id), store.get(record_id)
    store.update(record_id, based_on=first, name="২", note="৩")
    with pytest.raises(EditConflict) as caught:
        store.update(record_id, based_on=second, name="৪", note="৫")
    assert str(caught.value) == (
        f"আপনি রেকর্ড #{record_id} খোলার পর অন্য কেউ এর নাম ও নোট বদলেছেন। তাঁদের পরিবর্তন "
        "যাতে হারিয়ে না যায়, তাই আপনার পরিবর্তন সংরক্ষণ করা হয়নি।"
    )
    store.delete(record_id)
    with pytest.raises(RecordDeleted, match="ঝুড়িতে আছে"):
        store.update(record_id, based_on=caught.value.current, name="৬")
    with pytest.raises(RecordNotFound, match="কোনো রেকর্ড নেই"):
        store.get(record_id + 100)


def test_the_trial_result_is_said_in_bengali(store: CatalogueStore, bengali) -> None:
    assert store.trial_summary().sentence() == "এখনও কোনো জিনিস ক্যাটালগে তোলা হয়নি।"
    store.add(predicted=1, confidence=0.5)
    store.add(predicted=1, confidence=0.5, confirmed=3)
    assert store.trial_summary().sentence() == "2টি জিনিসের মধ্যে 1টিতে মডেল ঠিক বলেছে (50\u00a0%)।"


def test_a_database_fault_is_explained_in_bengali(tmp_path: Path, bengali) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    store = CatalogueStore(_url(folder))  # a folder is no database file
    with pytest.raises(CatalogueUnavailable) as caught:
        store.add(predicted=0, confidence=0.5)
    assert str(caught.value) == ("ক্যাটালগ তার ডেটাবেস খুলতে পারল না: ডেটাবেসের ফাইলটি খোলা যাচ্ছে না।")


def test_every_sqlite_engine_made_elsewhere_gets_the_guards(tmp_path: Path) -> None:
    # As the PostgreSQL test in test_catalogue_frozen_db.py: each new engine, wherever it lands,
    # gets the store's guards (busy_timeout, WAL), even while old engines' pools live on. (SQLite
    # was spared the fault in practice: the store's dispose() drops the pool its key was left on.)
    kept = []
    for n in range(100):
        engine = sa.create_engine(_url(tmp_path / "catalogue.sqlite3"))
        CatalogueStore(engine)
        with engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert busy == catalogue_database.SQLITE_BUSY_TIMEOUT_S * 1000, n
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal", n
        kept.append(engine.pool)
        del engine
