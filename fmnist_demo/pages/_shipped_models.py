"""The models shipped with the app (the chapter's and the photo model) and their model cards,
loaded once per server and shared read-only by every visitor.

Keras is imported only when a page first asks for a model, so pages that only show data stay
light; each load says what it does with an `st.spinner` inside the cached function (see
`_dataset`), in the language of the visitor who waits for it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_demo.assets import DEFAULT_MODEL_PATH, PHOTO_MODEL_PATH, ShippedCard, read_card
from fmnist_demo.i18n import _


@st.cache_resource(show_spinner=False)
def shipped_model() -> Any:
    """The shipped chapter model (128 hidden units), shared read-only."""
    with st.spinner(_("Loading the shipped model…")):
        from fmnist_demo.model import load_default_model

        return load_default_model()


@st.cache_resource(show_spinner=False)
def shipped_photo_model() -> Any:
    """The shipped model for real photos, shared read-only."""
    with st.spinner(_("Loading the shipped photo model…")):
        from fmnist_demo.model import load_photo_model

        return load_photo_model()


@st.cache_data(show_spinner=False)
def shipped_card(photo: bool = False) -> ShippedCard:
    """What the card of the shipped chapter model, or of the photo model, says of it."""
    return ShippedCard.of(read_card(PHOTO_MODEL_PATH if photo else DEFAULT_MODEL_PATH))
