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
from fmnist_demo.catalogue_errors import RecordNotFound


@pytest.fixture
def store(catalogue_url: str) -> Iterator[CatalogueStore]:
    with CatalogueStore(catalogue_url) as s:
        yield s


def _blob(seed: int, size: int = 300_000) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def test_a_model_blob_and_its_card_come_back_as_saved(store: CatalogueStore) -> None:
    blob = _blob(1)
    card = {"date": "2026-05-03T10:00:00+00:00", "records_learnt": 212, "after": {"right": 41}}
    model_id = store.save_photo_model(blob, card, adopt=False)
    assert store.photo_model_bytes(model_id) == blob
    (entry,) = store.photo_models()
    assert (entry.id, entry.card, entry.adopted) == (model_id, card, False)
    assert store.adopted_photo_model() is None  # not adopted: the shipped model stays in use


def test_adopting_one_model_and_going_back_to_the_shipped_one(store: CatalogueStore) -> None:
    first = store.save_photo_model(_blob(1, 1000), {"n": 1}, adopt=True)
    assert store.adopted_photo_model().id == first
    second = store.save_photo_model(_blob(2, 1000), {"n": 2}, adopt=True)
    assert store.adopted_photo_model().id == second  # only one is ever in use
    assert sum(e.adopted for e in store.photo_models()) == 1
    store.adopt_photo_model(first)  # a person may choose an earlier one
    card = store.adopted_photo_model().card
    assert card["n"] == 1 and len(card["adoptions"]) == 2  # when it was put in use, both times
    store.adopt_photo_model(None)  # one click back to the shipped model
    assert store.adopted_photo_model() is None
    assert len(store.photo_models()) == 2  # the improved ones are still kept


def test_a_run_adopts_only_if_the_model_it_started_from_is_still_in_use(
    store: CatalogueStore,
) -> None:
    first = store.save_photo_model(_blob(1, 1000), {"n": 1}, adopt=True)
    # A run started from `first`; meanwhile staff went back to the shipped model.
    store.adopt_photo_model(None)
    late = store.save_photo_model(_blob(2, 1000), {"n": 2}, adopt=True, in_use_was=first)
    assert store.adopted_photo_model() is None  # their choice stays
    (entry,) = [e for e in store.photo_models() if e.id == late]
    assert entry.card["in_use_changed"] is True and "adoptions" not in entry.card
    # A run started from the shipped model while it is still in use is adopted.
    third = store.save_photo_model(_blob(3, 1000), {"n": 3}, adopt=True, in_use_was=None)
    assert store.adopted_photo_model().id == third
    assert "in_use_changed" not in store.adopted_photo_model().card
    # And one started from `third` after someone chose `first` keeps `first`.
    store.adopt_photo_model(first)
    store.save_photo_model(_blob(4, 1000), {"n": 4}, adopt=True, in_use_was=third)
    assert store.adopted_photo_model().id == first


def test_a_damaged_card_is_read_as_none_not_an_error(store: CatalogueStore) -> None:
    model_id = store.save_photo_model(_blob(1, 100), {"n": 1}, adopt=True)
    with store._engine.begin() as conn:  # as another program or a damaged disk leaves it
        conn.execute(
            sa.update(catalogue_schema.PHOTO_MODELS)
            .where(catalogue_schema.PHOTO_MODELS.c.id == model_id)
            .values(card="{not json")
        )
    (entry,) = store.photo_models()
    assert entry.card is None and entry.adopted
    assert store.adopted_photo_model().card is None
    store.adopt_photo_model(model_id)  # choosing it again leaves the damaged card alone
    store.adopt_photo_model(None)  # and the way back works
    assert store.adopted_photo_model() is None


def test_old_models_nobody_uses_are_removed(store: CatalogueStore) -> None:
    adopted = store.save_photo_model(_blob(0, 100), {"n": 0}, adopt=True)
    for n in range(1, 6):
        store.save_photo_model(_blob(n, 100), {"n": n}, adopt=False)
    kept = [e.card["n"] for e in store.photo_models()]
    assert kept[: catalogue_photo_models.KEEP_PHOTO_MODELS] == [5, 4, 3]
    assert (
        0 in kept and len(kept) == catalogue_photo_models.KEEP_PHOTO_MODELS + 1
    )  # the one in use stays
    assert store.adopted_photo_model().id == adopted


def test_a_removed_model_is_a_plain_not_found(store: CatalogueStore) -> None:
    with pytest.raises(RecordNotFound, match="no longer kept"):
        store.photo_model_bytes(99)
    with pytest.raises(RecordNotFound, match="no longer kept"):
        store.adopt_photo_model(99)


def test_a_removed_model_is_said_in_bengali_to_a_visitor_reading_bengali(
    store: CatalogueStore, bengali
) -> None:
    with pytest.raises(RecordNotFound) as caught:
        store.adopt_photo_model(99)
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
        assert store.adopted_photo_model() is None  # the first use migrates
        assert store.schema_version() == catalogue_schema.SCHEMA_VERSION == 3
        assert store.count() == 1
        model_id = store.save_photo_model(b"keras bytes", {"n": 1}, adopt=True)
        assert store.photo_model_bytes(model_id) == b"keras bytes"
