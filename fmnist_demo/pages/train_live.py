"""Train live: the chapter's model.fit in front of an audience, with early stop and Stop."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st

from fmnist_demo.model import HIDDEN_CHOICES, accuracy, build_model, model_bytes, summary_rows
from fmnist_demo.pages._common import (
    USER_MODEL_KEY,
    dataset_or_message,
    remember_user_model,
    session_id,
    training_slot,
    user_model_label,
)
from fmnist_demo.plots import training_curves
from fmnist_demo.training import Progress, StopReason, Trainer, TrainSettings

DEFAULTS = TrainSettings()
SUBSET_CHOICES = (1_000, 5_000, 10_000, 30_000, 60_000)  # training images a person can pick
RESULT_KEY = "train_result"


@st.cache_data
def model_summary(hidden_units: int) -> pd.DataFrame:
    """model.summary() of the chapter's network as a table."""
    return pd.DataFrame(summary_rows(build_model(hidden_units)))


def settings_controls() -> tuple[TrainSettings, int]:
    """The training settings and how many training images to use."""
    c1, c2, c3 = st.columns(3)
    hidden = c1.radio(
        "Hidden units",
        HIDDEN_CHOICES,
        index=HIDDEN_CHOICES.index(DEFAULTS.hidden_units),
        key="train_hidden",
        horizontal=True,
        help="128 as in the chapter; 512 as in its early-stopping section (learns faster).",
    )
    epochs = c2.slider(
        "Epochs (rounds through the pictures)", 1, 20, DEFAULTS.epochs, key="train_epochs"
    )
    subset = c2.select_slider(
        "Training pictures",
        SUBSET_CHOICES,
        value=SUBSET_CHOICES[-1],
        format_func=lambda n: f"{n:,}",
        key="train_subset",
        help="Fewer pictures train faster but learn less.",
    )
    early = c3.toggle("Stop early at a target accuracy", value=True, key="train_early")
    target = c3.slider(
        "Target training accuracy (%)",
        50,
        99,
        round(DEFAULTS.target_accuracy * 100),
        key="train_target",
        disabled=not early,
    )
    settings = TrainSettings(
        hidden_units=hidden, epochs=epochs, target_accuracy=target / 100 if early else None
    )
    return settings, subset


def live_view(pictures: int):
    """Placeholders updated while training; returns the progress callable."""
    overall = st.progress(0.0, text="Starting…")
    epoch_bar = st.progress(0.0, text="")
    m1, m2, m3 = st.columns(3)
    loss_box, acc_box, time_box = m1.empty(), m2.empty(), m3.empty()
    chart_box = st.empty()
    points: list[dict] = []
    slot = training_slot()

    def on_progress(p: Progress) -> None:
        slot.progress = p  # lets other visitors see how far this training is
        points.append(
            {"epoch": p.epoch - 1 + p.batch / p.batches, "loss": p.loss, "accuracy": p.accuracy}
        )
        overall.progress(min(p.fraction, 1.0), text=f"Epoch {p.epoch} of {p.epochs}")
        seen = min(p.batch * DEFAULTS.batch_size, pictures)
        epoch_bar.progress(
            p.batch / p.batches, text=f"Pictures this epoch: {seen:,} of {pictures:,}"
        )
        loss_box.metric("Loss (lower is better)", f"{p.loss:.3f}")
        acc_box.metric("Training accuracy", f"{p.accuracy:.1%}")
        time_box.metric("Time", f"{p.elapsed_s:.1f} s")
        chart_box.altair_chart(training_curves(points), width="stretch")

    return on_progress


def run_training(settings: TrainSettings, subset: int) -> None:
    """Train in this script run; whatever ends it, keep the last finished epoch's model."""
    data = dataset_or_message()
    if data is None:
        return
    (x_train, y_train), (x_test, y_test) = data
    slot = training_slot()
    me = session_id()
    if not slot.try_acquire(me):
        st.info("Another visitor started a training a moment ago; please try again in a minute.")
        return
    live = st.empty()
    with live.container():
        st.button("Stop", key="train_stop", icon=":material/stop_circle:", type="secondary")
        on_progress = live_view(min(subset, len(x_train)))
    trainer = Trainer(settings, cancel=slot.cancel)
    try:
        trainer.run(x_train[:subset], y_train[:subset], progress=on_progress)
    except Exception as exc:
        st.session_state["train_error"] = (
            f"Training stopped because of an unexpected problem: {exc}"
        )
    finally:
        # Runs on finish, on Stop (its click interrupts this run) and when the page is left;
        # Streamlit calls come last because an interrupted run may be stopped again at one.
        slot.release(me)
        keep_result(trainer, subset, x_test, y_test)
        live.empty()


def keep_result(trainer: Trainer, subset: int, x_test, y_test) -> None:
    """Store the outcome in this visitor's session; make a trained model the active one."""
    if trainer.model is None:
        return
    result = trainer.result()
    test_acc = accuracy(result.model, x_test, y_test) if result.history else None
    st.session_state[RESULT_KEY] = {
        "history": [
            {"epoch": h.epoch, "loss": h.loss, "accuracy": h.accuracy, "seconds": h.seconds}
            for h in result.history
        ],
        "reason": result.stop_reason.value,
        "message": result.message,
        "seconds": result.seconds,
        "report_share": trainer.report_seconds / result.seconds if result.seconds else 0.0,
        "settings": result.settings,
        "subset": subset,
        "test_accuracy": test_acc,
        "finished_at": dt.datetime.now().strftime("%H:%M"),
    }
    if result.history:
        remember_user_model(
            result.model,
            hidden_units=result.settings.hidden_units,
            epochs=result.epochs_done,
            train_acc=result.final_accuracy,
            test_acc=test_acc,
        )


def show_result(res: dict) -> None:
    """The outcome of this visitor's last training, in plain words."""
    done = len(res["history"])
    if res["reason"] == StopReason.TARGET_REACHED.value:
        st.success(f"**{res['message']}** It stopped after epoch {done}.", icon=":material/flag:")
    elif res["reason"] == StopReason.CANCELLED.value and done == 0:
        st.warning(
            "Training was stopped before the first epoch finished, so nothing was kept.",
            icon=":material/stop_circle:",
        )
        return
    elif res["reason"] == StopReason.CANCELLED.value:
        st.warning(
            f"Training was stopped. The model as it was after epoch {done} is kept.",
            icon=":material/stop_circle:",
        )
    else:
        st.success(f"Training finished all {done} epochs.", icon=":material/check_circle:")
    last = res["history"][-1]
    c1, c2, c3 = st.columns(3)
    c1.metric("Training accuracy", f"{last['accuracy']:.1%}")
    if res["test_accuracy"] is not None:
        c2.metric(
            "Test accuracy (10,000 new pictures)",
            f"{res['test_accuracy']:.1%}",
            delta=f"{res['test_accuracy'] - last['accuracy']:+.1%} vs training",
            delta_color="off",
        )
    c3.metric(
        "Training time",
        f"{res['seconds']:.1f} s",
        help=f"Live updates took {res['report_share']:.1%} of it.",
    )
    st.altair_chart(training_curves(res["history"]), width="stretch")
    table = pd.DataFrame(res["history"]).rename(
        columns={"epoch": "Epoch", "loss": "Loss", "accuracy": "Accuracy", "seconds": "Seconds"}
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Accuracy": st.column_config.NumberColumn(format="percent"),
            "Loss": st.column_config.NumberColumn(format="%.3f"),
            "Seconds": st.column_config.NumberColumn(format="%.1f"),
        },
    )


def download_controls() -> None:
    """Download the visitor's model and say where it is used."""
    user = st.session_state.get(USER_MODEL_KEY)
    if user is None:
        return
    if user.get("bytes") is None:
        user["bytes"] = model_bytes(user["model"])
    st.info(
        f"The Results and Classify pages now use **{user_model_label(user)}**. "
        "They let you switch back to the shipped model.",
        icon=":material/swap_horiz:",
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Download your model (.keras)",
        data=user["bytes"],
        file_name=f"fmnist_dense{user['hidden_units']}_{user['epochs']}epochs.keras",
        mime="application/octet-stream",
        key="train_download",
        icon=":material/download:",
    )
    c2.page_link(
        "fmnist_demo/pages/results.py", label="See its results", icon=":material/insights:"
    )
    c3.page_link(
        "fmnist_demo/pages/classify.py", label="Try it on a photo", icon=":material/photo_camera:"
    )


st.title("Train live")
st.markdown(
    "Here the computer studies the training pictures and their answers. One **epoch** is one "
    "pass through all of them; after each it is a little better. The chapter trains for 10 "
    "epochs, or stops as soon as it is right on more than 90 % of the pictures it studies."
)

settings, subset = settings_controls()
with st.expander("What is inside the model", icon=":material/account_tree:"):
    summary = model_summary(settings.hidden_units)
    st.write(
        "Each picture's 784 pixels go into a layer of "
        f"{settings.hidden_units} units, then into 10 outputs, one per kind of clothing. "
        f"Training adjusts **{summary['Parameters'].sum():,} numbers** (parameters)."
    )
    st.dataframe(
        summary,
        hide_index=True,
        column_config={"Parameters": st.column_config.NumberColumn(format="localized")},
    )

slot = training_slot()
busy_elsewhere = slot.busy and slot.owner != session_id()
if busy_elsewhere:
    since = time.strftime("%H:%M:%S", time.localtime(slot.started_at or time.time()))
    where = ""
    if slot.progress is not None:
        where = f" It is at epoch {slot.progress.epoch} of {slot.progress.epochs}."
    st.info(
        f"Another visitor is training a model right now (started at {since}).{where} Only one "
        "training runs at a time so that it stays fast; please try again in a minute. "
        "Everything else in the app works meanwhile.",
        icon=":material/hourglass_top:",
    )

start = st.button(
    "Train",
    key="train_start",
    type="primary",
    icon=":material/play_arrow:",
    disabled=busy_elsewhere,
)
if start:
    st.session_state.pop("train_error", None)
    run_training(settings, subset)
if st.session_state.get("train_error"):
    st.error(st.session_state["train_error"], icon=":material/error:")
if RESULT_KEY in st.session_state:
    show_result(st.session_state[RESULT_KEY])
download_controls()
