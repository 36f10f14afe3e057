"""What can go wrong with the catalogue, as errors that say it in plain words.

Every catalogue module raises these (a `ValueError` subclass each): a field people typed that is
not acceptable, a record someone else deleted or changed meanwhile, a database that cannot be
reached. The message is built with `_()` where the error is raised, in the visitor's script
thread, so in the visitor's language; the pages show it as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmnist_demo.catalogue_records import CatalogueRecord


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
