"""The catalogue store: every classified item becomes a record, so the trial can count hits.

SQLAlchemy Core over any database it knows: a SQLite file by default (path from
$FMNIST_CATALOGUE_DB), or PostgreSQL when a deployment passes that URL or engine. The schema is
created on first use and versioned; later changes go in `MIGRATIONS`. Several staff may edit at
once: every record carries a version, a save names the version it started from, and a save that
would undo someone else's newer change is refused (`EditConflict`). Deleting moves a record to the
bin, from which it can be restored for `BIN_KEEP_DAYS` days. No Streamlit here: the pages wire the
shared store in and show the plain-words errors raised below, which are built with `_()` where they
are raised (in the visitor's script thread, so in the visitor's language). Kinds are stored and
exported by label and by the chapter's English names; people read them through `data.kind_name()`.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PureWindowsPath
from typing import Any, Self

import numpy as np
import sqlalchemy as sa
from PIL import Image

from fmnist_demo import i18n
from fmnist_demo import photo as photo_pipeline
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES
from fmnist_demo.formatting import percent
from fmnist_demo.i18n import N_, _, ngettext

DB_ENV_VAR = "FMNIST_CATALOGUE_DB"
DEFAULT_DB_PATH = Path("~/.fmnist-demo/catalogue.sqlite3")
NAME_MAX_CHARS = 80
NOTE_MAX_CHARS = 500
THUMBNAIL_MAX_SIDE = 256  # pixels
THUMBNAIL_QUALITY = 85  # JPEG quality
FILE_NAME_MAX_CHARS = 255
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
BIN_KEEP_DAYS = 30  # a deleted record can be restored for this long, then it is removed for good
EDITABLE_FIELDS = ("confirmed", "name", "note")
# How a sentence names each field ("Someone else changed the name of record #5"), translated on use.
FIELD_WORDS = {"confirmed": N_("the kind"), "name": N_("the name"), "note": N_("the note")}


class CatalogueError(ValueError):
    """Something about a catalogue entry or the store is wrong; the message says what, plainly."""


class InvalidEntry(CatalogueError):
    """A field of a catalogue entry (class, confidence, name, note, image) is not acceptable."""


class RecordNotFound(CatalogueError):
    """No record has the given id (it may have been deleted in another session)."""


class RecordDeleted(RecordNotFound):
    """The record was deleted (it is in the bin); `record` is how it was when deleted."""

    def __init__(self, message: str, record: CatalogueRecord) -> None:
        super().__init__(message)
        self.record = record


class EditConflict(CatalogueError):
    """Someone else saved a newer change to the same fields; nothing was written.

    `current` is the record as it is now, `fields` the fields both changed.
    """

    def __init__(self, message: str, current: CatalogueRecord, fields: tuple[str, ...]) -> None:
        super().__init__(message)
        self.current = current
        self.fields = fields


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
    # Version 2: one more with every change; NULL until deleted; the photo's own file name.
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("file_name", sa.String(FILE_NAME_MAX_CHARS), nullable=False, server_default=""),
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


def _migrate_to_2(conn: sa.Connection) -> None:
    """Version 2: a version per record (no lost edits), soft delete (the bin), the file name."""
    # Types written for this dialect, frozen here like version 1's table.
    moment = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    text = sa.String(255).compile(dialect=conn.dialect)
    for column in (
        "version INTEGER NOT NULL DEFAULT 1",
        f"deleted_at {moment}",
        f"file_name {text} NOT NULL DEFAULT ''",
    ):
        conn.exec_driver_sql(f"ALTER TABLE catalogue_items ADD COLUMN {column}")
    conn.exec_driver_sql(
        "CREATE INDEX ix_catalogue_items_deleted_at ON catalogue_items (deleted_at)"
    )


# Version 3: photo models improved from the catalogue, kept as blobs with their cards, because a
# hosted app's disk is wiped on restart. At most one is adopted (adopted_at set): the photo model
# every visitor's Classify page uses; none adopted means the shipped model.
PHOTO_MODELS = sa.Table(
    "catalogue_photo_models",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("card", sa.Text, nullable=False),  # JSON: date, records used, before/after figures
    sa.Column("model", sa.LargeBinary, nullable=False),  # the .keras file's bytes
    sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True),
)
KEEP_PHOTO_MODELS = 3  # improved models kept besides the adopted one (about 1 MB each)
ANY_IN_USE = object()  # save_photo_model's default: adopt whichever model is in use


def _migrate_to_3(conn: sa.Connection) -> None:
    """Version 3: the improved photo models and which one is in use."""
    meta = sa.MetaData()
    table = sa.Table(
        "catalogue_photo_models",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("model", sa.LargeBinary, nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True),
    )
    meta.create_all(conn, tables=[table])


# MIGRATIONS[i] takes the schema from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
)
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
    file_name: str = ""  # the photo's own file name, if it had one


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
    version: int = 1  # one more with every saved change
    file_name: str = ""
    deleted_at: datetime | None = None  # UTC; set while the record is in the bin
    model_input: bytes | None = field(default=None, repr=False)
    thumbnail: bytes | None = field(default=None, repr=False)

    @property
    def predicted_name(self) -> str:
        """The class the model said, by the chapter's English name (people read kind_name())."""
        return CLASS_NAMES[self.predicted]

    @property
    def confirmed_name(self) -> str:
        """The class the person confirmed, by the chapter's English name."""
        return CLASS_NAMES[self.confirmed]

    @property
    def accepted(self) -> bool:
        """True when the person kept the model's class."""
        return self.predicted == self.confirmed

    def fields(self) -> dict[str, Any]:
        """The fields staff can change (EDITABLE_FIELDS) and their values."""
        return {name: getattr(self, name) for name in EDITABLE_FIELDS}

    def image(self) -> np.ndarray | None:
        """The image the model saw, (28, 28) float32 in [0, 1], or None if none was kept."""
        if self.model_input is None:
            return None
        pixels = np.frombuffer(self.model_input, dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        return pixels.astype(np.float32) / 255.0  # (28, 28) uint8 -> float32 in [0, 1]


@dataclass(frozen=True)
class PhotoModelEntry:
    """An improved photo model kept in the database: its card, and whether it is in use."""

    id: int
    created_at: datetime  # UTC
    card: dict[str, Any] | None  # None when the stored card is not a JSON object (damaged)
    adopted_at: datetime | None = None  # UTC; set while every visitor uses it

    @property
    def adopted(self) -> bool:
        """Whether this is the photo model in use."""
        return self.adopted_at is not None


@dataclass(frozen=True)
class ClassResult:
    """The trial's result for the items of one confirmed class."""

    label: int
    name: str  # the chapter's English name; people read data.kind_name(label)
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
        """The result in plain words, in the visitor's language."""
        if not self.items:
            return _("No items have been catalogued yet.")
        return ngettext(
            "The model was right for {right} of {total} item ({share}).",
            "The model was right for {right} of {total} items ({share}).",
            self.items,
        ).format(right=self.accepted, total=self.items, share=percent(self.accepted / self.items))


# -- validation and images ----------------------------------------------------------------------


def _label_of_name(name: str) -> int | None:
    """The label of a kind named in English or in any language the app speaks, else None."""
    if name in CLASS_NAMES:
        return CLASS_NAMES.index(name)
    # A table filled in one language may be saved after the visitor switched to the other.
    for code in i18n.LANGUAGES:
        names = [i18n.translations(code).gettext(english) for english in CLASS_NAMES]
        if name in names:
            return names.index(name)
    return None


def class_label(value: Any) -> int:
    """A class given as label 0-9 or as its name (in any of the app's languages), as an int."""
    if isinstance(value, str) and (label := _label_of_name(value)) is not None:
        return label
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidEntry(
            _("The kind must be one of the {count} kinds of clothing; got {value}.").format(
                count=NUM_CLASSES, value=repr(value)
            )
        )
    if not 0 <= int(value) < NUM_CLASSES:
        raise InvalidEntry(
            _("The kind must be a number from 0 to {last}; got {value}.").format(
                last=NUM_CLASSES - 1, value=int(value)
            )
        )
    return int(value)


def _check_confidence(value: Any) -> float:
    try:
        confidence = float(value)
    except (TypeError, ValueError):
        raise InvalidEntry(
            _("The confidence must be a number; got {value}.").format(value=repr(value))
        ) from None
    if not 0.0 <= confidence <= 1.0:  # also rejects NaN
        raise InvalidEntry(
            _("The confidence must be between 0 and 1; got {value}.").format(value=confidence)
        )
    return confidence


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BENGALI_DIGITS = "০১২৩৪৫৬৭৮৯"  # U+09E6-U+09EF, as Bengali keyboards type them
WESTERN_DIGITS = "0123456789"
_TO_WESTERN = str.maketrans(BENGALI_DIGITS, WESTERN_DIGITS)


def western_digits(text: str) -> str:
    """'জিন্স প্যান্ট ৩২' -> 'জিন্স প্যান্ট 32': how a search compares digits (names stay as typed)."""
    return text.translate(_TO_WESTERN)


def _with_western_digits(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The column's text with Bengali digits read as Western ones, in SQL (SQLite and PostgreSQL
    both have replace()), so a search compares what the person means, not the script."""
    text = column
    for bengali, western in zip(BENGALI_DIGITS, WESTERN_DIGITS, strict=True):
        text = sa.func.replace(text, bengali, western, type_=sa.String)
    return text


def clean_name(value: str | None) -> str:
    """The item name or SKU, stripped; empty is allowed, too long or several lines is not."""
    name = (value or "").strip()
    if len(name) > NAME_MAX_CHARS:
        raise InvalidEntry(
            _("The name is too long: at most {limit} characters (this one has {length}).").format(
                limit=NAME_MAX_CHARS, length=len(name)
            )
        )
    if _CONTROL.search(name):
        raise InvalidEntry(
            _("The name must be a single line of text, without tabs or line breaks.")
        )
    return name


def clean_note(value: str | None) -> str:
    """The note, stripped; empty is allowed, too long is not."""
    note = (value or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidEntry(
            _("The note is too long: at most {limit} characters (this one has {length}).").format(
                limit=NOTE_MAX_CHARS, length=len(note)
            )
        )
    if _CONTROL.search(note.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidEntry(_("The note contains characters that are not text."))
    return note


def clean_file_name(value: str | None) -> str:
    """The photo's file name without any folder, single-line and at most FILE_NAME_MAX_CHARS."""
    # Browsers send a bare name, but an old browser or a script may send C:\\Users\\...\\x.jpg.
    name = PureWindowsPath(str(value or "")).name
    name = _CONTROL.sub(" ", name).strip()
    return name[:FILE_NAME_MAX_CHARS]


def model_input_bytes(image: np.ndarray) -> bytes:
    """The model's (28, 28) float32 input in [0, 1] (or uint8) as 784 bytes."""
    pixels = np.asarray(image)
    if pixels.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise InvalidEntry(
            _("The model's image must be {size} x {size} pixels; got shape {shape}.").format(
                size=IMAGE_SIZE, shape=pixels.shape
            )
        )
    if pixels.dtype == np.uint8:
        return pixels.tobytes()
    pixels = pixels.astype(np.float32)
    if not np.all(np.isfinite(pixels)):
        raise InvalidEntry(_("The model's image contains values that are not numbers."))
    # (28, 28) float32 in [0, 1] -> (28, 28) uint8
    return np.round(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8).tobytes()


def make_thumbnail(photo: Any, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    """A JPEG of the photo whose longest side is at most `max_side` pixels.

    It is made from the pixels the classifying pipeline decodes (upright, 16-bit and float
    pictures scaled to 8 bits, transparency on white, memory bounded), so the kept photo is the
    one the model was shown, never a clipped white or black square.
    """
    if hasattr(photo, "getvalue"):  # BytesIO, Streamlit's UploadedFile
        photo = photo.getvalue()
    if not isinstance(photo, (bytes, bytearray, memoryview, Image.Image)):
        raise InvalidEntry(_("The photo must be image bytes or a picture."))
    try:
        rgb, _alpha = photo_pipeline.decode(photo)  # (H, W, 3) uint8, longest side <= 480
    except photo_pipeline.PhotoError as exc:  # says why: not a picture, too large, damaged
        unreadable = _("The photo could not be read as an image.")
        raise InvalidEntry(f"{unreadable} {exc}") from None
    image = Image.fromarray(rgb, "RGB")
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
    file_name: str | None = "",
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
        file_name=clean_file_name(file_name),
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


def _prepare_sqlite(engine: sa.Engine) -> None:
    if not sa.event.contains(engine, "connect", _sqlite_on_connect):
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
    if not sa.event.contains(engine, "do_connect", _postgres_on_connect):
        sa.event.listen(engine, "do_connect", _postgres_on_connect)
        engine.dispose()  # connections opened before the listener would miss its settings


def _bytes_or_none(value: Any) -> bytes | None:
    # psycopg2 returns BYTEA as memoryview.
    return None if value is None else bytes(value)


def _not_found(record_id: int) -> RecordNotFound:
    return RecordNotFound(
        _("There is no catalogue record {record}; it may have been deleted.").format(
            record=record_id
        )
    )


def _is_locked(exc: sa.exc.DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite keeps no time zone: the stored value is UTC.
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _field_list(fields: Iterable[str]) -> str:
    words = [_(FIELD_WORDS[f]) for f in fields]
    if len(words) == 1:
        return words[0]
    # NOTE: a list of fields, e.g. "the kind, the name and the note": {items} are all but the last.
    return _("{items} and {last}").format(items=", ".join(words[:-1]), last=words[-1])


class CatalogueStore:
    """Catalogue records in a SQL database; thread-safe and safe across processes."""

    def __init__(self, url: str | sa.URL | sa.Engine | None = None) -> None:
        """Open the store at a SQLAlchemy URL or engine; the default is the local SQLite file."""
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
        """The SQLAlchemy engine the store uses."""
        return self._engine

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

    def _write(self, failure: str, work: Callable[[sa.Connection], Any], **values: Any) -> Any:
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

    def _read(self, failure: str, work: Callable[[sa.Connection], Any], **values: Any) -> Any:
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
        """Create or migrate the schema once per store; safe when several processes race.

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
        return self._read(
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

        return self._read(
            _("The catalogue could not check whether it may be changed: {reason}."), ask
        )

    @staticmethod
    def _record(row: sa.Row) -> CatalogueRecord:
        values = row._mapping
        return CatalogueRecord(
            id=values["id"],
            created_at=_utc(values["created_at"]),
            updated_at=_utc(values["updated_at"]),
            predicted=values["predicted"],
            confidence=values["confidence"],
            confirmed=values["confirmed"],
            name=values["name"],
            note=values["note"],
            version=values["version"],
            file_name=values["file_name"],
            deleted_at=_utc(values["deleted_at"]),
            model_input=_bytes_or_none(values.get("model_input")),
            thumbnail=_bytes_or_none(values.get("thumbnail")),
        )

    @staticmethod
    def _where(label: int | None, search: str | None) -> list[sa.ColumnElement[bool]]:
        conditions = [ITEMS.c.deleted_at.is_(None)]
        if label is not None:
            conditions.append(ITEMS.c.confirmed == class_label(label))
        if search and search.strip():
            # Case-insensitive substring; % and _ typed by the person match themselves. Digits
            # match in either script on both sides: "৩২" typed finds "32" saved, and the other way.
            needle = western_digits(search.strip())
            conditions.append(_with_western_digits(ITEMS.c.name).icontains(needle, autoescape=True))
        return conditions

    def _locked_row(self, conn: sa.Connection, record_id: int) -> CatalogueRecord:
        """The record, locked for this write transaction (any bin state); RecordNotFound if none."""
        columns = [c for c in ITEMS.c if c.name not in _BLOBS]
        query = sa.select(*columns).where(ITEMS.c.id == int(record_id)).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise _not_found(record_id)
        return self._record(row)

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
        # NewRecord's fields are the table's columns, less the two times and the version
        rows = [{"created_at": now, "updated_at": now, "version": 1, **vars(r)} for r in records]

        def insert(conn: sa.Connection) -> list[int]:
            return [
                conn.execute(ITEMS.insert().values(**row)).inserted_primary_key[0] for row in rows
            ]

        failure = ngettext(
            "The catalogue could not save the entry: {reason}.",
            "The catalogue could not save the {n} entries: {reason}.",
            len(rows),
        )
        return self._write(failure, insert, n=len(rows))

    def update(
        self,
        record_id: int,
        *,
        based_on: CatalogueRecord | None = None,
        confirmed: Any = None,
        name: str | None = None,
        note: str | None = None,
    ) -> CatalogueRecord:
        """Change a record's confirmed class, name or note (None leaves a field as it is).

        `based_on` is the record as the person saw it when they began: only the fields they
        changed from it are written, and if someone else has since changed one of those same
        fields to something else, nothing is written and EditConflict says so. Changes to other
        fields by others are kept. Without `based_on`, the given fields are written as they are.
        """
        wanted: dict[str, Any] = {}
        if confirmed is not None:
            wanted["confirmed"] = class_label(confirmed)
        if name is not None:
            wanted["name"] = clean_name(name)
        if note is not None:
            wanted["note"] = clean_note(note)
        if based_on is not None:
            if based_on.id != int(record_id):
                raise ValueError("based_on must be the same record")
            wanted = {k: v for k, v in wanted.items() if getattr(based_on, k) != v}

        def change(conn: sa.Connection) -> CatalogueRecord:
            current = self._locked_row(conn, record_id)
            if current.deleted_at is not None:
                raise RecordDeleted(
                    _(
                        "Record #{record} was deleted by someone else, so your changes were not "
                        "saved. It is in the bin: restore it there to edit it again."
                    ).format(record=record_id),
                    current,
                )
            if based_on is not None and current.version != based_on.version:
                clashes = tuple(
                    k
                    for k, v in wanted.items()
                    if getattr(current, k) != getattr(based_on, k) and getattr(current, k) != v
                )
                if clashes:
                    raise EditConflict(
                        _(
                            "Someone else changed {fields} of record #{record} after you opened "
                            "it. Your changes were not saved, so that theirs are not lost."
                        ).format(fields=_field_list(clashes), record=record_id),
                        current,
                        clashes,
                    )
            changes = {k: v for k, v in wanted.items() if getattr(current, k) != v}
            if not changes:
                return current
            conn.execute(
                ITEMS.update()
                .where(ITEMS.c.id == current.id, ITEMS.c.version == current.version)
                .values(**changes, version=current.version + 1, updated_at=datetime.now(UTC))
            )
            return self._locked_row(conn, record_id)

        return self._write(
            _("The catalogue could not save the changes to record {record}: {reason}."),
            change,
            record=record_id,
        )

    def delete(self, record_id: int, *, based_on: CatalogueRecord | None = None) -> CatalogueRecord:
        """Move a record to the bin (restore() brings it back); return it as deleted.

        With `based_on`, a record someone else changed since is not deleted (EditConflict), so
        nobody deletes what they have not seen. Records in the bin for more than BIN_KEEP_DAYS
        are removed for good.
        """
        now = datetime.now(UTC)

        def remove(conn: sa.Connection) -> CatalogueRecord:
            current = self._locked_row(conn, record_id)
            if current.deleted_at is not None:
                raise RecordDeleted(
                    _(
                        "Record #{record} was already deleted by someone else; it is in the bin."
                    ).format(record=record_id),
                    current,
                )
            if based_on is not None and current.version != based_on.version:
                changed = tuple(
                    k for k in EDITABLE_FIELDS if getattr(current, k) != getattr(based_on, k)
                )
                raise EditConflict(
                    _(
                        "Someone else changed record #{record} after you opened it, so it was "
                        "not deleted. Look at it as it is now, and delete it again if you still "
                        "mean to."
                    ).format(record=record_id),
                    current,
                    changed,
                )
            conn.execute(
                ITEMS.update()
                .where(ITEMS.c.id == current.id)
                .values(deleted_at=now, version=current.version + 1, updated_at=now)
            )
            conn.execute(
                ITEMS.delete().where(ITEMS.c.deleted_at < now - timedelta(days=BIN_KEEP_DAYS))
            )
            return self._locked_row(conn, record_id)

        return self._write(
            _("The catalogue could not delete record {record}: {reason}."), remove, record=record_id
        )

    def restore(self, record_id: int) -> CatalogueRecord:
        """Bring a record back from the bin (a record not in the bin is left as it is)."""

        def bring_back(conn: sa.Connection) -> CatalogueRecord:
            current = self._locked_row(conn, record_id)
            if current.deleted_at is None:
                return current
            conn.execute(
                ITEMS.update()
                .where(ITEMS.c.id == current.id)
                .values(deleted_at=None, version=current.version + 1, updated_at=datetime.now(UTC))
            )
            return self._locked_row(conn, record_id)

        return self._write(
            _("The catalogue could not restore record {record}: {reason}."),
            bring_back,
            record=record_id,
        )

    def empty_bin(self, *, older_than: timedelta = timedelta(0)) -> int:
        """Remove for good the records deleted more than `older_than` ago; return how many."""
        cutoff = datetime.now(UTC) - older_than

        def purge(conn: sa.Connection) -> int:
            return conn.execute(ITEMS.delete().where(ITEMS.c.deleted_at <= cutoff)).rowcount

        return self._write(_("The catalogue could not empty the bin: {reason}."), purge)

    # -- reading --------------------------------------------------------------------------------

    def get(self, record_id: int, *, include_deleted: bool = False) -> CatalogueRecord:
        """One record by id; a deleted one raises RecordDeleted unless `include_deleted`."""
        query = sa.select(ITEMS).where(ITEMS.c.id == int(record_id))
        row = self._read(
            _("The catalogue could not read record {record}: {reason}."),
            lambda c: c.execute(query).first(),
            record=record_id,
        )
        if row is None:
            raise _not_found(record_id)
        record = self._record(row)
        if record.deleted_at is not None and not include_deleted:
            raise RecordDeleted(
                _("Record #{record} was deleted; it is in the bin.").format(record=record_id),
                record,
            )
        return record

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
        rows = self._read(
            _("The catalogue could not read the records: {reason}."),
            lambda c: c.execute(query).all(),
        )
        return [self._record(row) for row in rows]

    def binned(self, *, limit: int | None = None) -> list[CatalogueRecord]:
        """Records in the bin, most recently deleted first (with their thumbnails)."""
        query = (
            sa.select(*[c for c in ITEMS.c if c.name != "model_input"])
            .where(ITEMS.c.deleted_at.is_not(None))
            .order_by(ITEMS.c.deleted_at.desc(), ITEMS.c.id.desc())
            .limit(limit)
        )
        rows = self._read(
            _("The catalogue could not read the bin: {reason}."), lambda c: c.execute(query).all()
        )
        return [self._record(row) for row in rows]

    def count(self, *, label: int | None = None, search: str | None = None) -> int:
        """How many records there are (of one confirmed class, with a name containing text)."""
        query = sa.select(sa.func.count()).select_from(ITEMS).where(*self._where(label, search))
        return self._read(
            _("The catalogue could not count the records: {reason}."), lambda c: c.scalar(query)
        )

    def counts_per_class(self) -> dict[int, int]:
        """Records per confirmed class, every class listed (label -> count)."""
        query = (
            sa.select(ITEMS.c.confirmed, sa.func.count())
            .where(*self._where(None, None))
            .group_by(ITEMS.c.confirmed)
        )
        rows = self._read(
            _("The catalogue could not count the records: {reason}."),
            lambda c: c.execute(query).all(),
        )
        counts = dict.fromkeys(range(NUM_CLASSES), 0)
        counts.update({int(label): int(n) for label, n in rows})
        return counts

    def trial_summary(self) -> TrialSummary:
        """How often the model was right, overall and per confirmed class."""
        right = sa.func.sum(sa.case((ITEMS.c.predicted == ITEMS.c.confirmed, 1), else_=0))
        query = (
            sa.select(ITEMS.c.confirmed, sa.func.count(), right)
            .where(*self._where(None, None))
            .group_by(ITEMS.c.confirmed)
        )
        rows = self._read(
            _("The catalogue could not summarise the trial: {reason}."),
            lambda c: c.execute(query).all(),
        )
        found = {int(label): (int(n), int(ok or 0)) for label, n, ok in rows}
        per_class = tuple(
            ClassResult(label, CLASS_NAMES[label], items, accepted, items - accepted)
            for label in range(NUM_CLASSES)
            for items, accepted in [found.get(label, (0, 0))]
        )
        items = sum(c.items for c in per_class)
        accepted = sum(c.accepted for c in per_class)
        return TrialSummary(items, accepted, items - accepted, per_class)

    def teaching_rows(self) -> list[sa.Row]:
        """Records not deleted that keep their picture: id, version, confirmed, model_input."""
        query = (
            sa.select(ITEMS.c.id, ITEMS.c.version, ITEMS.c.confirmed, ITEMS.c.model_input)
            .where(ITEMS.c.deleted_at.is_(None), ITEMS.c.model_input.is_not(None))
            .order_by(ITEMS.c.id)
        )
        return self._read(
            _("The catalogue could not read the confirmed items: {reason}."),
            lambda c: c.execute(query).all(),
        )

    # -- improved photo models ------------------------------------------------------------------

    @staticmethod
    def _photo_entry(row: sa.Row) -> PhotoModelEntry:
        values = row._mapping
        return PhotoModelEntry(
            id=values["id"],
            created_at=_utc(values["created_at"]),
            card=_card_of(values["card"]),
            adopted_at=_utc(values["adopted_at"]),
        )

    def save_photo_model(
        self,
        model: bytes,
        card: Mapping[str, Any],
        *,
        adopt: bool,
        in_use_was: int | object | None = ANY_IN_USE,
    ) -> int:
        """Keep an improved photo model and its card; with `adopt`, every visitor uses it.

        With `in_use_was` (a kept model's id, or None for the shipped model) it is adopted only
        if that is still the model in use; otherwise it is kept without being used and its card
        says so ("in_use_changed": true). The card of an adopted model lists when ("adoptions",
        UTC times). Older models nobody uses are removed, keeping the newest KEEP_PHOTO_MODELS.
        """
        now = datetime.now(UTC)

        def work(conn: sa.Connection) -> int:
            saved = dict(card)
            adopting = adopt
            if adopting and in_use_was is not ANY_IN_USE:
                # Every row locked (PostgreSQL; SQLite holds the file's write lock): a choice
                # made at this moment waits for us, or we see it.
                rows = conn.execute(
                    sa.select(PHOTO_MODELS.c.id, PHOTO_MODELS.c.adopted_at).with_for_update()
                ).all()
                adopted = [r for r in rows if r.adopted_at is not None]
                in_use = max(adopted, key=lambda r: _utc(r.adopted_at)).id if adopted else None
                if in_use != in_use_was:
                    adopting, saved["in_use_changed"] = False, True
            if adopting:
                saved["adoptions"] = [now.isoformat(timespec="seconds")]
                conn.execute(PHOTO_MODELS.update().values(adopted_at=None))
            new_id = conn.execute(
                PHOTO_MODELS.insert().values(
                    created_at=now,
                    card=json.dumps(saved),
                    model=bytes(model),
                    adopted_at=now if adopting else None,
                )
            ).inserted_primary_key[0]
            keep = (
                sa.select(PHOTO_MODELS.c.id)
                .order_by(PHOTO_MODELS.c.id.desc())
                .limit(KEEP_PHOTO_MODELS)
                .scalar_subquery()
            )
            conn.execute(
                PHOTO_MODELS.delete().where(
                    PHOTO_MODELS.c.adopted_at.is_(None), PHOTO_MODELS.c.id.not_in(keep)
                )
            )
            return int(new_id)

        return self._write(
            _("The catalogue could not keep the improved photo model: {reason}."), work
        )

    def photo_models(self) -> list[PhotoModelEntry]:
        """The improved photo models kept, newest first (cards only, no model bytes)."""
        columns = [c for c in PHOTO_MODELS.c if c.name != "model"]
        query = sa.select(*columns).order_by(PHOTO_MODELS.c.id.desc())
        rows = self._read(
            _("The catalogue could not read the improved photo models: {reason}."),
            lambda c: c.execute(query).all(),
        )
        return [self._photo_entry(row) for row in rows]

    def adopted_photo_model(self) -> PhotoModelEntry | None:
        """The improved photo model every visitor uses, or None for the shipped one."""
        columns = [c for c in PHOTO_MODELS.c if c.name != "model"]
        query = sa.select(*columns).where(PHOTO_MODELS.c.adopted_at.is_not(None))
        query = query.order_by(PHOTO_MODELS.c.adopted_at.desc()).limit(1)
        row = self._read(
            _("The catalogue could not read which photo model is in use: {reason}."),
            lambda c: c.execute(query).first(),
        )
        return None if row is None else self._photo_entry(row)

    def photo_model_bytes(self, model_id: int) -> bytes:
        """The .keras bytes of a kept improved model; RecordNotFound when it is gone."""
        query = sa.select(PHOTO_MODELS.c.model).where(PHOTO_MODELS.c.id == int(model_id))
        data = self._read(
            _("The catalogue could not read the improved photo model: {reason}."),
            lambda c: c.scalar(query),
        )
        if data is None:
            raise RecordNotFound(
                _("The improved photo model {model} is no longer kept.").format(model=model_id)
            )
        return bytes(data)

    def adopt_photo_model(self, model_id: int | None) -> None:
        """Make a kept improved model the one every visitor uses; None: back to the shipped one.

        The moment is added to the model's card ("adoptions"), for the history of models.
        """

        def work(conn: sa.Connection) -> None:
            if model_id is not None:
                stored = conn.execute(
                    sa.select(PHOTO_MODELS.c.card).where(PHOTO_MODELS.c.id == int(model_id))
                ).first()
                if stored is None:
                    raise RecordNotFound(
                        _("The improved photo model {model} is no longer kept.").format(
                            model=model_id
                        )
                    )
            now = datetime.now(UTC)
            conn.execute(PHOTO_MODELS.update().values(adopted_at=None))
            if model_id is not None:
                values: dict[str, Any] = {"adopted_at": now}
                card = _card_of(stored.card)
                if card is not None:  # a damaged card is left as it is
                    times = card.get("adoptions")
                    times = list(times) if isinstance(times, list) else []
                    card["adoptions"] = [*times, now.isoformat(timespec="seconds")]
                    values["card"] = json.dumps(card)
                conn.execute(
                    PHOTO_MODELS.update().where(PHOTO_MODELS.c.id == int(model_id)).values(**values)
                )

        self._write(_("The catalogue could not change the photo model in use: {reason}."), work)


def _card_of(text: Any) -> dict[str, Any] | None:
    """A stored model card as a dict, or None when it is not a JSON object (a damaged row)."""
    try:
        card = json.loads(text)
    except (TypeError, ValueError):
        return None
    return card if isinstance(card, dict) else None


_BLOBS = ("model_input", "thumbnail")
