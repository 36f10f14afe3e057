"""Train live: the chapter's model.fit in front of an audience, with early stop and Stop.

Training runs in a background job (one per server); this page starts it, polls it five times a
second from a fragment, and stops it. A visitor who leaves stops polling, and the job ends itself.
The live view is one piece of HTML (progress, figures, curves): the browser redraws it far more
cheaply than separate progress bars, metrics and a chart, and it shares the computer with training
when the app runs on a laptop.

The job reports numbers only (it runs in a thread that does not know the visitor's language);
every word about it is made here, in the visitor's script thread. Callbacks and the fragment's
own reruns run before (or without) the entry, so they set the visitor's language first.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_demo import i18n
from fmnist_demo.data import DatasetUnavailable
from fmnist_demo.evaluation import training_gap
from fmnist_demo.formatting import count, hold_together, percent, percent_reached
from fmnist_demo.html_views import live_training_css, live_training_html
from fmnist_demo.i18n import N_, _, ngettext
from fmnist_demo.inside_plots import inside_css
from fmnist_demo.jobs import JobError, busy_sentence
from fmnist_demo.model import HIDDEN_CHOICES, build_model, model_bytes, summary_rows
from fmnist_demo.pages._dataset import dataset, dataset_problem
from fmnist_demo.pages._figures import show_figure
from fmnist_demo.pages._inside_ui import live_units, units_section
from fmnist_demo.pages._language import in_visitor_language
from fmnist_demo.pages._training_slot import training_slot
from fmnist_demo.pages._user_model_ui import (
    JOB_KEY,
    MODEL_PARAM,
    RESULT_KEY,
    collect_training,
    model_token,
    own_token,
    user_model_in_session,
    user_model_label,
)
from fmnist_demo.pages._visitor_time import visitor_clock
from fmnist_demo.plots import figure_png, screen_width, training_curves_figure
from fmnist_demo.training import StopReason, TrainingJob, TrainSettings
from fmnist_demo.user_model import TrainingOutcome

DEFAULTS = TrainSettings()
START_PROBLEM_KEY = "train_start_problem"
SUBSET_CHOICES = (1_000, 5_000, 10_000, 30_000, 60_000)  # training pictures a person can pick
POLL_S = 0.2  # the live view is redrawn five times a second

# The words of the Home page, where each term appears on this page.
HELP_HIDDEN = N_(
    "The network's middle layer: each hidden unit looks at all 784 pixels of a picture and "
    "learns to notice one pattern. 128 as in the chapter; 512 (the chapter's early-stopping "
    "section) learns a little faster and is a little more accurate."
)
HELP_EPOCH = N_(
    "One epoch is one pass through all the training pictures. The chapter goes through them "
    "10 times; after each pass the model is a little better."
)
HELP_TARGET = N_(
    "The chapter stops training as soon as the model is right on more than {target} of the "
    "pictures it studies."
)
HELP_ACCURACY = N_(
    "Accuracy is the share of the pictures the model names correctly: higher is better."
)
# The tables' ids in the page: a Styler otherwise sends a random id such as "e3fa1" with the
# table, letters that are no word in any language.
TABLE_IDS = {"summary": "101", "history": "102"}
# The history table's columns (the result's keys) as people read them.
HISTORY_COLUMNS = {
    "epoch": N_("Epoch"),
    "loss": N_("Loss"),
    "accuracy": N_("Accuracy"),
    "seconds": N_("Seconds"),
}


@st.cache_data
def model_summary(hidden_units: int, lang: str) -> pd.DataFrame:
    """model.summary() of the chapter's network as a table, in the language `lang`."""
    rows = summary_rows(build_model(hidden_units))
    return pd.DataFrame(
        {
            _("Layer"): [_(row["Role"]) for row in rows],
            _("Kind"): [row["Kind"] for row in rows],
            _("Output shape"): [row["Output shape"] for row in rows],
            _("Parameters"): [row["Parameters"] for row in rows],
        }
    )


@st.cache_data(show_spinner=False, max_entries=16)
def curves_png(
    history: tuple[tuple[tuple[str, float], ...], ...], phone: bool, lang: str
) -> tuple[bytes, int]:
    """Loss and accuracy after each epoch of a finished training, as PNG bytes and screen width
    (the figure's words in the language `lang`; stacked for a phone)."""
    fig = training_curves_figure([dict(row) for row in history], phone=phone)
    return figure_png(fig), screen_width(fig)


def seconds_text(seconds: float) -> str:
    """A duration as "12.3 s" in the visitor's language."""
    # NOTE: {seconds} is a number such as "12.3"; "s" is the unit second
    return hold_together(_("{seconds} s")).format(seconds=f"{seconds:.1f}")


def settings_controls(disabled: bool) -> tuple[TrainSettings, int]:
    """The training settings and how many training pictures to use."""
    c1, c2, c3 = st.columns(3)
    hidden = c1.radio(
        _("Hidden units"),
        HIDDEN_CHOICES,
        index=HIDDEN_CHOICES.index(DEFAULTS.hidden_units),
        key="train_hidden",
        horizontal=True,
        disabled=disabled,
        help=_(HELP_HIDDEN),
    )
    epochs = c2.slider(
        _("Epochs (rounds through the pictures)"),
        1,
        20,
        DEFAULTS.epochs,
        key="train_epochs",
        disabled=disabled,
        help=_(HELP_EPOCH),
    )
    subset = c2.select_slider(
        _("Training pictures"),
        SUBSET_CHOICES,
        value=SUBSET_CHOICES[-1],
        format_func=count,
        key="train_subset",
        disabled=disabled,
        help=_("Fewer pictures train faster but learn less."),
    )
    early = c3.toggle(
        _("Stop early at a target accuracy"),
        value=True,
        key="train_early",
        disabled=disabled,
        help=_(HELP_ACCURACY),
    )
    target = c3.slider(
        _("Target training accuracy (%)"),
        50,
        99,
        round(DEFAULTS.target_accuracy * 100),
        key="train_target",
        disabled=disabled or not early,
        help=_(HELP_TARGET).format(target=percent(DEFAULTS.target_accuracy)),
    )
    return chosen_settings(hidden, epochs, early, target), subset


def chosen_settings(hidden: int, epochs: int, early: bool, target: int) -> TrainSettings:
    """The widgets' values (target in %) as the engine's settings."""
    return TrainSettings(
        hidden_units=hidden, epochs=epochs, target_accuracy=target / 100 if early else None
    )


@in_visitor_language
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
        (x_train, y_train), _test = dataset()
    except DatasetUnavailable as exc:
        state[START_PROBLEM_KEY] = (dataset_problem(exc), True)
        return
    subset = state["train_subset"]
    job = TrainingJob(x_train[:subset], y_train[:subset], settings)
    token = model_token()
    slot = training_slot()
    if slot.start(token, job):
        state.pop(RESULT_KEY, None)
        state[JOB_KEY] = job
        # in the address from the start: a reload during the training finds it as this browser's
        st.query_params[MODEL_PARAM] = token
    else:  # someone started a training or a teaching a moment ago
        state[START_PROBLEM_KEY] = (busy_message(slot), False)


def stop_training() -> None:
    """The Stop button: end the job and wait (well under a second) until it has ended."""
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        job.stop()


@st.fragment(run_every=POLL_S)
@in_visitor_language
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
        st.progress(
            0.0, text=_("Getting ready (the first epoch includes a few seconds of set-up)…")
        )
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
            target=job.settings.target_accuracy,
        )
    )


def outcome(res: TrainingOutcome, done: int) -> None:
    """Why the training ended, in plain words."""
    if res.reason == StopReason.TARGET_REACHED.value:
        target = res.target
        if target:
            plain = _(
                "Training stopped early, as planned: it passed the {target} target after "
                "epoch {epoch}."
            ).format(target=percent(target), epoch=done)
        else:
            plain = _(
                "Training stopped early, as planned: it reached its target after epoch {epoch}."
            ).format(epoch=done)
        # The chapter's own printed line stays as its code prints it, in English; a Bengali page
        # explains it in the sentence below instead of quoting English.
        chapter = res.message if i18n.language() == "en" else None
        body = f"**{chapter}**\n\n{plain}" if chapter else plain
        st.success(body, icon=":material/flag:")
    elif res.reason == StopReason.CANCELLED.value:
        if res.abandoned:
            text = _(
                "Training was stopped because the page was left. The model as it was after "
                "epoch {epoch} is kept."
            )
        else:
            text = _("Training was stopped. The model as it was after epoch {epoch} is kept.")
        st.warning(text.format(epoch=done), icon=":material/stop_circle:")
    else:
        st.success(
            ngettext(
                "Training finished its {n} epoch.", "Training finished all {n} epochs.", done
            ).format(n=done),
            icon=":material/check_circle:",
        )


def show_result(res: TrainingOutcome) -> None:
    """The outcome of this visitor's last training, in plain words."""
    done = res.epochs_done
    if res.error:
        error = res.error
        if isinstance(error, JobError) and error.message_id is not None:
            message = _(error.message_id)
        else:
            # NOTE: {problem} is the system's own description of the error, often in English
            message = _("Training stopped because of an unexpected problem: {problem}").format(
                problem=res.error
            )
        st.error(message, icon=":material/error:")
        if not done:
            return
    if res.reason == StopReason.CANCELLED.value and done == 0:
        st.warning(
            _("Training was stopped before the first epoch finished, so nothing was kept."),
            icon=":material/stop_circle:",
        )
        return
    outcome(res, done)
    c1, c2, c3 = st.columns(3)
    c1.metric(
        _("Training accuracy"),
        percent_reached(res.train_accuracy),  # rounded down: read against the 90 % target
        help=_("The share of the training pictures the model names correctly."),
    )
    if res.test_accuracy is not None:
        gap = training_gap(res.train_accuracy, res.test_accuracy)
        if gap >= 0:
            # NOTE: percentage points between two accuracies, e.g. "3 points lower than on training"
            delta = ngettext(
                "{points} point lower than on training",
                "{points} points lower than on training",
                gap,
            )
        else:
            delta = ngettext(
                "{points} point higher than on training",
                "{points} points higher than on training",
                -gap,
            )
        c2.metric(
            _("Test accuracy (10,000 new pictures)"),
            percent(res.test_accuracy),
            delta=delta.format(points=abs(gap)),
            delta_color="off",
            delta_arrow="off",
            help=_(
                "The share of 10,000 pictures it never saw while learning that it names "
                "correctly: what to expect on new clothes."
            ),
        )
    share = res.report_share
    if share < 0.005:
        shown = _("Showing the progress live took less than {share} of it.").format(
            share=percent(0.01)
        )
    else:
        shown = _("Showing the progress live took {share} of it.").format(share=percent(share))
    c3.metric(_("Training time"), seconds_text(res.seconds), help=shown)
    st.caption(
        _(
            "**Loss**: how far the model's answers are from the right ones, on average. It falls "
            "as the model learns: lower is better. **Accuracy**: the share of the pictures it "
            "names correctly."
        )
    )
    rows = res.history_rows()
    history = tuple(tuple(sorted(row.items())) for row in rows)
    lang = i18n.language()
    show_figure(curves_png(history, False, lang), curves_png(history, True, lang), "train-curves")
    names = {key: _(name) for key, name in HISTORY_COLUMNS.items()}
    table = pd.DataFrame(rows)[list(names)].rename(columns=names)
    table[names["accuracy"]] = table[names["accuracy"]].map(percent_reached)  # as the card
    # a plain table (at most 20 rows): no grid to load, nothing to scroll
    st.table(
        table.style.set_uuid(TABLE_IDS["history"])
        .hide(axis="index")
        .format(
            {
                names["loss"]: "{:.3f}",
                names["seconds"]: "{:.1f}",
            }
        )
    )


def download_controls() -> None:
    """Download the visitor's model and say where it is used."""
    user = user_model_in_session()
    if user is None:
        return
    st.info(
        _(
            "The Results page now uses **{model}** and lets you switch back to the shipped "
            "model. Classify a photo keeps using the photo model, which is far better on real "
            "photos, and can show your model's answer beside it. Your model stays here when you "
            "reload the page."
        ).format(model=user_model_label(user)),
        icon=":material/swap_horiz:",
    )
    c1, c2, c3 = st.columns(3)
    model = user.model
    c1.download_button(
        _("Download your model (.keras)"),
        # The file is written when the button is clicked: bytes handed over up front stay in the
        # server's memory (1-5 MB a model) for as long as the session does, which includes two
        # minutes after its browser left, so a stream of visitors each training once added up.
        data=lambda: model_bytes(model),
        file_name=user.file_name,
        mime="application/octet-stream",
        key="train_download",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.page_link(
        "fmnist_demo/pages/results.py", label=_("See its results"), icon=":material/insights:"
    )
    c3.page_link(
        "fmnist_demo/pages/classify.py",
        label=_("Try it on a photo"),
        icon=":material/photo_camera:",
    )


def busy_message(slot) -> str:
    """What a visitor reads while someone else's training or teaching holds the server's one
    slot."""
    if not isinstance(slot.job, TrainingJob):  # a teaching, from the Catalogue page
        return busy_sentence(visitor_clock(slot.started_at) if slot.started_at else None)
    if slot.started_at:
        # NOTE: {time} is a clock time such as "14:05"
        started = _("Another visitor is training a model right now (started at {time}).").format(
            time=visitor_clock(slot.started_at)
        )
    else:
        started = _("Another visitor is training a model right now (started a moment ago).")
    sentences = [started]
    progress = slot.progress
    if progress is not None:
        sentences.append(
            _("It is at epoch {epoch} of {epochs}.").format(
                epoch=progress.epoch, epochs=progress.epochs
            )
        )
    sentences.append(
        _(
            "Only one training runs at a time so that it stays fast; please try again in a "
            "minute. Everything else in the app works meanwhile."
        )
    )
    return " ".join(sentences)


collect_training()
job = st.session_state.get(JOB_KEY)
mine_running = job is not None

st.title(_("Train live"))
st.markdown(
    _(
        "Here the computer studies the training pictures and their answers. One **epoch** is "
        "one pass through all of them; after each it is a little better. The chapter trains for "
        "10 epochs, or stops as soon as it is right on more than {target} of the pictures it "
        "studies. The **loss** measures how far its answers are from the right ones: it falls "
        "as it learns."
    ).format(target=percent(DEFAULTS.target_accuracy))
)

settings, subset = settings_controls(disabled=mine_running)
with st.expander(_("What is inside the model"), icon=":material/account_tree:"):
    summary = model_summary(settings.hidden_units, i18n.language())
    parameters = _("Parameters")
    st.write(
        _(
            "Each picture's 784 pixels go into a layer of {units} hidden units, then into 10 "
            "outputs, one per kind of clothing. Training adjusts **{parameters} numbers** "
            "(parameters)."
        ).format(units=settings.hidden_units, parameters=f"{summary[parameters].sum():,}")
    )
    st.table(
        summary.style.set_uuid(TABLE_IDS["summary"]).hide(axis="index").format({parameters: "{:,}"})
    )

slot = training_slot()
busy_elsewhere = slot.busy and slot.owner != own_token()
if busy_elsewhere:
    st.info(busy_message(slot), icon=":material/hourglass_top:")

if mine_running:
    st.button(_("Stop"), key="train_stop", icon=":material/stop_circle:", on_click=stop_training)
    st.html(live_training_css() + inside_css())
    live_view()
    live_units(JOB_KEY)  # the hidden units' pictures, as they learn
else:
    st.button(
        _("Train"),
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
        finished = user_model_in_session()
        if finished is not None:
            st.subheader(_("What the hidden units learnt"))
            units_section(finished.model, key="train_units_all")
    download_controls()
