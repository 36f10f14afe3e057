"""Improved photo models kept in the catalogue's own database (SQLite and PostgreSQL): the blob's
round trip, which one is in use, the way back to the shipped model, and the migration from a
database made before the table existed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa

from fmnist_demo import catalogue_photo_models, catalogue_schema
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_database import CatalogueDatabase
from fmnist_demo.catalogue_errors import RecordNotFound
from fmnist_demo.catalogue_photo_models import PhotoModelStore


@pytest.fixture
def store(catalogue_url: str) -> Iterator[CatalogueStore]:
    with CatalogueStore(catalogue_url) as s:
        yield s


@pytest.fixture
def models(catalogue_url: str) -> Iterator[PhotoModelStore]:
    """The photo models' store alone, over a database of its own (no records' store)."""
    with CatalogueDatabase(catalogue_url) as database:
        yield PhotoModelStore(database)


def _blob(seed: int, size: int = 300_000) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def test_the_records_and_the_photo_models_are_two_stores_over_one_database(
    any_db: CatalogueStore,
) -> None:
    # Neither store is a kind of the other (nor of the database): the records' store holds the
    # photo models' store, and both query one database, so one engine per URL as before.
    for one, other in [(CatalogueStore, PhotoModelStore), (PhotoModelStore, CatalogueStore)]:
        assert not issubclass(one, other) and not issubclass(one, CatalogueDatabase)
    assert any_db.photo_models.database is any_db.database
    from fmnist_demo.pages._catalogue_store import get_store

    first, again = get_store(), get_store()  # as two visitors' pages get it
    assert first is again
    assert first.photo_models.database.engine is first.database.engine
    record = first.add(predicted=1, confidence=0.5)
    model_id = first.photo_models.save_photo_model(b"keras bytes", {"n": 1}, adopt=True)
    assert any_db.get(record).id == record  # both went into the one database the pages use
    assert any_db.photo_models.adopted_photo_model().id == model_id


def test_a_model_blob_and_its_card_come_back_as_saved(models: PhotoModelStore) -> None:
    blob = _blob(1)
    card = {"date": "2026-05-03T10:00:00+00:00", "records_learnt": 212, "after": {"right": 41}}
    model_id = models.save_photo_model(blob, card, adopt=False)
    assert models.photo_model_bytes(model_id) == blob
    (entry,) = models.photo_models()
    assert (entry.id, entry.card, entry.adopted) == (model_id, card, False)
    assert models.adopted_photo_model() is None  # not adopted: the shipped model stays in use


def test_adopting_one_model_and_going_back_to_the_shipped_one(models: PhotoModelStore) -> None:
    first = models.save_photo_model(_blob(1, 1000), {"n": 1}, adopt=True)
    assert models.adopted_photo_model().id == first
    second = models.save_photo_model(_blob(2, 1000), {"n": 2}, adopt=True)
    assert models.adopted_photo_model().id == second  # only one is ever in use
    assert sum(e.adopted for e in models.photo_models()) == 1
    models.adopt_photo_model(first)  # a person may choose an earlier one
    card = models.adopted_photo_model().card
    assert card["n"] == 1 and len(card["adoptions"]) == 2  # when it was put in use, both times
    models.adopt_photo_model(None)  # one click back to the shipped model
    assert models.adopted_photo_model() is None
    assert len(models.photo_models()) == 2  # the improved ones are still kept


def test_a_run_adopts_only_if_the_model_it_started_from_is_still_in_use(
    models: PhotoModelStore,
) -> None:
    first = models.save_photo_model(_blob(1, 1000), {"n": 1}, adopt=True)
    # A run started from `first`; meanwhile staff went back to the shipped model.
    models.adopt_photo_model(None)
    late = models.save_photo_model(_blob(2, 1000), {"n": 2}, adopt=True, in_use_was=first)
    assert models.adopted_photo_model() is None  # their choice stays
    (entry,) = [e for e in models.photo_models() if e.id == late]
    assert entry.card["in_use_changed"] is True and "adoptions" not in entry.card
    # A run started from the shipped model while it is still in use is adopted.
    third = models.save_photo_model(_blob(3, 1000), {"n": 3}, adopt=True, in_use_was=None)
    assert models.adopted_photo_model().id == third
    assert "in_use_changed" not in models.adopted_photo_model().card
    # And one started from `third` after someone chose `first` keeps `first`.
    models.adopt_photo_model(first)
    models.save_photo_model(_blob(4, 1000), {"n": 4}, adopt=True, in_use_was=third)
    assert models.adopted_photo_model().id == first


def test_a_damaged_card_is_read_as_none_not_an_error(models: PhotoModelStore) -> None:
    model_id = models.save_photo_model(_blob(1, 100), {"n": 1}, adopt=True)
    with models.database.engine.begin() as conn:  # as another program or a damaged disk leaves it
        conn.execute(
            sa.update(catalogue_schema.PHOTO_MODELS)
            .where(catalogue_schema.PHOTO_MODELS.c.id == model_id)
            .values(card="{not json")
        )
    (entry,) = models.photo_models()
    assert entry.card is None and entry.adopted
    assert models.adopted_photo_model().card is None
    models.adopt_photo_model(model_id)  # choosing it again leaves the damaged card alone
    models.adopt_photo_model(None)  # and the way back works
    assert models.adopted_photo_model() is None


def test_old_models_nobody_uses_are_removed(models: PhotoModelStore) -> None:
    adopted = models.save_photo_model(_blob(0, 100), {"n": 0}, adopt=True)
    for n in range(1, 6):
        models.save_photo_model(_blob(n, 100), {"n": n}, adopt=False)
    kept = [e.card["n"] for e in models.photo_models()]
    assert kept[: catalogue_photo_models.KEEP_PHOTO_MODELS] == [5, 4, 3]
    assert (
        0 in kept and len(kept) == catalogue_photo_models.KEEP_PHOTO_MODELS + 1
    )  # the one in use stays
    assert models.adopted_photo_model().id == adopted


def test_a_removed_model_is_a_plain_not_found(models: PhotoModelStore) -> None:
    with pytest.raises(RecordNotFound, match="no longer kept"):
        models.photo_model_bytes(99)
    with pytest.raises(RecordNotFound, match="no longer kept"):
        models.adopt_photo_model(99)


def test_a_removed_model_is_said_in_bengali_to_a_visitor_reading_bengali(
    models: PhotoModelStore, bengali
) -> None:
    with pytest.raises(RecordNotFound) as caught:
        models.adopt_photo_model(99)
    assert str(caught.value) == "উন্নত ছবির মডেল 99 আর রাখা নেই।"


def test_teaching_rows_are_the_kept_pictures_of_records_not_deleted(store: CatalogueStore) -> None:
    pixels = np.arange(784, dtype=np.uint8).reshape(28, 28)
    kept = store.add(predicted=1, confidence=0.9, confirmed=3, model_input=pixels)
    gone = store.add(predicted=1, confidence=0.9, model_input=pixels)
    store.add(predicted=1, confidence=0.9)  # no picture: nothing to learn from
    store.delete(gone)
    (row,) = store.teaching_rows()
    assert (row.id, row.version, row.confirmed) == (kept, 1, 3)
    assert bytes(row.model_input) == pixels.tobytes()


def test_a_version_2_database_gets_the_new_table_on_first_use(catalogue_url: str) -> None:
    # A database as the previous release left it: schema 2, one record, no photo models table.
    engine = sa.create_engine(catalogue_url)
    with engine.begin() as conn:
        catalogue_schema.SCHEMA_TABLE.create(conn)
        catalogue_schema._migrate_to_1(conn)
        catalogue_schema._migrate_to_2(conn)
        conn.execute(catalogue_schema.SCHEMA_TABLE.insert().values(id=1, version=2))
        now = datetime.now(UTC)
        conn.execute(
            catalogue_schema.ITEMS.insert().values(
                created_at=now,
                updated_at=now,
                predicted=1,
                confidence=0.5,
                confirmed=1,
                name="old",
                note="",
            )
        )
        assert not sa.inspect(conn).has_table("catalogue_photo_models")
    engine.dispose()
    with CatalogueStore(catalogue_url) as store:
        assert store.photo_models.adopted_photo_model() is None  # the first use migrates
        assert store.database.schema_version() == catalogue_schema.SCHEMA_VERSION == 3
        assert store.count() == 1
        model_id = store.photo_models.save_photo_model(b"keras bytes", {"n": 1}, adopt=True)
        assert store.photo_models.photo_model_bytes(model_id) == b"keras bytes"
