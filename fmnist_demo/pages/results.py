"""Results: how well the active model does, its first 15 guesses, where it gets confused."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import plots
from fmnist_demo.assets import DEFAULT_MODEL_PATH
from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES, TRAIN_SIZE, kind_name
from fmnist_demo.dense_forward import NotAChapterModel, chapter_weights
from fmnist_demo.evaluation import (
    Evaluation,
    evaluate,
    most_confident_mistakes,
    per_class_accuracy,
    ranked_classes,
    top_confusions,
    training_gap,
)
from fmnist_demo.formatting import confidence, count, percent, percent_reached, pixel_size
from fmnist_demo.i18n import _, language, ngettext
from fmnist_demo.pages._dataset import dataset_or_message
from fmnist_demo.pages._figures import show_figure
from fmnist_demo.pages._inside_ui import kinds_section, units_section, why_section
from fmnist_demo.pages._model_answers import active_test_probs
from fmnist_demo.pages._model_choice import chapter_model_choice
from fmnist_demo.pages._shipped_models import shipped_card
from fmnist_demo.user_model import ActiveModel

SHOWN_PREDICTIONS = 15  # the chapter's figure: the first 15 test images
SHOWN_MISTAKES = 12


@st.cache_resource(show_spinner=False)
def _shipped_weights() -> tuple[np.ndarray, ...] | None:
    """The shipped chapter model's weights in numpy (None when it is some other model)."""
    try:
        return chapter_weights(DEFAULT_MODEL_PATH)
    except NotAChapterModel:
        return None


def inside_model(active: ActiveModel) -> Any:
    """What the "inside" views read: the shipped model's numpy weights (no TensorFlow on a
    first visit), else the Keras model itself."""
    weights = _shipped_weights() if active.shipped else None
    return weights if weights is not None else active.model


# The figures' words are in the visitor's language: each takes the language as part of its key.
@st.cache_data(show_spinner=False, max_entries=16)
def predictions_png(
    images: np.ndarray, labels: np.ndarray, probs: np.ndarray, phone: bool, lang: str
) -> tuple[bytes, int]:
    """The chapter's 15-prediction figure (one column for a phone) as PNG bytes, screen width."""
    layout = {"columns": 1, "width_in": plots.PHONE_INCHES} if phone else {}
    fig = plots.prediction_figure(images, labels, probs, **layout)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=64)
def bars_png(probs: np.ndarray, label: int, phone: bool, lang: str) -> tuple[bytes, int]:
    """One picture's ten bars, kinds named at 45 degrees."""
    fig = plots.probability_figure(probs, label, phone=phone)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=16)
def confusion_pngs(
    matrix: np.ndarray, phone: bool, lang: str
) -> tuple[tuple[bytes, int], tuple[bytes, int]]:
    """The confusion matrix and each kind's accuracy as PNG bytes, with their screen widths."""
    confusion = plots.confusion_figure(matrix, phone=phone)
    per_class = plots.class_accuracy_figure(per_class_accuracy(matrix), phone=phone)
    return (
        (plots.figure_png(confusion), plots.screen_width(confusion)),
        (plots.figure_png(per_class), plots.screen_width(per_class)),
    )


@st.cache_data(show_spinner=False, max_entries=4)
def shipped_curves_png(phone: bool, lang: str) -> tuple[bytes, int]:
    """How the shipped model's loss and accuracy changed while it learnt."""
    fig = plots.training_curves_figure(shipped_card().history, phone=phone)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=16)
def mistakes_png(
    images: np.ndarray, labels: np.ndarray, probs: np.ndarray, phone: bool, lang: str
) -> tuple[bytes, int]:
    """The gallery of the surest mistakes (two across, captions wrapped, for a phone)."""
    gallery = plots.mistakes_gallery(images, labels, probs, phone=phone)
    return plots.picture_png(gallery), plots.gallery_screen_width(gallery)


def train_accuracy(active: ActiveModel) -> float | None:
    """Accuracy on the training images, as recorded when the model was trained."""
    return shipped_card().train_accuracy if active.shipped else active.user.train_accuracy


def train_size(active: ActiveModel) -> int:
    """How many training images the active model learnt from."""
    return TRAIN_SIZE if active.shipped else active.user.samples


def accuracy_section(train: float | None, learnt_from: int, result: Evaluation) -> None:
    """Training and test accuracy side by side, with the chapter's word on overfitting."""
    test = result.accuracy
    left, right = st.columns(2)
    left.metric(
        _("On the {n} training images it learnt from").format(n=count(learnt_from)),
        _("not recorded") if train is None else percent_reached(train),
        border=True,
        help=_("Training accuracy: the share of training images the model labels correctly."),
    )
    right.metric(
        _("On the {n} new test images").format(n=count(len(result.labels))),
        percent(test),
        border=True,
        help=_(
            "Test accuracy: the share of test images (never seen while learning) labelled right."
        ),
    )
    st.write(
        _(
            "Out of every 100 pieces of clothing it has never seen, the model names about "
            "**{right}** correctly."
        ).format(right=round(100 * test))
    )
    if train is None:
        return
    gap = training_gap(train, test)  # as the two cards show them
    if gap > 0:
        st.info(
            ngettext(
                "It does **{gap} point better** on the images it learnt from than on new ones. "
                "This is called **overfitting**: like a student who has practised on the same "
                "exam questions, the model has partly memorised its training images, so it scores "
                "a bit better on them than on new pictures. The test figure is the honest one: it "
                "is what to expect on clothes the model has never seen.",
                "It does **{gap} points better** on the images it learnt from than on new ones. "
                "This is called **overfitting**: like a student who has practised on the same "
                "exam questions, the model has partly memorised its training images, so it scores "
                "a bit better on them than on new pictures. The test figure is the honest one: it "
                "is what to expect on clothes the model has never seen.",
                gap,
            ).format(gap=gap),
            icon=":material/school:",
        )
    else:
        st.info(
            _(
                "It does about as well on new images as on the ones it learnt from, so there is no "
                "sign of **overfitting** (doing better on the pictures it has already seen than on "
                "new ones)."
            ),
            icon=":material/school:",
        )


def predictions_section(x_test: np.ndarray, result: Evaluation) -> None:
    """The chapter's figure of the first 15 test images with their 10 probabilities."""
    n = SHOWN_PREDICTIONS
    right = result.right_among_first(n)
    st.write(
        _(
            "The first {n} test images. Under each, the model's guess and how sure it is, with "
            "the true kind in brackets: :blue[**blue**] when it is right, :red[**red**] when it "
            "is wrong. Beside each, ten bars, one per kind in the usual order ({first} first, "
            "{last} last), as tall as the model thinks that kind likely: the true kind is blue, "
            "a wrong guess red. Here it gets **{right} of {n}** right."
        ).format(n=n, first=kind_name(0), last=kind_name(NUM_CLASSES - 1), right=right)
    )
    shown = x_test[:n], result.labels[:n], result.probs[:n]
    lang = language()
    show_figure(
        predictions_png(*shown, False, lang), predictions_png(*shown, True, lang), "results-15"
    )
    st.subheader(_("One picture, all ten kinds"))
    pick = st.selectbox(
        _("Picture (its place in the figure above)"),
        options=range(n),
        format_func=lambda i: f"{i + 1}. {kind_name(result.labels[i])}",
        key="results_pick",
    )
    label, probs, guess = int(result.labels[pick]), result.probs[pick], int(result.predicted[pick])
    if guess == label:
        text = _("The model says **{guess}**, {sure} sure (right).")
    else:
        text = _("The model says **{guess}**, {sure} sure (wrong: really {kind}).")
    st.write(
        text.format(guess=kind_name(guess), sure=confidence(probs[guess]), kind=kind_name(label))
    )
    show_figure(
        bars_png(probs, label, False, lang), bars_png(probs, label, True, lang), "results-bars"
    )


def confusion_section(result: Evaluation) -> None:
    """The confusion matrix and each kind's accuracy, with the biggest mix-ups in words."""
    matrix = result.matrix  # (10, 10) counts
    accuracy = per_class_accuracy(matrix)
    ranked = ranked_classes(accuracy)
    mixups = [
        # NOTE: one item of a list joined with "; ": pictures of {true} the model took for {guess}
        ngettext(
            "{true} taken for {guess} ({n} time)", "{true} taken for {guess} ({n} times)", c.count
        ).format(true=c.true_name, guess=c.predicted_name, n=count(c.count))
        for c in top_confusions(matrix, 3)
    ]
    explained = _(
        "Each row is what the images really are, each column what the model guessed; the "
        "diagonal counts the right answers. It recognises **{best}** best ({best_share}) and "
        "**{worst}** worst ({worst_share})."
    ).format(
        best=ranked[0][0],
        best_share=percent(ranked[0][1]),
        worst=ranked[-1][0],
        worst_share=percent(ranked[-1][1]),
    )
    if mixups:
        # NOTE: {mixups} is a list such as "Shirt taken for T-shirt/top (120 times); …"
        mixed = _("Its most common mix-ups: {mixups}.").format(mixups="; ".join(mixups))
    else:
        mixed = _("Its most common mix-ups: none.")
    st.write(f"{explained} {mixed}")
    lang = language()
    (confusion, per_class), (phone_confusion, phone_per_class) = (
        confusion_pngs(matrix, False, lang),
        confusion_pngs(matrix, True, lang),
    )
    show_figure(confusion, phone_confusion, "results-confusion")
    st.subheader(_("How often each kind is recognised"))
    show_figure(per_class, phone_per_class, "results-per-kind")


def mistakes_section(x_test: np.ndarray, result: Evaluation) -> None:
    """The wrong guesses the model was surest about."""
    wrong = most_confident_mistakes(result.probs, result.labels, SHOWN_MISTAKES)
    if len(wrong) == 0:
        st.success(_("The model makes no mistakes on the test images."))
        return
    n_wrong = result.wrong
    st.write(
        ngettext(
            "It gets {wrong} of the {total} test images wrong. This is the mistake it was surest "
            "about; many are hard even for a person at {size} "
            "pixels.",
            "It gets {wrong} of the {total} test images wrong. These are the mistakes it was "
            "surest about; many are hard even for a person at {size} "
            "pixels.",
            n_wrong,
        ).format(wrong=count(n_wrong), total=count(len(result.labels)), size=pixel_size(IMAGE_SIZE))
    )
    shown = x_test[wrong], result.labels[wrong], result.probs[wrong]
    lang = language()
    show_figure(mistakes_png(*shown, False, lang), mistakes_png(*shown, True, lang), "mistakes")


st.title(_("Results"))
st.write(
    _(
        "How good is the model? We count how often it names the right kind of clothing, first on "
        "the images it learnt from, then on test images it has never seen."
    )
)
active = chapter_model_choice(key="results_model")
data = dataset_or_message()
if data is None:
    st.stop()
_train, (x_test, y_test) = data
result = evaluate(active_test_probs(active), y_test)

st.header(_("Training and test accuracy"), divider="gray")
accuracy_section(train_accuracy(active), train_size(active), result)
if active.shipped and shipped_card().history:
    with st.expander(_("How its accuracy grew while it was learning")):
        lang = language()
        show_figure(shipped_curves_png(False, lang), shipped_curves_png(True, lang), "curves")

st.header(_("Its guesses, one by one"), divider="gray")
predictions_section(x_test, result)
with st.expander(_("Why this answer?"), icon=":material/lightbulb:"):
    pick = st.session_state.get("results_pick", 0)
    why_section(inside_model(active), x_test[pick], result.probs[pick])

st.header(_("Where it gets confused"), divider="gray")
confusion_section(result)

st.header(_("Its most confident mistakes"), divider="gray")
mistakes_section(x_test, result)

st.header(_("Inside the model"), divider="gray")
st.subheader(_("What the hidden units learnt"))
units_section(inside_model(active), key="results_all_units")
st.subheader(_("What it looks for in each kind"))
with st.expander(_("Show the ten pictures"), icon=":material/grid_view:"):
    kinds_section(inside_model(active), active.shipped, x_test, y_test, result.predicted)
