"""A PostgreSQL database that stops answering: every store call gives up within a few seconds with
a plain message, and reads after that say so at once. The database sits behind a local proxy that
stops forwarding bytes (tests/db_proxy.py), as a hung host or a broken network does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from db_proxy import FreezableProxy

from fmnist_demo import catalogue_database
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_errors import CatalogueUnavailable

BOUND_S = 8  # a call must have returned or raised by then (DB_SILENCE_S is 3 s)
ENGINES_MADE_ELSEWHERE = 200  # enough for new engines to land where freed ones were, many times
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def proxied(postgres_url: str) -> Iterator[tuple[FreezableProxy, str]]:
    """A proxy in front of the test schema, and the URL through it."""
    proxy, url = FreezableProxy.for_url(postgres_url)
    with proxy:
        yield proxy, url


def _within(seconds: float, call: Callable[[], Any]) -> tuple[float, BaseException | None]:
    """(how long `call` took, what it raised); fails if it is still waiting after `seconds`."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        start = time.monotonic()
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc
        outcome["took"] = time.monotonic() - start

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still waiting after {seconds} s"
    return outcome["took"], outcome.get("error")


def test_a_frozen_database_gives_a_plain_message_within_seconds(
    proxied: tuple[FreezableProxy, str],
) -> None:
    proxy, url = proxied
    with CatalogueStore(url) as store:
        store.add(predicted=1, confidence=0.5, name="before")
        # the pool holds a live connection now
        assert store.photo_models.adopted_photo_model() is None
        proxy.freeze()
        took, error = _within(BOUND_S, store.photo_models.adopted_photo_model)
        assert isinstance(error, CatalogueUnavailable), error
        assert "did not answer" in str(error)
        assert "Traceback" not in str(error) and "psycopg2" not in str(error)
        # The finding is kept briefly: the next read says so at once, not after another wait.
        took, error = _within(BOUND_S, store.count)
        assert isinstance(error, CatalogueUnavailable) and took < 1, (took, error)
        # A save still tries (a person pressed a button), and gives up within the bound too.
        took, error = _within(BOUND_S, lambda: store.add(predicted=2, confidence=0.5))
        assert isinstance(error, CatalogueUnavailable), error
        proxy.thaw()
        store.database._down_until = 0.0  # as after DOWN_RETRY_S
        assert (
            store.count() == 1
        )  # back to normal once it answers: nothing lost, nothing half-saved


def test_a_fresh_store_on_a_frozen_database_gives_up_too(
    proxied: tuple[FreezableProxy, str],
) -> None:
    # No pooled connection yet: connecting itself must be bounded (the server's greeting never
    # arrives), for count() as for a save.
    proxy, url = proxied
    proxy.freeze()
    with CatalogueStore(url) as store:
        _took, error = _within(BOUND_S, store.count)
        assert isinstance(error, CatalogueUnavailable), error
    with CatalogueStore(url) as store:
        _took, error = _within(BOUND_S, lambda: store.add(predicted=2, confidence=0.5))
        assert isinstance(error, CatalogueUnavailable), error


def test_an_engine_made_elsewhere_gets_the_same_bounds(
    proxied: tuple[FreezableProxy, str],
) -> None:
    # As st.connection("sql") makes it: the store adds its bounds to each new connection.
    proxy, url = proxied
    engine = sa.create_engine(url)
    try:
        store = CatalogueStore(engine)
        assert store.count() == 0
        with engine.connect() as conn:
            timeout = conn.scalar(sa.text("SHOW statement_timeout"))
        assert timeout == f"{catalogue_database.STATEMENT_TIMEOUT_S}s"
        proxy.freeze()
        _took, error = _within(BOUND_S, store.count)
        assert isinstance(error, CatalogueUnavailable), error
    finally:
        engine.dispose()


def test_every_engine_made_elsewhere_gets_the_bounds_where_an_old_one_lived(
    postgres_url: str,
) -> None:
    # st.connection makes a new engine whenever the secrets change; an old one may be freed while
    # its dialect lives on (a pooled connection, an error's traceback). SQLAlchemy's register of
    # listeners is keyed by id(engine), so asking it made a new engine at the old one's address
    # look bounded already: it went without (statement_timeout 0, no bounded connect).
    kept = []
    unbounded = []
    for n in range(ENGINES_MADE_ELSEWHERE):
        engine = sa.create_engine(postgres_url)
        CatalogueStore(engine)
        with engine.connect() as conn:
            if conn.scalar(sa.text("SHOW statement_timeout")) != "10s":
                unbounded.append(n)
        kept.append(engine.dialect)
        engine.dispose()
        del engine
    assert unbounded == []


def test_the_server_cancels_a_statement_that_runs_too_long(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's own bound (a lock held too long, a runaway query), with a plain message.
    monkeypatch.setattr(catalogue_database, "STATEMENT_TIMEOUT_S", 1)
    with CatalogueStore(postgres_url) as store:
        took, error = _within(
            BOUND_S,
            lambda: store.database.read(
                "Could not: {reason}.", lambda c: c.exec_driver_sql("SELECT pg_sleep(5)")
            ),
        )
        assert isinstance(error, CatalogueUnavailable), error
        assert "did not answer" in str(error) and took < 3


def test_classify_classifies_while_the_database_is_frozen(
    proxied: tuple[FreezableProxy, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Classify needs no database to classify; it asks which photo model is in use, and that
    # question must give up quickly, leaving the shipped model.
    import io

    import numpy as np
    from PIL import Image
    from streamlit.testing.v1 import AppTest

    from fmnist_demo.pages._photo_model_in_use import _adopted_entry

    proxy, url = proxied
    monkeypatch.setenv(catalogue_database.DB_ENV_VAR, url)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=BOUND_S + 30)
    at.run()
    at.switch_page("fmnist_demo/pages/classify.py").run()  # the database answers here
    assert not at.exception
    proxy.freeze()
    _adopted_entry.clear()  # as when its short cache has just run out
    scene = np.full((400, 300, 3), 210, np.uint8)
    scene[40:360, 90:210] = (30, 40, 90)  # a tall dark item on a light floor
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    at.file_uploader[0].set_value([("item.jpg", out.getvalue(), "image/jpeg")])
    _took, error = _within(BOUND_S, at.run)
    assert error is None, error
    assert not at.exception
    verdicts = [*at.success, *at.warning, *at.info]
    assert any("item.jpg" in m.value for m in at.markdown), "the photo was not shown"
    assert verdicts, "no verdict"
    assert "shipped photo model" in " ".join(c.value for c in at.caption)


def test_sqlite_stops_a_statement_that_runs_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite has no server to cancel a runaway statement: the store interrupts it itself.
    monkeypatch.setattr(catalogue_database, "STATEMENT_TIMEOUT_S", 1)
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    with CatalogueStore(f"sqlite:///{tmp_path / 'catalogue.sqlite3'}") as store:
        took, error = _within(
            BOUND_S,
            lambda: store.database.read(
                "Could not: {reason}.", lambda c: c.exec_driver_sql(endless)
            ),
        )
        assert isinstance(error, CatalogueUnavailable), error
        assert took < 3
        store.database._down_until = 0.0
        assert store.count() == 0  # the connection is still good
