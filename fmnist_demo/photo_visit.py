"""A visitor's photos on Classify: each photo's verdict and the catalogue choices not yet saved,
kept in the session and, for a page reload, in a `ReloadStore` under the visit's token.

Mutable on purpose: the store holds the same `Visit` as the session, so what changes later (a
choice made, a photo added or removed) is kept for a reload too. No Streamlit here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fmnist_demo.photo_model import PhotoResult

KEEP_VISIT_PHOTOS = 48  # photos kept per visit, the oldest dropped first


@dataclass
class KeptPhoto:
    """One photo of the visit: its name for a person, the photo model's answer, and the state of
    its catalogue controls (the kind picked, whether it was saved)."""

    name: str
    result: PhotoResult
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Visit:
    """This visit's photos by file id, oldest first, and the token they are kept under."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    photos: dict[str, KeptPhoto] = field(default_factory=dict)

    def add(self, file_id: str, name: str, result: PhotoResult) -> bool:
        """Keep a new photo, dropping the oldest beyond KEEP_VISIT_PHOTOS; False when the photo
        is kept already."""
        if file_id in self.photos:
            return False
        self.photos[file_id] = KeptPhoto(name, result)
        while len(self.photos) > KEEP_VISIT_PHOTOS:
            del self.photos[next(iter(self.photos))]
        return True

    def remove(self, file_id: str) -> None:
        """Forget one photo (the Remove button)."""
        self.photos.pop(file_id, None)

    def newest_first(self) -> list[str]:
        """The file ids, the newest photo first."""
        return list(reversed(self.photos))
