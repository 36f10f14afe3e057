"""Shared fixtures: the real dataset (through FMNIST_DATA_DIR), messages in Bengali, catalogue
databases (SQLite files and schemas in a real PostgreSQL)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# The quick tier (`python -m pytest -m "not slow"`) leaves out tests marked slow: a full training,
# several processes, a model measured on hundreds of photos, and (marked here, by the fixtures
# they use) every test that drives a real browser against the app served by `streamlit run`.
BROWSER_FIXTURES = {"browser", "app_url"}
# Browser tests live in files named so: the test workers run them one after another in one
# worker (they share one server, and two Chromiums at once would starve each other's pages).
BROWSER_FILES = "test_browser"
# A run of the whole suite uses this many test workers (pytest-xdist), each a process of its own;
# the suite was checked for isolation with two at once (PostgreSQL schemas, ports, training slots,
# files), the processors of the machines it runs on (a developer's, CI's, Community Cloud's).
WORKERS = 2
# The quick tier (-m "not slow") has no browser, and many of its tests wait on a database's
# timeouts, leaving a processor idle: a third worker fills it (measured: 90 s against 97 s).
QUICK_WORKERS = 3


def pytest_configure(config: pytest.Config) -> None:
    """Every AppTest in this process shares one scan for Streamlit components (apptest.py)."""
    from apptest import scan_components_once

    scan_components_once()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject.toml): WORKERS for the whole suite or a tier of it, none (the tests
    run in this process, as without xdist) when the command names files or tests, or on one
    processor. PYTEST_XDIST_AUTO_NUM_WORKERS, or `-n N` on the command line, decides instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").strip().isdigit():
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    whole_suite = config.args_source is not pytest.Config.ArgsSource.ARGS or all(
        Path(arg).resolve() == Path(__file__).parent for arg in config.args
    )
    if not whole_suite or (os.cpu_count() or 1) < 2:
        return 0
    quick = config.getoption("markexpr", "").replace(" ", "") == "notslow"
    return QUICK_WORKERS if quick else min(WORKERS, os.cpu_count() or 1)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile` (pyproject.toml), where all browser test files count as one file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserFilesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return BROWSER_FILES if Path(path).name.startswith(BROWSER_FILES) else path

    return BrowserFilesTogether(config, log)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every browser test slow; and fail a browser test outside the browser files."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
            if not item.path.name.startswith(BROWSER_FILES):
                raise pytest.UsageError(
                    f"{item.nodeid} drives a browser: move it to a {BROWSER_FILES}*.py file"
                )


@pytest.fixture(scope="session")
def fmnist():
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, read once per test session."""
    from fmnist_demo.data import load_fashion_mnist

    return load_fashion_mnist()


@pytest.fixture(scope="session")
def data_dir(fmnist) -> Path:
    """The folder the dataset was read from."""
    from fmnist_demo.data import find_data_dir

    folder = find_data_dir()
    assert folder is not None
    return folder


@pytest.fixture
def bengali() -> Iterator[None]:
    """Messages in Bengali in this thread for one test, English again afterwards.

    AppTest tests need it too: when a test sets a widget's value, AppTest formats the widget's
    options (through the page's format_func) in the test's own thread, not the script's.
    """
    from fmnist_demo import i18n

    i18n.set_language("bn")
    try:
        yield
    finally:
        i18n.set_language("en")


@pytest.fixture(scope="session")
def app():
    """The app opened in AppTest: `app("catalogue", lang="bn", secrets=..., session=...)`, run
    with no exception (tests/apptest.py's `open_app`, which helper functions import)."""
    from apptest import open_app

    return open_app


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    """AppTest resolves page paths from the working directory."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh file-backed catalogue store that the pages use too (through FMNIST_CATALOGUE_DB)."""
    from fmnist_demo.catalogue import CatalogueStore
    from fmnist_demo.catalogue_database import DB_ENV_VAR

    path = tmp_path / "catalogue.sqlite3"
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    with CatalogueStore(f"sqlite:///{path}") as store:
        yield store


# -- PostgreSQL -----------------------------------------------------------------------------------
# FMNIST_TEST_POSTGRES_URL names a database the tests may use (CI starts one: .ci/postgres.sh).
# Each test gets a schema of its own in it, dropped afterwards. Without the variable the PostgreSQL
# tests are skipped, unless FMNIST_REQUIRE_POSTGRES=1 (CI), which makes them fail instead.
POSTGRES_URL = os.environ.get("FMNIST_TEST_POSTGRES_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("FMNIST_REQUIRE_POSTGRES") == "1"


def _no_postgres(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(f"FMNIST_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set FMNIST_TEST_POSTGRES_URL to run the PostgreSQL tests)")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test PostgreSQL database's URL, checked reachable once per session."""
    import sqlalchemy as sa

    if not POSTGRES_URL:
        _no_postgres("FMNIST_TEST_POSTGRES_URL is not set")
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure to connect means no server for the tests
        _no_postgres(f"PostgreSQL at FMNIST_TEST_POSTGRES_URL is not reachable ({exc})")
    finally:
        engine.dispose()
    return POSTGRES_URL


def terminate_connections(server_url: str, application_name: str) -> int:
    """Drop every server connection of one application, as a host does to idle ones."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url)
    try:
        with engine.begin() as conn:
            return len(
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": application_name},
                ).all()
            )
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose tables live in a fresh schema of their own; its connections carry the
    schema's name as application_name (see terminate_connections)."""
    import uuid

    import sqlalchemy as sa

    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(postgres_server).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        terminate_connections(postgres_server, schema)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalogue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty catalogue database: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def any_db(catalogue_url: str, monkeypatch: pytest.MonkeyPatch):
    """Like `db`, once on SQLite and once on PostgreSQL: the pages use it too."""
    from fmnist_demo.catalogue import CatalogueStore
    from fmnist_demo.catalogue_database import DB_ENV_VAR

    monkeypatch.setenv(DB_ENV_VAR, catalogue_url)
    with CatalogueStore(catalogue_url) as store:
        yield store


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, fmnist) -> Iterator[str]:
    """The app served by `streamlit run` on a free loopback port, with its own SQLite catalogue,
    shared by the browser test files (a file that needs a server of its own, with records or
    secrets of its own, defines its own `app_url`)."""
    from fmnist_demo.serve import running_app

    db = tmp_path_factory.mktemp("db") / "catalogue.sqlite3"
    with running_app({"FMNIST_CATALOGUE_DB": str(db)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per browser test file (Playwright's
    synchronous API runs one at a time: files with a browser of their own start theirs)."""
    from browser import CHROMIUM, sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()
