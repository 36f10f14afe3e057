"""Which model a page uses, the shipped one or the visitor's own: the choice, and its name for
a person ("Active model: …")."""

from __future__ import annotations

import streamlit as st

from fmnist_demo.formatting import percent
from fmnist_demo.i18n import _
from fmnist_demo.pages._shipped_models import shipped_card, shipped_model
from fmnist_demo.pages._user_model_ui import MODEL_CHOICE_KEY, current_user_model, user_model_label
from fmnist_demo.user_model import SHIPPED, YOURS, ActiveModel


def _shipped_label() -> str:
    accuracy = shipped_card().test_accuracy
    if accuracy is None:
        return _("shipped model")
    return _("{model}, right on {accuracy} of the test pictures").format(
        model=_("shipped model"), accuracy=percent(accuracy)
    )


def chapter_model_choice(key: str) -> ActiveModel:
    """Show which model is active (the shipped chapter model or the visitor's) and return it."""
    user = current_user_model()
    shipped = ActiveModel(loaded=None, label=_shipped_label(), origin=SHIPPED)
    choice = st.session_state.get(MODEL_CHOICE_KEY, SHIPPED)
    if user is not None:
        labels = {
            SHIPPED: shipped.label.capitalize(),
            YOURS: user_model_label(user).capitalize(),
        }

        def _keep_choice() -> None:
            st.session_state[MODEL_CHOICE_KEY] = st.session_state[key]

        # The widget's own state is dropped when the page changes; MODEL_CHOICE_KEY survives.
        st.session_state[key] = choice
        choice = st.radio(
            _("Model in use"),
            options=[YOURS, SHIPPED],
            format_func=labels.get,
            key=key,
            horizontal=True,
            on_change=_keep_choice,
        )
    if choice == YOURS and user is not None:
        label = user_model_label(user)
        st.caption(
            ":material/model_training: " + _("Active model: **{model}**").format(model=label)
        )
        return ActiveModel(loaded=user.model, label=label, origin=YOURS, user=user)
    st.caption(
        ":material/inventory_2: " + _("Active model: **{model}**").format(model=shipped.label)
    )
    shipped.load = shipped_model
    return shipped
