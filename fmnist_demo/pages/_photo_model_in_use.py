"""Which photo model every visitor classifies with: the improved model adopted in the
catalogue's database, or the shipped one (`active_photo_model()`, Classify's), and how it is
named and why when a chosen model cannot be used (`resolve_in_use()`, the Catalogue page's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from fmnist_demo import i18n
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_photo_models import PhotoModelEntry
from fmnist_demo.formatting import percent
from fmnist_demo.i18n import _
from fmnist_demo.pages._catalogue_store import get_store
from fmnist_demo.pages._shipped_models import shipped_card, shipped_photo_model
from fmnist_demo.pages._visitor_time import visitor_clock, visitor_zone
from fmnist_demo.taught_models import (
    model_from_bytes,
    read_card,
    summary_sentence,
)

ADOPTED_TTL_S = 10  # how long one server process trusts its reading of which model is in use


# -- the photo model in use ---------------------------------------------------------------------


@st.cache_data(ttl=ADOPTED_TTL_S, show_spinner=False)
def _adopted_entry(store_url: str) -> PhotoModelEntry | None:
    # store_url keys the cache per database; the store itself is the page layer's shared one.
    return get_store().photo_models.adopted_photo_model()


@st.cache_resource(show_spinner=False, max_entries=2)
def _load_improved(store_url: str, model_id: int) -> Any | None:
    # None for bytes that are no usable photo model: damage that stays, so it is cached too.
    # A database that fails to answer raises, and is not cached: it may answer next time.
    from fmnist_demo.model import ModelUnavailable

    data = get_store().photo_models.photo_model_bytes(model_id)
    try:
        return model_from_bytes(data)
    except ModelUnavailable:
        return None


def _improved_model(store_url: str, model_id: int) -> Any | None:
    """An improved model from the database, loaded once per server and per model id; None when
    its row holds no usable photo model."""
    # the spinner outside the cache: its words are the visitor's, the model is everyone's
    with st.spinner(_("Loading the improved photo model…")):
        return _load_improved(store_url, model_id)


def shipped_description() -> str:
    """How the shipped photo model is named to a person, with how right it is on real photos."""
    card = shipped_card(photo=True)
    if card.unseen_accuracy is None:
        return _("the shipped photo model, learnt from Fashion-MNIST and real phone photos")
    if card.unseen_sure_accuracy is None:
        return _(
            "the shipped photo model, learnt from Fashion-MNIST and real phone photos; right on "
            "{percent} of phone photos it never saw"
        ).format(percent=percent(card.unseen_accuracy))
    return _(
        "the shipped photo model, learnt from Fashion-MNIST and real phone photos; right on "
        "{percent} of phone photos it never saw, and on {sure_percent} of those it calls sure"
    ).format(percent=percent(card.unseen_accuracy), sure_percent=percent(card.unseen_sure_accuracy))


@dataclass(frozen=True)
class ModelInUse:
    """The photo model every visitor classifies with, and the story both pages tell about it."""

    model: Any
    description: str  # how to name it in plain words
    entry: PhotoModelEntry | None  # the improved model in use; None: the shipped one
    chosen: PhotoModelEntry | None  # the row chosen in the catalogue, usable or not
    problem: str | None = None  # why the shipped model is used instead of the chosen one

    @property
    def shipped(self) -> bool:
        """Whether the shipped model is the one in use."""
        return self.entry is None


def _unusable_note(chosen: PhotoModelEntry) -> str:
    day = chosen.created_at.astimezone(visitor_zone())
    return _(
        "The improved photo model chosen in the catalogue (kept on {date} at {time}) cannot be "
        "used: its record in the database is damaged or was written by another version of the "
        "app. Every visitor gets the shipped photo model until staff choose another model or go "
        "back to the shipped one on the Catalogue page."
    ).format(date=i18n.day_and_month(day.day, day.month), time=visitor_clock(chosen.created_at))


def _database_note() -> str:
    return _(
        "The catalogue's database cannot be read just now, so every photo is classified with "
        "the shipped photo model."
    )


def _shipped(chosen: PhotoModelEntry | None, problem: str | None) -> ModelInUse:
    return ModelInUse(shipped_photo_model(), shipped_description(), None, chosen, problem)


def resolve_in_use(store: CatalogueStore | None, chosen: PhotoModelEntry | None) -> ModelInUse:
    """The model to use when `chosen` is the row adopted in `store`: it, when its card and its
    model can be read and are of the right shape; otherwise the shipped model, with a note."""
    if store is None or chosen is None:
        return _shipped(chosen, None)
    card = read_card(chosen.card)
    if card is None:
        return _shipped(chosen, _unusable_note(chosen))
    try:
        model = _improved_model(store.url, chosen.id)
    except Exception:  # the database failed meanwhile: nothing is lost, the shipped model works
        return _shipped(chosen, _database_note())
    if model is None:
        return _shipped(chosen, _unusable_note(chosen))
    return ModelInUse(model, summary_sentence(card, visitor_zone()), chosen, chosen)


def photo_model_in_use() -> ModelInUse:
    """What every visitor classifies with: the improved model adopted in the catalogue when it can
    be used, else the shipped one (with a note saying why, when a chosen model cannot be used or
    the database cannot be read). Never raises for anything the database does."""
    try:
        store = get_store()
        chosen = _adopted_entry(store.url)
    except Exception:  # any failure of the database (error, timeout): classify with ours
        return _shipped(None, _database_note())
    return resolve_in_use(store, chosen)


def active_photo_model() -> tuple[Any, str]:
    """(the photo model every visitor classifies with, how to name it in plain words).

    See photo_model_in_use; when the chosen model cannot be used, a plain note says so here.
    """
    in_use = photo_model_in_use()
    if in_use.problem:
        st.info(in_use.problem, icon=":material/info:")
    return in_use.model, in_use.description


def forget_in_use() -> None:
    """Make this server process read again which photo model is in use."""
    _adopted_entry.clear()
