"""The catalogue's tables and how a database is brought up to them: the schema and its migrations.

One SQLAlchemy `METADATA` holds the current shape of every table: the records (`ITEMS`), the
improved photo models (`PHOTO_MODELS`) and a one-row table with the schema's version. A database
is built, or brought up to date, by running `MIGRATIONS[version:]` in order; each step keeps a
frozen copy of what it makes, so later changes to the tables never change a shipped step. A new
change is a new step appended here. No queries here: catalogue.py and catalogue_photo_models.py
read and write the tables, catalogue_database.py runs the migrations.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from fmnist_demo.catalogue_records import FILE_NAME_MAX_CHARS, NAME_MAX_CHARS, NOTE_MAX_CHARS

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
