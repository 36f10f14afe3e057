"""The catalogue's database connection, made safe: one engine, bounded waits, plain-words errors.

SQLAlchemy Core over any database it knows: a SQLite file by default (path from
$FMNIST_CATALOGUE_DB), or PostgreSQL when a deployment passes that URL or engine. Here is what
every catalogue query shares: making or adopting the engine; SQLite's guards (WAL, write locks
taken at BEGIN, a deadline per statement) and PostgreSQL's (a bound on every wait for the server,
a statement timeout, keepalives); turning database failures into `CatalogueUnavailable` with the
reason in the visitor's language; one read or write transaction per call (`read`, `write`);
and creating or migrating the schema (catalogue_schema.py) on first use, safe when several
processes race. One `CatalogueDatabase` is shared by the two stores that query it, each holding
it rather than being it: the records (`CatalogueStore`, catalogue.py) and the improved photo
models (`PhotoModelStore`, catalogue_photo_models.py). No Streamlit here.
"""

from __future__ import annotations

import os
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa

from fmnist_demo.catalogue_errors import CatalogueUnavailable
from fmnist_demo.catalogue_schema import ITEMS, MIGRATIONS, SCHEMA_TABLE, SCHEMA_VERSION
from fmnist_demo.i18n import _

DB_ENV_VAR = "FMNIST_CATALOGUE_DB"
DEFAULT_DB_PATH = Path("~/.fmnist-demo/catalogue.sqlite3")
# A save waits at most about (LOCKED_RETRIES + 1) * SQLITE_BUSY_TIMEOUT_S seconds for a SQLite file
# another process holds locked, then says so: a person waiting for a button wants an answer soon.
SQLITE_BUSY_TIMEOUT_S = 2
LOCKED_RETRIES = 1
SCHEMA_WAIT_S = 30  # how long a new SQLite file's creation waits for other processes making it
# A PostgreSQL server (or the network to it) that stops answering must not hang a page: no call
# waits more than DB_SILENCE_S for a byte (connecting, or any statement), and the server itself
# cancels a statement after STATEMENT_TIMEOUT_S (a lock held too long, a runaway query).
DB_SILENCE_S = 3.0
STATEMENT_TIMEOUT_S = 10
CONNECT_TIMEOUT_S = 3  # libpq's own, whole seconds (at least 2)
KEEPALIVE_IDLE_S = 10  # an idle pooled connection to a host that vanished is found out this soon
# After the database did not answer, reads fail at once for this long, so that each rerun of a
# page (Classify asks which photo model is in use) does not wait again. Saves always try.
DOWN_RETRY_S = 15.0


def default_url() -> str:
    """The SQLite file URL from $FMNIST_CATALOGUE_DB, else ~/.fmnist-demo/catalogue.sqlite3."""
    configured = os.environ.get(DB_ENV_VAR, "").strip()
    if "://" in configured:  # a full SQLAlchemy URL
        return configured
    path = Path(configured or DEFAULT_DB_PATH).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogueUnavailable(
            _(
                "The catalogue folder {folder} cannot be created ({reason}). "
                "Set {variable} to a file in a folder the app may write to."
            ).format(folder=path.parent, reason=exc.strerror or exc, variable=DB_ENV_VAR)
        ) from exc
    return f"sqlite:///{path}"


SQLITE_CHECK_EVERY = 100_000  # SQLite instructions between looks at the statement's deadline


def _sqlite_on_connect(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin), so transactions mean what they say.
    dbapi_connection.isolation_level = None
    # A statement running past STATEMENT_TIMEOUT_S is interrupted, as PostgreSQL's server does
    # (waits for another process's lock are bounded by busy_timeout instead).
    deadline = record.info["statement_deadline"] = [float("inf")]
    dbapi_connection.set_progress_handler(
        lambda: time.monotonic() > deadline[0], SQLITE_CHECK_EVERY
    )
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        # WAL: readers never block the writer, and one writer waits for another. A read-only
        # file cannot switch to WAL, and it need not: it is still read as it is.
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc).lower():
                raise
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A write takes the file's write lock at BEGIN, where busy_timeout waits for it, rather than
    # failing when a read transaction later tries to turn into a write one.
    write = conn.get_execution_options().get("catalogue_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_before_execute(conn: sa.Connection, *_args: Any) -> None:
    deadline = conn.info.get("statement_deadline")
    if deadline is not None:
        deadline[0] = time.monotonic() + STATEMENT_TIMEOUT_S


def _listens(listeners: Any, fn: Callable[..., Any]) -> bool:
    """Whether `fn` is among these listeners of this very engine (its pool's or its dialect's).

    Not sa.event.contains(): its register is keyed by id(engine), and an engine freed while its
    dialect or pool lives on (a pooled connection, an error's traceback) leaves its key behind, so
    a new engine made at the same address looked as if it had the listener and went without.
    """
    return fn in list(listeners)


def _prepare_sqlite(engine: sa.Engine) -> None:
    if not _listens(engine.pool.dispatch.connect, _sqlite_on_connect):
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        sa.event.listen(engine, "before_cursor_execute", _sqlite_before_execute)
        engine.dispose()  # connections opened before the listeners would miss them


def _ensure_pre_ping(engine: sa.Engine) -> None:
    # Hosted PostgreSQL services drop idle connections: a pooled connection is tested before use
    # and replaced if dead. An engine made elsewhere (st.connection) may not have asked for that;
    # the pool's own switch is the one create_engine(pool_pre_ping=True) sets.
    if not getattr(engine.pool, "_pre_ping", True):
        engine.pool._pre_ping = True


def _reason(exc: BaseException, otherwise: str | None = None) -> str:
    """Why a database step failed, as the end of a sentence in the visitor's language."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if _not_answering(exc):
        return _("the database did not answer in time; it may be down just now")
    if "locked" in text or "busy" in text:
        return _("the database is busy with another save just now")
    if ("disk" in text and ("full" in text or "i/o" in text)) or "no space" in text:
        return _("the disk is full or cannot be written")
    if "readonly" in text or "read-only" in text or "permission" in text:
        return _("the database may only be read just now, not written to")
    if "unable to open" in text:
        return _("the database file cannot be opened")
    if "no such column" in text or "no such table" in text or "does not exist" in text:
        return _("its tables are not as this app expects (was the database changed by hand?)")
    return otherwise or _("the database cannot be reached")


# What a database that cannot be reached or stopped answering says (libpq, psycopg2, the server).
_NOT_ANSWERING = (
    "did not answer",
    "timeout expired",
    "statement timeout",
    "interrupted",  # SQLite: a statement stopped at STATEMENT_TIMEOUT_S
    "could not connect",
    "connection refused",
    "connection timed out",
    "server closed the connection",
    "could not receive data",
    "could not send data",
    "no route to host",
)


def _not_answering(exc: BaseException) -> bool:
    """True when a failure means the database is unreachable or silent (not busy, not wrong)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(words in text for words in _NOT_ANSWERING)


# Per thread: until when (time.monotonic()) a database that just went silent is not waited for
# again. Without it, the pool's test of a connection fails after DB_SILENCE_S, the pool opens a
# new connection and waits as long again, all within one call.
_SILENT = threading.local()


def _wait_bounded(conn: Any) -> None:
    """psycopg2's wait callback: wait for the server, at most DB_SILENCE_S for each byte.

    libpq itself waits forever on a socket whose peer is alive but silent (a hung host, a proxy
    or firewall that stops forwarding): connect_timeout covers only the connection's start in
    blocking mode, statement_timeout is the server's (its answer is what does not arrive), and
    keepalives and tcp_user_timeout see a live peer whose kernel still acknowledges. This bound
    does not depend on the peer. Raising here makes psycopg2 close the connection.
    """
    import psycopg2
    from psycopg2 import extensions

    silent = psycopg2.OperationalError(f"the database did not answer within {DB_SILENCE_S:g} s")
    if time.monotonic() < getattr(_SILENT, "until", 0.0):
        raise silent
    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        if state == extensions.POLL_READ:
            ready = select.select([conn.fileno()], [], [], DB_SILENCE_S)[0]
        elif state == extensions.POLL_WRITE:
            ready = select.select([], [conn.fileno()], [], DB_SILENCE_S)[1]
        else:
            raise psycopg2.OperationalError(f"unexpected poll state {state}")
        if not ready:
            _SILENT.until = time.monotonic() + DB_SILENCE_S
            raise silent


def _bound_postgres_waits() -> None:
    """Install _wait_bounded for every psycopg2 connection of this process, once."""
    try:
        from psycopg2 import extensions
    except ImportError:  # another driver: its own settings apply
        return
    current = extensions.get_wait_callback()
    if current is None:
        extensions.set_wait_callback(_wait_bounded)


def _postgres_on_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
    """Bounded waits on each new connection, keeping any the deployment set itself."""
    cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    cparams.setdefault("keepalives", 1)
    cparams.setdefault("keepalives_idle", KEEPALIVE_IDLE_S)
    cparams.setdefault("keepalives_interval", KEEPALIVE_IDLE_S)
    cparams.setdefault("keepalives_count", 3)
    from psycopg2 import extensions

    # libpq 12 and later know tcp_user_timeout; older ones refuse the connection with it
    if extensions.libpq_version() >= 120000:
        cparams.setdefault("tcp_user_timeout", int(DB_SILENCE_S * 1000))  # ms, for unsent data
    options = str(cparams.get("options") or "")
    if "statement_timeout" not in options:
        timeout = f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"
        cparams["options"] = f"{options} {timeout}".strip()


def _prepare_postgres(engine: sa.Engine) -> None:
    if engine.dialect.driver != "psycopg2":
        return
    _bound_postgres_waits()
    if not _listens(engine.dialect.dispatch.do_connect, _postgres_on_connect):
        sa.event.listen(engine, "do_connect", _postgres_on_connect)
        engine.dispose()  # connections opened before the listener would miss its settings


def _is_locked(exc: sa.exc.DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def as_utc(moment: datetime | None) -> datetime | None:
    """A moment read from the database, in UTC (None stays None)."""
    # SQLite keeps no time zone: the stored value is UTC.
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class CatalogueDatabase:
    """One catalogue database and its engine, which both stores share; safe across threads and
    processes."""

    def __init__(self, url: str | sa.URL | sa.Engine | None = None) -> None:
        """Open the database at a SQLAlchemy URL or engine; the default is the local SQLite file."""
        if isinstance(url, sa.Engine):
            self._engine = url
            self._owns_engine = False
            _ensure_pre_ping(self._engine)
        else:
            try:
                target = sa.make_url(url if url is not None else default_url())
                kwargs: dict[str, Any] = {"pool_pre_ping": True}
                if target.get_backend_name() == "sqlite":
                    kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
                self._engine = sa.create_engine(target, **kwargs)
            except ImportError as exc:
                raise CatalogueUnavailable(
                    _(
                        "The catalogue database needs a driver that is not installed ({module}); "
                        "for PostgreSQL, add {package} to the requirements."
                    ).format(module=exc.name, package="psycopg2-binary")
                ) from exc
            except sa.exc.ArgumentError as exc:  # its text may hold the password
                raise CatalogueUnavailable(
                    _(
                        "The catalogue database URL cannot be used; check its form, e.g. {example}."
                    ).format(example="postgresql+psycopg2://user:password@host:5432/database")
                ) from exc
            self._owns_engine = True
        if self._engine.dialect.name == "sqlite":
            _prepare_sqlite(self._engine)
        elif self._engine.dialect.name == "postgresql":
            _prepare_postgres(self._engine)
        self._schema_ready = False
        self._down_until = 0.0  # time.monotonic() until which reads fail at once
        self._schema_lock = threading.Lock()

    @property
    def url(self) -> str:
        """Where the records live, with any password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine every store of this database uses."""
        return self._engine

    @property
    def is_sqlite_file(self) -> bool:
        """True when the records live in a local SQLite file (lost with the machine's disk)."""
        return self._engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Close pooled connections (only of an engine this database made)."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _guard(self, failure: str, **values: Any) -> Iterator[None]:
        """Turn database failures into CatalogueUnavailable with a plain message.

        `failure` is the whole sentence, already translated, with a {reason} field (and any of
        `values`): "The catalogue could not read the records: {reason}."
        """
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            if _not_answering(exc):
                self._down_until = time.monotonic() + DOWN_RETRY_S
            raise CatalogueUnavailable(failure.format(reason=_reason(exc), **values)) from exc
        except OSError as exc:
            reason = _reason(exc, otherwise=str(exc.strerror or exc))
            raise CatalogueUnavailable(failure.format(reason=reason, **values)) from exc

    def write(self, failure: str, work: Callable[[sa.Connection], Any], **values: Any) -> Any:
        """Run `work` in one write transaction, retrying once while SQLite is locked."""
        self._ensure_schema()
        with self._guard(failure, **values):
            for attempt in range(LOCKED_RETRIES + 1):
                try:
                    with self._engine.connect() as conn:
                        conn.execution_options(catalogue_write=True)
                        with conn.begin():
                            return work(conn)
                except sa.exc.OperationalError as exc:
                    if attempt == LOCKED_RETRIES or not _is_locked(exc):
                        raise
                    time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, failure: str, work: Callable[[sa.Connection], Any], **values: Any) -> Any:
        """Run `work` in one read transaction (`failure` as in _guard).

        Shortly after the database did not answer, say so at once instead of waiting again.
        """
        if time.monotonic() < self._down_until:
            reason = _("the database did not answer in time; it may be down just now")
            raise CatalogueUnavailable(failure.format(reason=reason, **values))
        self._ensure_schema()
        with self._guard(failure, **values), self._engine.connect() as conn:
            return work(conn)

    def _ensure_schema(self) -> None:
        """Create or migrate the schema once per database; safe when several processes race.

        A database already at this version is only read, so a read-only one still opens. Making
        a new SQLite file waits longer for the lock than a save (up to SCHEMA_WAIT_S): it happens
        once, when every app process may be starting at the same moment.
        """
        if self._schema_ready:
            return
        failure = _("The catalogue could not open its database: {reason}.")
        with self._schema_lock, self._guard(failure):
            if self._schema_ready:
                return
            deadline = time.monotonic() + SCHEMA_WAIT_S
            while True:
                try:
                    self._create_or_migrate()
                    break
                except sa.exc.OperationalError as exc:
                    if not _is_locked(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            self._schema_ready = True

    def _create_or_migrate(self) -> None:
        with self._engine.connect() as conn:
            if self._current_version(conn) == SCHEMA_VERSION:
                return
        with self._engine.connect() as conn:
            conn.execution_options(catalogue_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # One migrator at a time across every app process.
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x464D4E53)))
                SCHEMA_TABLE.create(conn, checkfirst=True)
                version = self._current_version(conn)
                for step in MIGRATIONS[version:]:
                    step(conn)
                if version == 0:
                    conn.execute(SCHEMA_TABLE.insert().values(id=1, version=SCHEMA_VERSION))
                elif version < SCHEMA_VERSION:
                    conn.execute(SCHEMA_TABLE.update().values(version=SCHEMA_VERSION))

    @staticmethod
    def _current_version(conn: sa.Connection) -> int:
        if not sa.inspect(conn).has_table(SCHEMA_TABLE.name):
            return 0
        version = conn.scalar(sa.select(SCHEMA_TABLE.c.version)) or 0
        if version > SCHEMA_VERSION:
            raise CatalogueUnavailable(
                _(
                    "The catalogue database was made by a newer version of this app "
                    "(schema {found}; this app knows up to {known})."
                ).format(found=version, known=SCHEMA_VERSION)
            )
        return version

    def schema_version(self) -> int:
        """The schema version of the database."""
        return self.read(
            _("The catalogue could not read its schema: {reason}."),
            lambda c: c.scalar(sa.select(SCHEMA_TABLE.c.version)),
        )

    def read_only(self) -> bool:
        """True when this app may read the records but not change them (checked each call)."""
        if self.is_sqlite_file:
            url = self._engine.url
            if url.query.get("mode") == "ro" or url.query.get("immutable") == "1":
                return True
            path = (url.database or "").removeprefix("file:").split("?")[0]
            if not path or path == ":memory:":
                return False
            target = Path(path) if Path(path).exists() else Path(path).parent
            return not os.access(target, os.W_OK)

        def ask(conn: sa.Connection) -> bool:
            read_only = conn.scalar(sa.text("SELECT current_setting('transaction_read_only')"))
            may_write = conn.scalar(sa.select(sa.func.has_table_privilege(ITEMS.name, "UPDATE")))
            return read_only == "on" or not may_write

        return self.read(
            _("The catalogue could not check whether it may be changed: {reason}."), ask
        )
