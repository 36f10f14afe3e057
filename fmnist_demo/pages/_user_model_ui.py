"""The visitor's own trained model on the pages: kept in their session, collected when their
training ends, and found again after a reload through a token in the page's address (`?model=`).

The values themselves (`UserModel`, `TrainingOutcome`) and the server's store are in
fmnist_demo.user_model; here they meet the session state and the address.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

from fmnist_demo.formatting import percent
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._dataset import dataset
from fmnist_demo.pages._training_slot import training_slot
from fmnist_demo.pages._visitor_time import visitor_clock
from fmnist_demo.user_model import (
    KEEP_MODEL_S,
    YOURS,
    UserModel,
    UserModelStore,
    finished_training,
)

USER_MODEL_KEY = "user_model"  # this visitor's trained model: a UserModel
MODEL_CHOICE_KEY = "model_choice"  # "shipped" or "yours" on Results; training sets "yours"
MODEL_GONE_KEY = "user_model_gone"  # set when the page's URL names a model the server no longer has
MODEL_PARAM = "model"  # query parameter holding the token of this browser's trained model
JOB_KEY = "train_job"  # this visitor's TrainingJob while it runs
# The token this browser's model will be kept under, chosen when its first training starts: it
# goes into the address at once, and the training slot records it as the training's owner, so a
# reload during the training finds the training (and, when it ends, its model) as its own.
TOKEN_KEY = "model_token"
RESULT_KEY = "train_result"  # the outcome of this visitor's last training: a TrainingOutcome


@st.cache_resource
def user_model_store() -> UserModelStore:
    """The server's one store of visitors' trained models."""
    return UserModelStore()


def model_token() -> str:
    """The token this browser's trained model is kept under: its model's, or a new one kept for
    the model its training will make."""
    state = st.session_state
    user = state.get(USER_MODEL_KEY)
    if user is not None and user.token:
        return user.token
    if TOKEN_KEY not in state:
        state[TOKEN_KEY] = secrets.token_urlsafe(12)
    return state[TOKEN_KEY]


def own_token() -> str | None:
    """This browser's model token if it has one yet (a model, or a training started), else None."""
    user = st.session_state.get(USER_MODEL_KEY)
    if user is not None and user.token:
        return user.token
    return st.session_state.get(TOKEN_KEY)


def keep_model_across_reloads() -> None:
    """Keep this browser's model token in the page's URL, or restore the model a reload lost.

    Called by the entry on every run: page changes drop the URL's query parameters, so the token
    is written back each time; a fresh session (a reload) finds its model again through it, or
    its training still running (or ended and not yet collected) in the server's slot.
    """
    state = st.session_state
    user = state.get(USER_MODEL_KEY)
    token = st.query_params.get(MODEL_PARAM)
    if user is not None:
        if user.token:
            if token != user.token:
                st.query_params[MODEL_PARAM] = user.token
            store = user_model_store()
            if store.get(user.token) is None:  # in use here, so kept (again) for a reload
                store.put(user.token, user)
        return
    if JOB_KEY in state and state.get(TOKEN_KEY):  # training here, its model not made yet
        if token != state[TOKEN_KEY]:
            st.query_params[MODEL_PARAM] = state[TOKEN_KEY]
        return
    if not token:
        return
    found = user_model_store().get(token)
    if found is None:
        job = training_slot().job_of(token)
        if job is not None:  # a reload while this browser's training runs: it is still ours
            state[TOKEN_KEY] = token
            state[JOB_KEY] = job
            return
        state[MODEL_GONE_KEY] = True
        del st.query_params[MODEL_PARAM]
        return
    state[USER_MODEL_KEY] = found
    state.setdefault(MODEL_CHOICE_KEY, YOURS)
    if found.outcome is not None:  # how its training went, for Train live to show again
        state.setdefault(RESULT_KEY, found.outcome)


def user_model_in_session() -> UserModel | None:
    """This visitor's trained model from the session, its Keras model made if it was restored."""
    user = st.session_state.get(USER_MODEL_KEY)
    if user is not None and user.model is None:
        user = st.session_state[USER_MODEL_KEY] = user.with_model()
    return user


def current_user_model(say_if_gone: bool = True) -> UserModel | None:
    """This visitor's trained model, restored after a reload when possible, else None.

    When the page's address named a model the server no longer keeps, says so (say_if_gone).
    """
    collect_training()
    keep_model_across_reloads()
    user = user_model_in_session()
    if user is None and say_if_gone and st.session_state.get(MODEL_GONE_KEY):
        hours = KEEP_MODEL_S // 3600
        st.info(
            ngettext(
                "The model you trained earlier is no longer kept: the server keeps a trained "
                "model for {hours} hour after it was last used, in the browser it was trained "
                "in. The shipped model is used instead; train a new one on **{page}** whenever "
                "you like.",
                "The model you trained earlier is no longer kept: the server keeps a trained "
                "model for {hours} hours after it was last used, in the browser it was trained "
                "in. The shipped model is used instead; train a new one on **{page}** whenever "
                "you like.",
                hours,
            ).format(hours=hours, page=_("Train live")),
            icon=":material/history:",
        )
    return user


def remember_user_model(user: UserModel) -> None:
    """Keep this visitor's trained model (session, server store, URL) and show it on Results.

    Classify keeps the shipped photo model until the visitor picks theirs there.
    """
    st.session_state[USER_MODEL_KEY] = user
    st.session_state.pop(MODEL_GONE_KEY, None)
    st.session_state[MODEL_CHOICE_KEY] = YOURS
    user_model_store().put(user.token, user)
    st.query_params[MODEL_PARAM] = user.token


def collect_training() -> None:
    """Once this visitor's background training has ended, keep its outcome in their session."""
    job = st.session_state.get(JOB_KEY)
    if job is None or not job.done.is_set():
        return
    del st.session_state[JOB_KEY]
    outcome, user = finished_training(
        job, lambda: dataset()[1], token=model_token(), trained_at=visitor_clock(time.time())
    )
    st.session_state[RESULT_KEY] = outcome
    if user is not None:
        remember_user_model(user)


def user_model_label(user: UserModel) -> str:
    """'your model, trained at 14:05, right on 87 % of the test pictures'."""
    if user.test_accuracy is None:
        return _("your model, trained at {time}").format(time=user.trained_at)
    return _("your model, trained at {time}, right on {accuracy} of the test pictures").format(
        time=user.trained_at, accuracy=percent(user.test_accuracy)
    )
