"""Train live: the chapter's model.fit in front of an audience, with early stop and Stop.

Training runs in a background job (one per server); this page starts it, polls it five times a
second from a fragment, and stops it. A visitor who leaves stops polling, and the job ends itself.
The live view is one piece of HTML (progress, figures, curves): the browser redraws it far more
cheaply than separate progress bars, metrics and a chart, and it shares the computer with training
when the app runs on a laptop.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_demo.data import DatasetUnavailable
from fmnist_demo.evaluation import percent, points_between
from fmnist_demo.model import HIDDEN_CHOICES, build_model, model_bytes, summary_rows
from fmnist_demo.pages._common import (
    JOB_KEY,
    RESULT_KEY,
    USER_MODEL_KEY,
    collect_training,
    dataset,
    dataset_problem,
    session_id,
    training_slot,
    user_model_label,
    visitor_clock,
)
from fmnist_demo.plots import (
    figure_png,
    live_training_css,
    live_training_html,
    screen_width,
    training_curves_figure,
)
from fmnist_demo.training import StopReason, TrainingJob, TrainSettings

DEFAULTS = TrainSettings()
START_PROBLEM_KEY = "train_start_problem"
SUBSET_CHOICES = (1_000, 5_000, 10_000, 30_000, 60_000)  # training pictures a person can pick
POLL_S = 0.2  # the live view is redrawn five times a second

# The words of the Home page, where each term appears on this page.
HELP_HIDDEN = (
    "The network's middle layer: each hidden unit looks at all 784 pixels of a picture and "
    "learns to notice one pattern. 128 as in the chapter; 512 (the chapter's early-stopping "
    "section) learns a little faster and is a little more accurate."
)
HELP_EPOCH = (
    "One epoch is one pass through all the training pictures. The chapter goes through them "
    "10 times; after each pass the model is a little better."
)
HELP_LOSS = (
    "How far the model's answers are from the right ones, on average. It falls as the model "
    "learns: lower is better."
)
HELP_TARGET = (
    "The chapter stops training as soon as the model is right on more than 90 % of the pictures "
    "it studies."
)


@st.cache_data
def model_summary(hidden_units: int) -> pd.DataFrame:
    """model.summary() of the chapter's network as a table."""
    return pd.DataFrame(summary_rows(build_model(hidden_units)))


@st.cache_data(show_spinner=False, max_entries=16)
def curves_png(history: tuple[tuple[tuple[str, float], ...], ...]) -> tuple[bytes, int]:
    """Loss and accuracy after each epoch of a finished training, as PNG bytes and screen width."""
    fig = training_curves_figure([dict(row) for row in history])
    return figure_png(fig), screen_width(fig)


def settings_controls(disabled: bool) -> tuple[TrainSettings, int]:
    """The training settings and how many training pictures to use."""
    c1, c2, c3 = st.columns(3)
    hidden = c1.radio(
        "Hidden units",
        HIDDEN_CHOICES,
        index=HIDDEN_CHOICES.index(DEFAULTS.hidden_units),
        key="train_hidden",
        horizontal=True,
        disabled=disabled,
        help=HELP_HIDDEN,
    )
    epochs = c2.slider(
        "Epochs (rounds through the pictures)",
        1,
        20,
        DEFAULTS.epochs,
        key="train_epochs",
        disabled=disabled,
        help=HELP_EPOCH,
    )
    subset = c2.select_slider(
        "Training pictures",
        SUBSET_CHOICES,
        value=SUBSET_CHOICES[-1],
        format_func=lambda n: f"{n:,}",
        key="train_subset",
        disabled=disabled,
        help="Fewer pictures train faster but learn less.",
    )
    early = c3.toggle(
        "Stop early at a target accuracy", value=True, key="train_early", disabled=disabled
    )
    target = c3.slider(
        "Target training accuracy (%)",
        50,
        99,
        round(DEFAULTS.target_accuracy * 100),
        key="train_target",
        disabled=disabled or not early,
        help=HELP_TARGET,
    )
    return chosen_settings(hidden, epochs, early, target), subset


def chosen_settings(hidden: int, epochs: int, early: bool, target: int) -> TrainSettings:
    """The widgets' values (target in %) as the engine's settings."""
    return TrainSettings(
        hidden_units=hidden, epochs=epochs, target_accuracy=target / 100 if early else None
    )


def start_training() -> None:
    """The Train button: start this visitor's training in the server's one slot.

    A callback, so that the page's next run already shows the live view: one run instead of two
    while the first epoch trains. A problem is kept in START_PROBLEM_KEY for that run to show, as
    (message, is_error).
    """
    state = st.session_state
    settings = chosen_settings(
        state["train_hidden"], state["train_epochs"], state["train_early"], state["train_target"]
    )
    try:
        (x_train, y_train), _ = dataset()
    except DatasetUnavailable as exc:
        state[START_PROBLEM_KEY] = (dataset_problem(exc), True)
        return
    subset = state["train_subset"]
    job = TrainingJob(x_train[:subset], y_train[:subset], settings)
    if training_slot().start(session_id(), job):
        state.pop(RESULT_KEY, None)
        state[JOB_KEY] = job
    else:
        state[START_PROBLEM_KEY] = (
            "Another visitor started a training a moment ago; please try again in a minute.",
            False,
        )


def stop_training() -> None:
    """The Stop button: end the job and wait (well under a second) until it has ended."""
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        job.stop()


@st.fragment(run_every=POLL_S)
def live_view() -> None:
    """Progress, current figures and curves of the running job, redrawn five times a second."""
    job = st.session_state.get(JOB_KEY)
    if job is None:
        return
    job.touch()
    if job.done.is_set():
        st.rerun()  # the whole page: show the outcome
    p, points = job.snapshot()
    if p is None:
        st.progress(0.0, text="Getting ready (the first epoch includes a few seconds of set-up)…")
        return
    st.html(
        live_training_html(
            epoch=p.epoch,
            epochs=p.epochs,
            batch=p.batch,
            batches=p.batches,
            seen=min(p.batch * job.settings.batch_size, job.samples),
            samples=job.samples,
            loss=p.loss,
            accuracy=p.accuracy,
            elapsed_s=p.elapsed_s,
            points=points,
        )
    )


def show_result(res: dict) -> None:
    """The outcome of this visitor's last training, in plain words."""
    done = len(res["history"])
    if res["error"]:
        st.error(
            f"Training stopped because of an unexpected problem: {res['error']}",
            icon=":material/error:",
        )
        if not done:
            return
    if res["reason"] == StopReason.TARGET_REACHED.value:
        target = res.get("target")
        passed = f"it passed the {percent(target)} target" if target else "it reached its target"
        st.success(
            f"**{res['message']}**\n\nTraining stopped early, as planned: {passed} after "
            f"epoch {done}.",
            icon=":material/flag:",
        )
    elif res["reason"] == StopReason.CANCELLED.value and done == 0:
        st.warning(
            "Training was stopped before the first epoch finished, so nothing was kept.",
            icon=":material/stop_circle:",
        )
        return
    elif res["reason"] == StopReason.CANCELLED.value:
        why = " because the page was left" if res["abandoned"] else ""
        st.warning(
            f"Training was stopped{why}. The model as it was after epoch {done} is kept.",
            icon=":material/stop_circle:",
        )
    else:
        st.success(f"Training finished all {done} epochs.", icon=":material/check_circle:")
    last = res["history"][-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Training accuracy",
        percent(last["accuracy"], 1),  # one decimal: it is read against the 90 % target
        help="The share of the training pictures the model names correctly.",
    )
    if res["test_accuracy"] is not None:
        gap = points_between(last["accuracy"], res["test_accuracy"])
        c2.metric(
            "Test accuracy (10,000 new pictures)",
            percent(res["test_accuracy"]),
            delta=f"{abs(gap)} points {'lower' if gap >= 0 else 'higher'} than on training",
            delta_color="off",
            delta_arrow="off",
            help="The share of 10,000 pictures it never saw while learning that it names "
            "correctly: what to expect on new clothes.",
        )
    share = res["report_share"]
    c3.metric(
        "Training time",
        f"{res['seconds']:.1f} s",
        help="Showing the progress live took "
        + ("less than 1 %" if share < 0.005 else percent(share))
        + " of it.",
    )
    st.caption(f"**Loss**: {HELP_LOSS} **Accuracy**: the share of the pictures it names correctly.")
    png, width = curves_png(tuple(tuple(sorted(row.items())) for row in res["history"]))
    st.image(png, width=width)
    table = pd.DataFrame(res["history"]).rename(
        columns={"epoch": "Epoch", "loss": "Loss", "accuracy": "Accuracy", "seconds": "Seconds"}
    )
    table["Accuracy"] *= 100  # shown as "89.9 %"
    # a plain table (at most 20 rows): no grid to load, nothing to scroll
    st.table(
        table.style.hide(axis="index").format(
            {"Loss": "{:.3f}", "Accuracy": "{:.1f} %", "Seconds": "{:.1f}"}
        )
    )


def download_controls() -> None:
    """Download the visitor's model and say where it is used."""
    user = st.session_state.get(USER_MODEL_KEY)
    if user is None:
        return
    if user.get("bytes") is None:
        user["bytes"] = model_bytes(user["model"])
    st.info(
        f"The Results page now uses **{user_model_label(user)}** and lets you switch back to the "
        "shipped model. Classify a photo keeps using the photo model, which is far better on "
        "real photos, and can show your model's answer beside it. Your model stays here when "
        "you reload the page.",
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


collect_training()
job = st.session_state.get(JOB_KEY)
mine_running = job is not None

st.title("Train live")
st.markdown(
    "Here the computer studies the training pictures and their answers. One **epoch** is one "
    "pass through all of them; after each it is a little better. The chapter trains for 10 "
    "epochs, or stops as soon as it is right on more than 90 % of the pictures it studies. "
    "The **loss** measures how far its answers are from the right ones: it falls as it learns."
)

settings, subset = settings_controls(disabled=mine_running)
with st.expander("What is inside the model", icon=":material/account_tree:"):
    summary = model_summary(settings.hidden_units)
    st.write(
        "Each picture's 784 pixels go into a layer of "
        f"{settings.hidden_units} units, then into 10 outputs, one per kind of clothing. "
        f"Training adjusts **{summary['Parameters'].sum():,} numbers** (parameters)."
    )
    st.table(summary.style.hide(axis="index").format({"Parameters": "{:,}"}))

slot = training_slot()
busy_elsewhere = slot.busy and slot.owner != session_id()
if busy_elsewhere:
    since = f"at {visitor_clock(slot.started_at)}" if slot.started_at else "a moment ago"
    where = ""
    if slot.progress is not None:
        where = f" It is at epoch {slot.progress.epoch} of {slot.progress.epochs}."
    st.info(
        f"Another visitor is training a model right now (started {since}).{where} Only one "
        "training runs at a time so that it stays fast; please try again in a minute. "
        "Everything else in the app works meanwhile.",
        icon=":material/hourglass_top:",
    )

if mine_running:
    st.button("Stop", key="train_stop", icon=":material/stop_circle:", on_click=stop_training)
    st.html(live_training_css())
    live_view()
else:
    st.button(
        "Train",
        key="train_start",
        type="primary",
        icon=":material/play_arrow:",
        disabled=busy_elsewhere,
        on_click=start_training,
    )
    problem = st.session_state.pop(START_PROBLEM_KEY, None)
    if problem is not None:
        message, is_error = problem
        if is_error:
            st.error(message, icon=":material/error:")
        else:
            st.info(message, icon=":material/hourglass_top:")
    if RESULT_KEY in st.session_state:
        show_result(st.session_state[RESULT_KEY])
    download_controls()
