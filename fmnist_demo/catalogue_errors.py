"""What can go wrong with the catalogue, as errors that say it in plain words.

Every catalogue module raises these (a `ValueError` subclass each): a field people typed that is
not acceptable, a record someone else deleted or changed meanwhile, a database that cannot be
reached. The message is built with `_()` where the error is raised, in the visitor's script
thread, so in the visitor's language; the pages show it as it is. The two that carry the record
as it is now (`RecordDeleted`, `EditConflict`) stand beside the record in catalogue_records.py.
"""

from __future__ import annotations


class CatalogueError(ValueError):
    """Something about a catalogue entry or the store is wrong; the message says what, plainly."""


class InvalidEntry(CatalogueError):
    """A field of a catalogue entry (class, confidence, name, note, image) is not acceptable."""


class RecordNotFound(CatalogueError):
    """No record has the given id (it may have been deleted in another session)."""


class CatalogueUnavailable(CatalogueError):
    """The database cannot be read or written just now (busy, disk full, unreachable)."""
