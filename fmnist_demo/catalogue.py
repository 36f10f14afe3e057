"""The catalogue store: every classified item becomes a record, so the trial can count hits.

`CatalogueStore` adds, changes, deletes and restores records and reads them back: lists,
searches, counts and the trial's summary. Several staff may edit at once: every record carries a
version, a save names the version it started from, and a save that would undo someone else's
newer change is refused (`EditConflict`). Deleting moves a record to the bin, from which it can
be restored for `BIN_KEEP_DAYS` days. The store holds a `CatalogueDatabase`
(catalogue_database.py: the engine, its bounded waits, the schema) and, over that same database,
its `photo_models`: a `PhotoModelStore` (catalogue_photo_models.py) that keeps the improved photo
models. Values and checks are in catalogue_records.py, the errors in catalogue_errors.py. No
Streamlit here: the pages wire the shared store in and show the plain-words errors raised below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import sqlalchemy as sa

from fmnist_demo.catalogue_database import CatalogueDatabase, as_utc
from fmnist_demo.catalogue_errors import RecordNotFound
from fmnist_demo.catalogue_photo_models import PhotoModelStore
from fmnist_demo.catalogue_records import (
    BENGALI_DIGITS,
    EDITABLE_FIELDS,
    WESTERN_DIGITS,
    CatalogueRecord,
    ClassResult,
    EditConflict,
    NewRecord,
    RecordDeleted,
    TrialSummary,
    class_label,
    clean_name,
    clean_note,
    new_record,
    western_digits,
)
from fmnist_demo.catalogue_schema import ITEMS
from fmnist_demo.data import CLASS_NAMES, NUM_CLASSES
from fmnist_demo.i18n import N_, _, ngettext

BIN_KEEP_DAYS = 30  # a deleted record can be restored for this long, then it is removed for good
# How a sentence names each field ("Someone else changed the name of record #5"), translated on use.
FIELD_WORDS = {"confirmed": N_("the kind"), "name": N_("the name"), "note": N_("the note")}
_BLOBS = ("model_input", "thumbnail")


def _with_western_digits(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The column's text with Bengali digits read as Western ones, in SQL (SQLite and PostgreSQL
    both have replace()), so a search compares what the person means, not the script."""
    text = column
    for bengali, western in zip(BENGALI_DIGITS, WESTERN_DIGITS, strict=True):
        text = sa.func.replace(text, bengali, western, type_=sa.String)
    return text


def _bytes_or_none(value: Any) -> bytes | None:
    # psycopg2 returns BYTEA as memoryview.
    return None if value is None else bytes(value)


def _not_found(record_id: int) -> RecordNotFound:
    return RecordNotFound(
        _("There is no catalogue record {record}; it may have been deleted.").format(
            record=record_id
        )
    )


def _field_list(fields: Iterable[str]) -> str:
    words = [_(FIELD_WORDS[f]) for f in fields]
    if len(words) == 1:
        return words[0]
    # NOTE: a list of fields, e.g. "the kind, the name and the note": {items} are all but the last.
    return _("{items} and {last}").format(items=", ".join(words[:-1]), last=words[-1])


class CatalogueStore:
    """Catalogue records in a SQL database; thread-safe and safe across processes."""

    def __init__(
        self, database: CatalogueDatabase | str | sa.URL | sa.Engine | None = None
    ) -> None:
        """The records in `database`, or in one opened at a URL or engine (None: the local file)."""
        if not isinstance(database, CatalogueDatabase):
            database = CatalogueDatabase(database)
        self.database = database
        # the improved photo models, over this same database: one engine, one "down" memory
        self.photo_models = PhotoModelStore(database)

    @property
    def url(self) -> str:
        """Where the records live, with any password hidden."""
        return self.database.url

    @property
    def is_sqlite_file(self) -> bool:
        """True when the records live in a local SQLite file (lost with the machine's disk)."""
        return self.database.is_sqlite_file

    def read_only(self) -> bool:
        """True when this app may read the records but not change them (checked each call)."""
        return self.database.read_only()

    def close(self) -> None:
        """Close the database's pooled connections (only of an engine it made)."""
        self.database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @staticmethod
    def _record(row: sa.Row) -> CatalogueRecord:
        values = row._mapping
        return CatalogueRecord(
            id=values["id"],
            created_at=as_utc(values["created_at"]),
            updated_at=as_utc(values["updated_at"]),
            predicted=values["predicted"],
            confidence=values["confidence"],
            confirmed=values["confirmed"],
            name=values["name"],
            note=values["note"],
            version=values["version"],
            file_name=values["file_name"],
            deleted_at=as_utc(values["deleted_at"]),
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
        return self.database.write(failure, insert, n=len(rows))

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

        return self.database.write(
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

        return self.database.write(
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

        return self.database.write(
            _("The catalogue could not restore record {record}: {reason}."),
            bring_back,
            record=record_id,
        )

    def empty_bin(self, *, older_than: timedelta = timedelta(0)) -> int:
        """Remove for good the records deleted more than `older_than` ago; return how many."""
        cutoff = datetime.now(UTC) - older_than

        def purge(conn: sa.Connection) -> int:
            return conn.execute(ITEMS.delete().where(ITEMS.c.deleted_at <= cutoff)).rowcount

        return self.database.write(_("The catalogue could not empty the bin: {reason}."), purge)

    # -- reading --------------------------------------------------------------------------------

    def get(self, record_id: int, *, include_deleted: bool = False) -> CatalogueRecord:
        """One record by id; a deleted one raises RecordDeleted unless `include_deleted`."""
        query = sa.select(ITEMS).where(ITEMS.c.id == int(record_id))
        row = self.database.read(
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
        rows = self.database.read(
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
        rows = self.database.read(
            _("The catalogue could not read the bin: {reason}."), lambda c: c.execute(query).all()
        )
        return [self._record(row) for row in rows]

    def count(self, *, label: int | None = None, search: str | None = None) -> int:
        """How many records there are (of one confirmed class, with a name containing text)."""
        query = sa.select(sa.func.count()).select_from(ITEMS).where(*self._where(label, search))
        return self.database.read(
            _("The catalogue could not count the records: {reason}."), lambda c: c.scalar(query)
        )

    def counts_per_class(self) -> dict[int, int]:
        """Records per confirmed class, every class listed (label -> count)."""
        query = (
            sa.select(ITEMS.c.confirmed, sa.func.count())
            .where(*self._where(None, None))
            .group_by(ITEMS.c.confirmed)
        )
        rows = self.database.read(
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
        rows = self.database.read(
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
        return self.database.read(
            _("The catalogue could not read the confirmed items: {reason}."),
            lambda c: c.execute(query).all(),
        )
