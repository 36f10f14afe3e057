"""Page-layer wiring shared by the pages: cached dataset and models, the active model, the slot.

Package modules never import Streamlit; this is where their results meet Streamlit's caches and
each visitor's session state. Keras is imported lazily so pages that only show data stay light.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo.assets import DEFAULT_MODEL_PATH, PHOTO_MODEL_PATH, read_card
from fmnist_demo.data import TRAIN_SIZE, DatasetUnavailable, load_fashion_mnist

USER_MODEL_KEY = "user_model"  # this visitor's trained model: a dict, see remember_user_model()
MODEL_CHOICE_KEY = "model_choice"  # "shipped" or "yours", shared by every page that classifies
JOB_KEY = "train_job"  # this visitor's TrainingJob while it runs
RESULT_KEY = "train_result"  # the outcome of this visitor's last training: a dict


@st.cache_resource(show_spinner="Loading the 70,000 Fashion-MNIST images…")
def dataset() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The dataset arrays, loaded once per server and shared read-only by all visitors."""
    return load_fashion_mnist()


def dataset_problem(exc: DatasetUnavailable) -> str:
    """What to tell a person when the images are missing."""
    return f"The Fashion-MNIST images are not available. {exc}"


def dataset_or_message() -> tuple | None:
    """The dataset, or None after telling the person in plain words why it is missing."""
    try:
        return dataset()
    except DatasetUnavailable as exc:
        st.error(dataset_problem(exc), icon=":material/error:")
        return None


@st.cache_resource(show_spinner="Loading the shipped model…")
def shipped_model() -> Any:
    """The shipped chapter model (128 hidden units), shared read-only."""
    from fmnist_demo.model import load_default_model

    return load_default_model()


@st.cache_resource(show_spinner="Loading the shipped photo model…")
def shipped_photo_model() -> Any:
    """The shipped model for real photos, shared read-only."""
    from fmnist_demo.model import load_photo_model

    return load_photo_model()


@st.cache_data(show_spinner=False)
def shipped_card(photo: bool = False) -> dict:
    """The model card of a shipped model, with "is_photo_model" added."""
    is_photo = photo and PHOTO_MODEL_PATH.is_file()
    return {
        **read_card(PHOTO_MODEL_PATH if is_photo else DEFAULT_MODEL_PATH),
        "is_photo_model": is_photo,
    }


@dataclass
class ActiveModel:
    """The model a page classifies with, and how to name it to a person."""

    model: Any
    label: str
    kind: str  # "shipped" or "yours"


def session_id() -> str:
    """A stable id for this visitor's session."""
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex
    return st.session_state["session_id"]


def remember_user_model(
    model: Any,
    *,
    hidden_units: int,
    epochs: int,
    train_acc: float | None,
    test_acc: float | None,
    samples: int = TRAIN_SIZE,
) -> None:
    """Keep this visitor's trained model in their session and make it the active one."""
    st.session_state[USER_MODEL_KEY] = {
        "model": model,
        "trained_at": dt.datetime.now().strftime("%H:%M"),
        "hidden_units": hidden_units,
        "epochs": epochs,
        "samples": samples,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
    }
    st.session_state[MODEL_CHOICE_KEY] = "yours"


def collect_training() -> None:
    """Once this visitor's background training has ended, keep its outcome in their session."""
    job = st.session_state.get(JOB_KEY)
    if job is None or not job.done.is_set():
        return
    del st.session_state[JOB_KEY]
    from fmnist_demo.model import accuracy

    if job.trainer.model is None:  # failed before the model was built
        st.session_state[RESULT_KEY] = {"history": [], "error": job.error or "unknown"}
        return
    result = job.result()
    _, (x_test, y_test) = dataset()
    test_acc = accuracy(result.model, x_test, y_test) if result.history else None
    st.session_state[RESULT_KEY] = {
        "history": [
            {"epoch": h.epoch, "loss": h.loss, "accuracy": h.accuracy, "seconds": h.seconds}
            for h in result.history
        ],
        "reason": result.stop_reason.value,
        "abandoned": job.abandoned,
        "error": job.error,
        "message": result.message,
        "seconds": result.seconds,
        "report_share": job.trainer.report_share,
        "hidden_units": result.settings.hidden_units,
        "samples": job.samples,
        "test_accuracy": test_acc,
    }
    if result.history:
        remember_user_model(
            result.model,
            hidden_units=result.settings.hidden_units,
            epochs=result.epochs_done,
            train_acc=result.final_accuracy,
            test_acc=test_acc,
            samples=job.samples,
        )


def user_model_label(info: dict) -> str:
    """'your model, trained at 14:05, test accuracy 0.87'."""
    acc = info.get("test_accuracy")
    acc_text = f", test accuracy {acc:.2f}" if acc is not None else ""
    return f"your model, trained at {info['trained_at']}{acc_text}"


def _shipped_label(photo: bool) -> str:
    card = shipped_card(photo)
    acc = card.get("test_accuracy")
    name = "shipped photo model" if card["is_photo_model"] else "shipped model"
    label = f"{name}, test accuracy {acc:.2f}" if acc is not None else name
    real = card.get("real_photo_accuracy", {}).get("accuracy")
    if real is not None:  # on real phone photos it does worse than on the test set: say so
        label += f", right on {real:.0%} of real phone photos in our trial"
    return label


def _choose(photo: bool, key: str) -> ActiveModel:
    collect_training()
    shipped = ActiveModel(model=None, label=_shipped_label(photo), kind="shipped")
    user = st.session_state.get(USER_MODEL_KEY)
    choice = st.session_state.get(MODEL_CHOICE_KEY, "shipped")
    if user is not None:
        labels = {
            "shipped": shipped.label.capitalize(),
            "yours": user_model_label(user).capitalize(),
        }

        def _keep_choice() -> None:
            st.session_state[MODEL_CHOICE_KEY] = st.session_state[key]

        # The widget's own state is dropped when the page changes; MODEL_CHOICE_KEY survives.
        st.session_state[key] = choice
        choice = st.radio(
            "Model in use",
            options=["yours", "shipped"],
            format_func=labels.get,
            key=key,
            horizontal=True,
            on_change=_keep_choice,
        )
    if choice == "yours" and user is not None:
        st.caption(f":material/model_training: Active model: **{user_model_label(user)}**")
        return ActiveModel(model=user["model"], label=user_model_label(user), kind="yours")
    st.caption(f":material/inventory_2: Active model: **{shipped.label}**")
    shipped.model = shipped_photo_model() if photo else shipped_model()
    return shipped


def chapter_model_choice(key: str) -> ActiveModel:
    """Show which model is active (the shipped chapter model or the visitor's) and return it."""
    return _choose(False, key)


def photo_model_choice(key: str) -> ActiveModel:
    """Like chapter_model_choice, with the shipped photo model as the shipped choice."""
    return _choose(True, key)


@st.cache_resource
def training_slot() -> Any:
    """The server-wide slot that lets one training run at a time."""
    from fmnist_demo.training import TrainingSlot

    return TrainingSlot()
