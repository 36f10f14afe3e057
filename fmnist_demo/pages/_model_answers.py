"""The active model's answers on the 10,000 test pictures, for Results and the quiz: the shipped
model's worked out once per server, the visitor's once per model and session.

The spinners are inside the functions, not in the cache decorators, whose words would be fixed in
the language of the first visitor who imported this module.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_demo.assets import DEFAULT_MODEL_PATH
from fmnist_demo.dense_forward import NotAChapterModel, chapter_probabilities
from fmnist_demo.i18n import _
from fmnist_demo.pages._dataset import dataset
from fmnist_demo.pages._shipped_models import shipped_model
from fmnist_demo.user_model import ActiveModel

PROBS_KEY = "test_probs"  # (the visitor's model, its (10000, 10) test probabilities)


@st.cache_resource(show_spinner=False)
def shipped_test_probs() -> np.ndarray:
    """The shipped model's probabilities for every test picture, shared read-only: (10000, 10)."""
    with st.spinner(_("The shipped model is looking at the 10,000 test images…")):
        _train, (x_test, _labels) = dataset()
        try:  # in numpy: no TensorFlow to import on a first visit
            return chapter_probabilities(DEFAULT_MODEL_PATH, x_test)
        except NotAChapterModel:
            from fmnist_demo.model import predict_proba

            return predict_proba(shipped_model(), x_test)


def active_test_probs(active: ActiveModel) -> np.ndarray:
    """The active model's (10000, 10) test probabilities, computed once per model and session."""
    if active.shipped:
        return shipped_test_probs()
    memo = st.session_state.get(PROBS_KEY)  # (model, probabilities): the model kept alive
    if memo is None or memo[0] is not active.model:  # ... so a new one is never taken for it
        from fmnist_demo.model import predict_proba

        with st.spinner(_("Your model is looking at the 10,000 test images…")):
            memo = (active.model, predict_proba(active.model, dataset()[1][0]))
        st.session_state[PROBS_KEY] = memo
    return memo[1]
