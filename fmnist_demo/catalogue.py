"""The catalogue store: every classified item becomes a record, so the trial can count hits.

SQLAlchemy Core over any database it knows: a SQLite file by default (path from
$FMNIST_CATALOGUE_DB), or PostgreSQL when a deployment passes that URL or engine. The schema is
created on first use and versioned; later changes go in `MIGRATIONS`. No Streamlit here: the
pages wire the shared store in and show the plain-words errors raised below.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np
import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError

from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES

DB_ENV_VAR = "FMNIST_CATALOGUE_DB"
DEFAULT_DB_PATH = Path("~/.fmnist-demo/catalogue.sqlite3")
NAME_MAX_CHARS = 80
NOTE_MAX_CHARS = 500
THUMBNAIL_MAX_SIDE = 256  # pixels
THUMBNAIL_QUALITY = 85  # JPEG quality
SQLITE_BUSY_TIMEOUT_S = 30  # how long one SQLite write waits for another's lock
LOCKED_RETRIES = 3  # extra tries after the busy timeout, for a briefly locked file
CSV_COLUMNS = (
    "id",
    "time",
    "predicted",
    "predicted_name",
    "confidence",
    "confirmed",
    "confirmed_name",
    "name",
    "note",
)


class CatalogueError(ValueError):
    """Something about a catalogue entry or the store is wrong; the message says what, plainly."""


class InvalidEntry(CatalogueError):
    """A field of a catalogue entry (class, confidence, name, note, image) is not acceptable."""


class RecordNotFound(CatalogueError):
    """No record has the given id (it may have been deleted in another session)."""


class CatalogueUnavailable(CatalogueError):
    """The database cannot be read or written just now (busy, disk full, unreachable)."""


# -- schema -------------------------------------------------------------------------------------

METADATA = sa.MetaData()

SCHEMA_TABLE = sa.Table(
    "catalogue_schema",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1: a one-row table
    sa.Column("version", sa.Integer, nullable=False),
)

# The current shape of the items table; the migrations below are what build it.
ITEMS = sa.Table(
    "catalogue_items",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("predicted", sa.SmallInteger, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("confirmed", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(NAME_MAX_CHARS), nullable=False),
    sa.Column("note", sa.String(NOTE_MAX_CHARS), nullable=False),
    sa.Column("model_input", sa.LargeBinary, nullable=True),  # 784 bytes, (28, 28) uint8
    sa.Column("thumbnail", sa.LargeBinary, nullable=True),  # JPEG, longest side <= 256 px
)


def _migrate_to_1(conn: sa.Connection) -> None:
    """Version 1: the items table and its indexes."""
    # A frozen copy of version 1, so that later changes to ITEMS never change this step.
    meta = sa.MetaData()
    items = sa.Table(
        "catalogue_items",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predicted", sa.SmallInteger, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("confirmed", sa.SmallInteger, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("model_input", sa.LargeBinary, nullable=True),
        sa.Column("thumbnail", sa.LargeBinary, nullable=True),
        sa.CheckConstraint("predicted BETWEEN 0 AND 9", name="ck_catalogue_predicted"),
        sa.CheckConstraint("confirmed BETWEEN 0 AND 9", name="ck_catalogue_confirmed"),
        sa.CheckConstraint("confidence BETWEEN 0 AND 1", name="ck_catalogue_confidence"),
        sa.Index("ix_catalogue_items_created_at", "created_at"),
        sa.Index("ix_catalogue_items_confirmed", "confirmed"),
    )
    meta.create_all(conn, tables=[items])


# MIGRATIONS[i] takes the schema from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (_migrate_to_1,)
SCHEMA_VERSION = len(MIGRATIONS)


# -- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRecord:
    """A validated entry, ready to be saved."""

    predicted: int
    confidence: float
    confirmed: int
    name: str = ""
    note: str = ""
    model_input: bytes | None = None  # 784 bytes, (28, 28) uint8
    thumbnail: bytes | None = None  # JPEG


@dataclass(frozen=True)
class CatalogueRecord:
    """One saved catalogue record."""

    id: int
    created_at: datetime  # UTC
    updated_at: datetime  # UTC
    predicted: int
    confidence: float
    confirmed: int
    name: str
    note: str
    model_input: bytes | None = field(default=None, repr=False)
    thumbnail: bytes | None = field(default=None, repr=False)

    @property
    def predicted_name(self) -> str:
        """The class the model said."""
        return CLASS_NAMES[self.predicted]

    @property
    def confirmed_name(self) -> str:
        """The class the person confirmed."""
        return CLASS_NAMES[self.confirmed]

    @property
    def accepted(self) -> bool:
        """True when the person kept the model's class."""
        return self.predicted == self.confirmed

    def image(self) -> np.ndarray | None:
        """The image the model saw, (28, 28) float32 in [0, 1], or None if none was kept."""
        if self.model_input is None:
            return None
        pixels = np.frombuffer(self.model_input, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        return pixels.astype(np.float32) / 255.0  # (28, 28) uint8 -> float32 in [0, 1]


@dataclass(frozen=True)
class ClassResult:
    """The trial's result for the items of one confirmed class."""

    label: int
    name: str
    items: int
    accepted: int  # the model said this class and the person agreed
    corrected: int  # the person changed the model's class to this one

    @property
    def accuracy(self) -> float | None:
        """Share of items the model got right, or None without items."""
        return self.accepted / self.items if self.items else None


@dataclass(frozen=True)
class TrialSummary:
    """How often the model was right, overall and per confirmed class."""

    items: int
    accepted: int
    corrected: int
    per_class: tuple[ClassResult, ...]

    @property
    def accuracy(self) -> float | None:
        """Share of items the model got right, or None without items."""
        return self.accepted / self.items if self.items else None

    def sentence(self) -> str:
        """The result in plain words."""
        if not self.items:
            return "No items have been catalogued yet."
        item_word = "item" if self.items == 1 else "items"
        percent = 100 * self.accepted / self.items
        return (
            f"The model was right for {self.accepted} of {self.items} {item_word} "
            f"({percent:.0f} %)."
        )


# -- validation and images ----------------------------------------------------------------------


def class_label(value: Any) -> int:
    """A class given as label 0-9 or as its name, checked, as an int."""
    if isinstance(value, str) and value in CLASS_NAMES:
        return CLASS_NAMES.index(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidEntry(
            f"The class must be one of the {NUM_CLASSES} clothing classes; got {value!r}."
        )
    if not 0 <= int(value) < NUM_CLASSES:
        raise InvalidEntry(
            f"The class must be a number from 0 to {NUM_CLASSES - 1}; got {int(value)}."
        )
    return int(value)


def _check_confidence(value: Any) -> float:
    try:
        confidence = float(value)
    except (TypeError, ValueError):
        raise InvalidEntry(f"The confidence must be a number; got {value!r}.") from None
    if not 0.0 <= confidence <= 1.0:  # also rejects NaN
        raise InvalidEntry(f"The confidence must be between 0 and 1; got {confidence}.")
    return confidence


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(value: str | None) -> str:
    """The item name or SKU, stripped; empty is allowed, too long or several lines is not."""
    name = (value or "").strip()
    if len(name) > NAME_MAX_CHARS:
        raise InvalidEntry(
            f"The name is too long: at most {NAME_MAX_CHARS} characters (this one has {len(name)})."
        )
    if _CONTROL.search(name):
        raise InvalidEntry("The name must be a single line of text, without tabs or line breaks.")
    return name


def clean_note(value: str | None) -> str:
    """The note, stripped; empty is allowed, too long is not."""
    note = (value or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidEntry(
            f"The note is too long: at most {NOTE_MAX_CHARS} characters (this one has {len(note)})."
        )
    if _CONTROL.search(note.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidEntry("The note contains characters that are not text.")
    return note


def model_input_bytes(image: np.ndarray) -> bytes:
    """The model's (28, 28) float32 input in [0, 1] (or uint8) as 784 bytes."""
    pixels = np.asarray(image)
    if pixels.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise InvalidEntry(
            f"The model's image must be {IMAGE_SIZE} x {IMAGE_SIZE} pixels; "
            f"got shape {pixels.shape}."
        )
    if pixels.dtype == np.uint8:
        return pixels.tobytes()
    pixels = pixels.astype(np.float32)
    if not np.all(np.isfinite(pixels)):
        raise InvalidEntry("The model's image contains values that are not numbers.")
    # (28, 28) float32 in [0, 1] -> (28, 28) uint8
    return np.round(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8).tobytes()


def _open_photo(photo: Any, draft_side: int) -> Image.Image:
    if isinstance(photo, Image.Image):
        return photo
    if hasattr(photo, "getvalue"):  # BytesIO, Streamlit's UploadedFile
        photo = photo.getvalue()
    if not isinstance(photo, (bytes, bytearray, memoryview)):
        raise InvalidEntry("The photo must be image bytes or a picture.")
    try:
        image = Image.open(io.BytesIO(bytes(photo)))
        # A JPEG decodes straight at a fraction of its size: a phone photo in a few ms.
        image.draft("RGB", (draft_side, draft_side))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidEntry("The photo could not be read as an image.") from None
    return image


def make_thumbnail(photo: Any, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    """A JPEG of the photo whose longest side is at most `max_side` pixels."""
    image = ImageOps.exif_transpose(_open_photo(photo, max_side))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    else:
        image = image.copy()
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def thumbnail_from_model_input(pixels_784: bytes, scale: int = 4) -> bytes:
    """A JPEG of the model's 28 x 28 image, enlarged `scale` times, for records without a photo."""
    pixels = np.frombuffer(pixels_784, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
    image = Image.fromarray(pixels, mode="L").resize(
        (IMAGE_SIZE * scale, IMAGE_SIZE * scale), Image.Resampling.NEAREST
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def thumbnail_for(photo: Any, pixels_784: bytes | None) -> bytes | None:
    """The record's JPEG thumbnail: from the photo, else from the model's image, else None."""
    if photo is not None:
        return make_thumbnail(photo)
    if pixels_784 is not None:
        return thumbnail_from_model_input(pixels_784)
    return None


def thumbnail_data_url(jpeg: bytes | None) -> str | None:
    """A data: URL for a JPEG thumbnail, for table image columns; None stays None."""
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def new_record(
    *,
    predicted: Any,
    confidence: Any,
    confirmed: Any = None,
    name: str | None = "",
    note: str | None = "",
    model_input: np.ndarray | None = None,
    photo: Any = None,
    thumbnail: bytes | None = None,
) -> NewRecord:
    """A checked entry; `confirmed` defaults to `predicted`, the thumbnail comes from the photo."""
    predicted_label = class_label(predicted)
    pixels = None if model_input is None else model_input_bytes(model_input)
    if thumbnail is None:
        thumbnail = thumbnail_for(photo, pixels)
    return NewRecord(
        predicted=predicted_label,
        confidence=_check_confidence(confidence),
        confirmed=predicted_label if confirmed is None else class_label(confirmed),
        name=clean_name(name),
        note=clean_note(note),
        model_input=pixels,
        thumbnail=thumbnail,
    )


# -- the store ----------------------------------------------------------------------------------


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
            f"The catalogue folder {path.parent} cannot be created ({exc.strerror or exc}). "
            f"Set {DB_ENV_VAR} to a file in a folder the app may write to."
        ) from exc
    return f"sqlite:///{path}"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin), so transactions mean what they say.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        # WAL: readers never block the writer, and one writer waits for another.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A write takes the file's write lock at BEGIN, where busy_timeout waits for it, rather than
    # failing when a read transaction later tries to turn into a write one.
    write = conn.get_execution_options().get("catalogue_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _prepare_sqlite(engine: sa.Engine) -> None:
    if not sa.event.contains(engine, "connect", _sqlite_on_connect):
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        engine.dispose()  # connections opened before the listeners would miss them


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "locked" in text or "busy" in text:
        return "the database is busy with other saves for too long"
    if ("disk" in text and ("full" in text or "i/o" in text)) or "no space" in text:
        return "the disk is full or cannot be written"
    if "readonly" in text or "read-only" in text or "permission" in text:
        return "the database may not be written to"
    if "unable to open" in text:
        return "the database file cannot be opened"
    return "the database cannot be reached"


def _bytes_or_none(value: Any) -> bytes | None:
    # psycopg2 returns BYTEA as memoryview.
    return None if value is None else bytes(value)


def _not_found(record_id: int) -> RecordNotFound:
    return RecordNotFound(f"There is no catalogue record {record_id}; it may have been deleted.")


def _is_locked(exc: sa.exc.DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


class CatalogueStore:
    """Catalogue records in a SQL database; thread-safe and safe across processes."""

    def __init__(self, url: str | sa.URL | sa.Engine | None = None) -> None:
        """Open the store at a SQLAlchemy URL or engine; the default is the local SQLite file."""
        if isinstance(url, sa.Engine):
            self._engine = url
            self._owns_engine = False
        else:
            try:
                target = sa.make_url(url if url is not None else default_url())
                kwargs: dict[str, Any] = {"pool_pre_ping": True}
                if target.get_backend_name() == "sqlite":
                    kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}}
                self._engine = sa.create_engine(target, **kwargs)
            except ImportError as exc:
                raise CatalogueUnavailable(
                    f"The catalogue database needs a driver that is not installed ({exc.name}); "
                    "for PostgreSQL, add psycopg2-binary to the requirements."
                ) from exc
            except sa.exc.ArgumentError as exc:  # its text may hold the password
                raise CatalogueUnavailable(
                    "The catalogue database URL cannot be used; check its form, "
                    "e.g. postgresql+psycopg2://user:password@host:5432/database."
                ) from exc
            self._owns_engine = True
        if self._engine.dialect.name == "sqlite":
            _prepare_sqlite(self._engine)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @property
    def url(self) -> str:
        """Where the records live, with any password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite_file(self) -> bool:
        """True when the records live in a local SQLite file (lost with the machine's disk)."""
        return self._engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Close pooled connections (only of an engine this store made)."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn database failures into CatalogueUnavailable with a plain message."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise CatalogueUnavailable(
                f"The catalogue could not {action}: {_reason(exc)}."
            ) from exc
        except OSError as exc:
            raise CatalogueUnavailable(
                f"The catalogue could not {action}: {exc.strerror or exc}."
            ) from exc

    def _write(self, action: str, work: Callable[[sa.Connection], Any]) -> Any:
        """Run `work` in one write transaction, retrying briefly while SQLite is locked."""
        self._ensure_schema()
        with self._guard(action):
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

    def _read(self, action: str, work: Callable[[sa.Connection], Any]) -> Any:
        """Run `work` in one read transaction."""
        self._ensure_schema()
        with self._guard(action), self._engine.connect() as conn:
            return work(conn)

    def _ensure_schema(self) -> None:
        """Create or migrate the schema once per store; safe when several processes race."""
        if self._schema_ready:
            return
        with self._schema_lock, self._guard("open its database"):
            if self._schema_ready:
                return
            with self._engine.connect() as conn:
                conn.execution_options(catalogue_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        # One migrator at a time across every app process.
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x464D4E53)))
                    SCHEMA_TABLE.create(conn, checkfirst=True)
                    version = conn.scalar(sa.select(SCHEMA_TABLE.c.version)) or 0
                    if version > SCHEMA_VERSION:
                        raise CatalogueUnavailable(
                            f"The catalogue database was made by a newer version of this app "
                            f"(schema {version}; this app knows up to {SCHEMA_VERSION})."
                        )
                    for step in MIGRATIONS[version:]:
                        step(conn)
                    if version == 0:
                        conn.execute(SCHEMA_TABLE.insert().values(id=1, version=SCHEMA_VERSION))
                    elif version < SCHEMA_VERSION:
                        conn.execute(SCHEMA_TABLE.update().values(version=SCHEMA_VERSION))
            self._schema_ready = True

    def schema_version(self) -> int:
        """The schema version of the database."""
        return self._read("read its schema", lambda c: c.scalar(sa.select(SCHEMA_TABLE.c.version)))

    @staticmethod
    def _record(row: sa.Row) -> CatalogueRecord:
        def utc(moment: datetime) -> datetime:
            # SQLite keeps no time zone: the stored value is UTC.
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

        values = row._mapping
        return CatalogueRecord(
            id=values["id"],
            created_at=utc(values["created_at"]),
            updated_at=utc(values["updated_at"]),
            predicted=values["predicted"],
            confidence=values["confidence"],
            confirmed=values["confirmed"],
            name=values["name"],
            note=values["note"],
            model_input=_bytes_or_none(values.get("model_input")),
            thumbnail=_bytes_or_none(values.get("thumbnail")),
        )

    @staticmethod
    def _where(label: int | None, search: str | None) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if label is not None:
            conditions.append(ITEMS.c.confirmed == class_label(label))
        if search and search.strip():
            # Case-insensitive substring; % and _ typed by the person match themselves.
            conditions.append(ITEMS.c.name.icontains(search.strip(), autoescape=True))
        return conditions

    # -- writing --------------------------------------------------------------------------------

    def add(self, **entry: Any) -> int:
        """Save one entry (the fields of `new_record`) and return its id."""
        return self.add_many([new_record(**entry)])[0]

    def add_many(self, entries: Iterable[NewRecord | Mapping[str, Any]]) -> list[int]:
        """Save several entries in one transaction (all or none) and return their ids in order."""
        records = [e if isinstance(e, NewRecord) else new_record(**e) for e in entries]
        if not records:
            return []
        now = datetime.now(UTC)
        # NewRecord's fields are the table's columns, less the two times
        rows = [{"created_at": now, "updated_at": now, **vars(r)} for r in records]

        def insert(conn: sa.Connection) -> list[int]:
            return [
                conn.execute(ITEMS.insert().values(**row)).inserted_primary_key[0] for row in rows
            ]

        noun = "entry" if len(rows) == 1 else f"{len(rows)} entries"
        return self._write(f"save the {noun}", insert)

    def update(
        self,
        record_id: int,
        *,
        confirmed: Any = None,
        name: str | None = None,
        note: str | None = None,
    ) -> CatalogueRecord:
        """Change a record's confirmed class, name or note (None leaves a field as it is)."""
        values: dict[str, Any] = {}
        if confirmed is not None:
            values["confirmed"] = class_label(confirmed)
        if name is not None:
            values["name"] = clean_name(name)
        if note is not None:
            values["note"] = clean_note(note)
        values["updated_at"] = datetime.now(UTC)

        def change(conn: sa.Connection) -> int:
            query = ITEMS.update().where(ITEMS.c.id == int(record_id)).values(**values)
            return conn.execute(query).rowcount

        if not self._write(f"save the changes to record {record_id}", change):
            raise _not_found(record_id)
        return self.get(record_id)

    def delete(self, record_id: int) -> None:
        """Delete a record for good."""

        def remove(conn: sa.Connection) -> int:
            return conn.execute(ITEMS.delete().where(ITEMS.c.id == int(record_id))).rowcount

        if not self._write(f"delete record {record_id}", remove):
            raise _not_found(record_id)

    # -- reading --------------------------------------------------------------------------------

    def get(self, record_id: int) -> CatalogueRecord:
        """One record by id."""
        query = sa.select(ITEMS).where(ITEMS.c.id == int(record_id))
        row = self._read(f"read record {record_id}", lambda c: c.execute(query).first())
        if row is None:
            raise _not_found(record_id)
        return self._record(row)

    def records(
        self,
        *,
        label: int | None = None,
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        with_images: bool = True,
    ) -> list[CatalogueRecord]:
        """Records newest first, optionally of one confirmed class or with text in the name."""
        columns = list(ITEMS.c) if with_images else [c for c in ITEMS.c if c.name not in _BLOBS]
        query = (
            sa.select(*columns)
            .where(*self._where(label, search))
            .order_by(ITEMS.c.created_at.desc(), ITEMS.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = self._read("read the records", lambda c: c.execute(query).all())
        return [self._record(row) for row in rows]

    def count(self, *, label: int | None = None, search: str | None = None) -> int:
        """How many records there are (of one confirmed class, with a name containing text)."""
        query = sa.select(sa.func.count()).select_from(ITEMS).where(*self._where(label, search))
        return self._read("count the records", lambda c: c.scalar(query))

    def counts_per_class(self) -> dict[int, int]:
        """Records per confirmed class, every class listed (label -> count)."""
        query = sa.select(ITEMS.c.confirmed, sa.func.count()).group_by(ITEMS.c.confirmed)
        rows = self._read("count the records", lambda c: c.execute(query).all())
        counts = dict.fromkeys(range(NUM_CLASSES), 0)
        counts.update({int(label): int(n) for label, n in rows})
        return counts

    def trial_summary(self) -> TrialSummary:
        """How often the model was right, overall and per confirmed class."""
        right = sa.func.sum(sa.case((ITEMS.c.predicted == ITEMS.c.confirmed, 1), else_=0))
        query = sa.select(ITEMS.c.confirmed, sa.func.count(), right).group_by(ITEMS.c.confirmed)
        rows = self._read("summarise the trial", lambda c: c.execute(query).all())
        found = {int(label): (int(n), int(ok or 0)) for label, n, ok in rows}
        per_class = tuple(
            ClassResult(label, CLASS_NAMES[label], items, accepted, items - accepted)
            for label in range(NUM_CLASSES)
            for items, accepted in [found.get(label, (0, 0))]
        )
        items = sum(c.items for c in per_class)
        accepted = sum(c.accepted for c in per_class)
        return TrialSummary(items, accepted, items - accepted, per_class)

    # -- export ---------------------------------------------------------------------------------

    def export_csv(self, *, label: int | None = None, search: str | None = None) -> str:
        """The records as CSV text, newest first, without images."""
        return records_csv(self.records(label=label, search=search, with_images=False))

    def export_zip(self, *, label: int | None = None, search: str | None = None) -> bytes:
        """A ZIP with catalogue.csv and thumbnails/<id>.jpg."""
        records = self.records(label=label, search=search)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("catalogue.csv", records_csv(records))
            for record in records:
                if record.thumbnail:
                    # JPEG is compressed already.
                    archive.writestr(
                        f"thumbnails/{record.id}.jpg",
                        record.thumbnail,
                        zipfile.ZIP_STORED,
                    )
        return out.getvalue()


_BLOBS = ("model_input", "thumbnail")
# A spreadsheet runs a cell that starts with one of these as a formula; such text gets a leading
# apostrophe in the CSV (the spreadsheets' own "this is text" mark), and read_csv takes it off.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _from_csv_text(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def records_csv(records: Iterable[CatalogueRecord]) -> str:
    """Records as CSV text with the columns in CSV_COLUMNS; time is ISO 8601 in UTC."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r.id,
                r.created_at.isoformat(),
                r.predicted,
                r.predicted_name,
                repr(r.confidence),  # repr round-trips a float exactly
                r.confirmed,
                r.confirmed_name,
                _csv_text(r.name),
                _csv_text(r.note),
            ]
        )
    return out.getvalue()


def read_csv(text: str | bytes) -> list[dict[str, Any]]:
    """Rows of an exported CSV with their types back (int, float, datetime, str)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        rows.append(
            {
                "id": int(row["id"]),
                "time": datetime.fromisoformat(row["time"]),
                "predicted": int(row["predicted"]),
                "predicted_name": row["predicted_name"],
                "confidence": float(row["confidence"]),
                "confirmed": int(row["confirmed"]),
                "confirmed_name": row["confirmed_name"],
                "name": _from_csv_text(row["name"]),
                "note": _from_csv_text(row["note"]),
            }
        )
    return rows


def table_rows(records: Iterable[CatalogueRecord]) -> list[dict[str, Any]]:
    """Records as plain rows for a table: thumbnail as a data: URL, times in UTC."""
    return [
        {
            "id": r.id,
            "photo": thumbnail_data_url(r.thumbnail),
            "time": r.created_at,
            "predicted": r.predicted_name,
            "confidence": r.confidence,
            "confirmed": r.confirmed_name,
            "right": r.accepted,
            "name": r.name,
            "note": r.note,
        }
        for r in records
    ]
