"""The catalogue store against a real PostgreSQL only: dropped idle connections, a read-only
database. (Every test in test_catalogue.py runs there too.) Skipped without a server unless
FMNIST_REQUIRE_POSTGRES=1, as in CI, where they fail instead."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import terminate_connections

from fmnist_demo import catalogue_export
from fmnist_demo.catalogue import CatalogueStore


def _app_name(url: str) -> str:
    return sa.make_url(url).query["application_name"]


def test_the_store_survives_the_server_dropping_its_idle_connections(
    postgres_url: str, postgres_server: str
) -> None:
    with CatalogueStore(postgres_url) as store:
        first = store.add(predicted=1, confidence=0.5, name="before")
        assert store.count() == 1  # a pooled connection is now idle in the pool
        assert terminate_connections(postgres_server, _app_name(postgres_url)) >= 1
        assert [r.id for r in store.records()] == [first]  # the next read
        second = store.add(predicted=2, confidence=0.5, name="after")  # and a save
        assert terminate_connections(postgres_server, _app_name(postgres_url)) >= 1
        record = store.update(second, based_on=store.get(second), note="still works")
        assert record.note == "still works"


def test_an_engine_made_without_pre_ping_survives_too(
    postgres_url: str, postgres_server: str
) -> None:
    # As st.connection("sql") makes it when the app does not ask for pool_pre_ping itself.
    engine = sa.create_engine(postgres_url)
    try:
        store = CatalogueStore(engine)
        store.add(predicted=1, confidence=0.5)
        assert terminate_connections(postgres_server, _app_name(postgres_url)) >= 1
        assert store.count() == 1
        store.add(predicted=2, confidence=0.5)
        assert store.count() == 2
    finally:
        engine.dispose()


def test_a_read_only_database_can_be_read_and_exported(postgres_url: str) -> None:
    with CatalogueStore(postgres_url) as store:
        record_id = store.add(predicted=3, confidence=0.75, name="DRESS-1")
        assert not store.read_only()
    # A session that may only read (a hosted replica, a read-only role or a full quota).
    read_only_url = sa.make_url(postgres_url)
    read_only_url = read_only_url.update_query_dict(
        {"options": read_only_url.query["options"] + " -cdefault_transaction_read_only=on"}
    )
    with CatalogueStore(read_only_url) as store:
        assert store.read_only()
        assert [r.name for r in store.records()] == ["DRESS-1"]
        assert store.trial_summary().items == 1
        rows = catalogue_export.read_csv(catalogue_export.csv_bytes(store.records()))
        assert rows[0]["Record"] == str(record_id)
        try:
            store.add(predicted=1, confidence=0.5)
        except Exception as exc:
            assert "may only be read" in str(exc)
        else:
            raise AssertionError("a read-only database took a save")
