"""The improved photo models kept in the catalogue's database, and which one every visitor uses.

A photo model the trial taught from the catalogue is kept as the .keras file's bytes with its
card (JSON: when, from which records, the figures before and after), because a hosted app's disk
is wiped on restart. At most one is adopted: the photo model every visitor's Classify page uses;
none adopted means the shipped model. The newest KEEP_PHOTO_MODELS are kept besides the adopted
one. `PhotoModelStore` queries a `CatalogueDatabase` (catalogue_database.py) it is given: the
one the records' `CatalogueStore` holds too, as its `photo_models`, so both share one engine, the
same transactions, locks and memory of a database that is down. No Streamlit here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fmnist_demo.catalogue_database import CatalogueDatabase, as_utc
from fmnist_demo.catalogue_errors import RecordNotFound
from fmnist_demo.catalogue_schema import PHOTO_MODELS
from fmnist_demo.i18n import _

KEEP_PHOTO_MODELS = 3  # improved models kept besides the adopted one (about 1 MB each)
ANY_IN_USE = object()  # save_photo_model's default: adopt whichever model is in use


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


class PhotoModelStore:
    """The improved photo models in the database: keep, list, load and adopt them."""

    def __init__(self, database: CatalogueDatabase) -> None:
        """The improved photo models kept in `database` (shared with the records' store)."""
        self.database = database

    @staticmethod
    def _photo_entry(row: sa.Row) -> PhotoModelEntry:
        values = row._mapping
        return PhotoModelEntry(
            id=values["id"],
            created_at=as_utc(values["created_at"]),
            card=_card_of(values["card"]),
            adopted_at=as_utc(values["adopted_at"]),
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
                in_use = max(adopted, key=lambda r: as_utc(r.adopted_at)).id if adopted else None
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

        return self.database.write(
            _("The catalogue could not keep the improved photo model: {reason}."), work
        )

    def photo_models(self) -> list[PhotoModelEntry]:
        """The improved photo models kept, newest first (cards only, no model bytes)."""
        columns = [c for c in PHOTO_MODELS.c if c.name != "model"]
        query = sa.select(*columns).order_by(PHOTO_MODELS.c.id.desc())
        rows = self.database.read(
            _("The catalogue could not read the improved photo models: {reason}."),
            lambda c: c.execute(query).all(),
        )
        return [self._photo_entry(row) for row in rows]

    def adopted_photo_model(self) -> PhotoModelEntry | None:
        """The improved photo model every visitor uses, or None for the shipped one."""
        columns = [c for c in PHOTO_MODELS.c if c.name != "model"]
        query = sa.select(*columns).where(PHOTO_MODELS.c.adopted_at.is_not(None))
        query = query.order_by(PHOTO_MODELS.c.adopted_at.desc()).limit(1)
        row = self.database.read(
            _("The catalogue could not read which photo model is in use: {reason}."),
            lambda c: c.execute(query).first(),
        )
        return None if row is None else self._photo_entry(row)

    def photo_model_bytes(self, model_id: int) -> bytes:
        """The .keras bytes of a kept improved model; RecordNotFound when it is gone."""
        query = sa.select(PHOTO_MODELS.c.model).where(PHOTO_MODELS.c.id == int(model_id))
        data = self.database.read(
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

        self.database.write(
            _("The catalogue could not change the photo model in use: {reason}."), work
        )


def _card_of(text: Any) -> dict[str, Any] | None:
    """A stored model card as a dict, or None when it is not a JSON object (a damaged row)."""
    try:
        card = json.loads(text)
    except (TypeError, ValueError):
        return None
    return card if isinstance(card, dict) else None
