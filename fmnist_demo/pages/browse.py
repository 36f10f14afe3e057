"""Browse the data: a grid of samples, one image up close with its pixel numbers, and the counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_demo import plots
from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES, TEST_SIZE, TRAIN_SIZE, kind_name
from fmnist_demo.evaluation import (
    EmptySelection,
    class_counts,
    normalisation_examples,
    sample_indices,
)
from fmnist_demo.formatting import count, pixel_size
from fmnist_demo.i18n import N_, _, language
from fmnist_demo.pages._dataset import dataset, dataset_or_message
from fmnist_demo.pages._figures import figure_image, figure_to_swipe, show_figure

GRID_SIZE = 25  # the chapter's 5 x 5 figure
SEED_KEY = "browse_seed"  # bumped by "Show others": each click draws a new, reproducible sample
SPLITS = {"train": N_("Training images"), "test": N_("Test images")}
ALL_KINDS = -1  # class choice meaning "every kind"

if SEED_KEY not in st.session_state:
    st.session_state[SEED_KEY] = 0


def _split(split: str) -> tuple:
    """(images, labels) of the training or test split, from the shared cache."""
    (x_train, y_train), (x_test, y_test) = dataset()
    return (x_train, y_train) if split == "train" else (x_test, y_test)


# The chapter's figures are drawn once per choice and kept as PNG bytes: a warm page sends them.
# Their words are in the visitor's language, so each takes the language as part of its key.
@st.cache_data(show_spinner=False, max_entries=64)
def grid_png(split: str, kind: int | None, seed: int, phone: bool, lang: str) -> tuple[bytes, int]:
    """The 5 x 5 sample figure for this choice (3 across for a phone), and its screen width."""
    images, labels = _split(split)
    shown = sample_indices(labels, GRID_SIZE, seed=seed, class_id=kind)
    layout = {"columns": 3, "width_in": plots.PHONE_INCHES} if phone else {}
    fig = plots.sample_grid(images[shown], labels[shown], **layout)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=256)
def picture_png(split: str, index: int, lang: str) -> tuple[bytes, int]:
    """One picture with its 0-255 colour bar."""
    fig = plots.picture_figure(_split(split)[0][index])
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=256)
def pixels_png(split: str, index: int, normalised: bool, lang: str) -> tuple[bytes, int]:
    """One picture's 784 values written in their cells."""
    fig = plots.pixel_values_figure(_split(split)[0][index], normalised=normalised)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=4)
def counts_png(phone: bool, lang: str) -> tuple[bytes, int]:
    """How many pictures of each kind the two sets hold (laid out for a phone, or a desk)."""
    (_train, y_train), (_test, y_test) = dataset()
    fig = plots.class_count_figure(class_counts(y_train), class_counts(y_test), phone=phone)
    return plots.figure_png(fig), plots.screen_width(fig)


def _show_others() -> None:
    st.session_state[SEED_KEY] += 1


def sample_controls() -> tuple[str, int | None]:
    """Split and class choosers plus the "Show others" button; returns (split, class or None)."""
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    split = left.segmented_control(
        _("Which images"),
        options=list(SPLITS),
        format_func=lambda s: _(SPLITS[s]),
        default="train",
        required=True,
        key="browse_split",
    )
    kind = middle.selectbox(
        _("Which kind of clothing"),
        options=[ALL_KINDS, *range(NUM_CLASSES)],
        format_func=lambda k: _("All kinds") if k == ALL_KINDS else kind_name(k),
        key="browse_class",
    )
    right.button(
        _("Show others"), icon=":material/shuffle:", on_click=_show_others, key="browse_shuffle"
    )
    return split, None if kind == ALL_KINDS else kind


def sample_caption(split: str, kind: int | None, shown: int, total: int) -> str:
    """'25 of the 60,000 training images, all kinds. Press **Show others** …' (whole sentences)."""
    if split == "train" and kind is None:
        text = _(
            "{shown} of the {total} training images, all kinds. Press **Show others** for a new "
            "sample."
        )
    elif split == "train":
        text = _(
            "{shown} of the {total} training images, only {kind}. Press **Show others** for a new "
            "sample."
        )
    elif kind is None:
        text = _(
            "{shown} of the {total} test images, all kinds. Press **Show others** for a new sample."
        )
    else:
        text = _(
            "{shown} of the {total} test images, only {kind}. Press **Show others** for a new "
            "sample."
        )
    name = "" if kind is None else kind_name(kind)
    return text.format(shown=count(shown), total=count(total), kind=name)


lang = language()
st.title(_("Browse the data"))
st.write(
    _(
        "Fashion-MNIST is a collection of small black-and-white photos of clothes, shoes and "
        "bags, each one labelled by a person with what it shows. The computer learns from the "
        "**training images** and is then checked on the **test images**, which it never sees "
        "while learning."
    )
)

data = dataset_or_message()
if data is None:
    st.stop()
(x_train, y_train), (x_test, y_test) = data

a, b, c, d = st.columns(4)
a.metric(_("Training images"), count(len(x_train)), border=True)
b.metric(_("Test images"), count(len(x_test)), border=True)
c.metric(_("Kinds of clothing"), count(NUM_CLASSES), border=True)
d.metric(
    _("Pixels per image ({size})").format(size=pixel_size(IMAGE_SIZE)),
    count(IMAGE_SIZE**2),
    border=True,
)

st.header(_("A random sample"), divider="gray")
split, kind = sample_controls()
images, labels = _split(split)
try:
    shown = sample_indices(labels, GRID_SIZE, seed=st.session_state[SEED_KEY], class_id=kind)
except EmptySelection as exc:
    st.error(str(exc))
    st.stop()
st.caption(sample_caption(split, kind, len(shown), len(labels)))
seed = st.session_state[SEED_KEY]
show_figure(
    grid_png(split, kind, seed, False, lang), grid_png(split, kind, seed, True, lang), "browse-grid"
)

st.header(_("One image up close"), divider="gray")
pick = st.selectbox(
    _("Image to look at (its number in the sample above)"),
    options=range(len(shown)),
    format_func=lambda i: f"{i + 1}. {kind_name(labels[shown[i]])}",
    key="browse_pick",
)
index = int(shown[pick])
image, label = images[index], int(labels[index])  # (28, 28) uint8
left, right = st.columns(2)
with left:
    st.subheader(_("Label: {kind}").format(kind=kind_name(label)))
    png, width = picture_png(split, index, lang)
    figure_image(png, width)
with right:
    st.subheader(_("What the computer sees"))
    st.write(
        _(
            "To a computer this picture is just {pixels} numbers, one per pixel, in a "
            "{size} grid: **0 is black, 255 is white**, and the numbers in between are "
            "shades of grey. The label is a number too: **{label}** means *{kind}*."
        ).format(
            pixels=count(IMAGE_SIZE * IMAGE_SIZE),
            size=pixel_size(IMAGE_SIZE),
            label=label,
            kind=kind_name(label),
        )
    )
    st.write(
        _(
            "**Before learning, every number is divided by 255**, so all pixels lie between 0 and "
            "1. The picture looks exactly the same; only the scale changes, which makes learning "
            "steadier."
        )
    )
    # a plain table: three rows need no scrolling or sorting; its columns in the visitor's words
    after = _("After ÷ 255")
    examples = (
        pd.DataFrame(normalisation_examples(image))
        .rename(columns={"Pixel": _("Pixel"), "Before": _("Before"), "After ÷ 255": after})
        .set_index(_("Pixel"))
    )
    st.table(examples.style.format({after: "{:.2f}"}))

scale = st.segmented_control(
    _("Show the pixel numbers"),
    options=["stored", "normalised"],
    format_func={
        "stored": _("As stored (0 to 255)"),
        "normalised": _("After ÷ 255 (0 to 1, one decimal)"),
    }.get,
    default="stored",
    required=True,
    key="browse_scale",
)
png, width = pixels_png(split, index, scale == "normalised", lang)
figure_to_swipe(
    png,
    width,
    "browse-pixels",
    _("Swipe sideways to see all {size} pixels.").format(size=pixel_size(IMAGE_SIZE)),
)

st.header(_("How many of each"), divider="gray")
st.write(
    _(
        "The dataset is balanced: each of the {kinds} kinds has exactly {train} training images "
        "and {test} test images, so no kind is favoured."
    ).format(
        kinds=NUM_CLASSES,
        train=count(TRAIN_SIZE // NUM_CLASSES),
        test=count(TEST_SIZE // NUM_CLASSES),
    )
)
show_figure(counts_png(False, lang), counts_png(True, lang), "browse-counts")
