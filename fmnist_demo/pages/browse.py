"""Browse the data: a grid of samples, one image up close with its pixel numbers, and the counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_demo import plots
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, TEST_SIZE, TRAIN_SIZE
from fmnist_demo.evaluation import (
    EmptySelection,
    class_counts,
    count,
    normalisation_examples,
    sample_indices,
)
from fmnist_demo.pages._common import dataset, dataset_or_message, show_figure

GRID_SIZE = 25  # the chapter's 5 x 5 figure
SEED_KEY = "browse_seed"  # bumped by "Show others": each click draws a new, reproducible sample
SPLITS = {"train": "Training images", "test": "Test images"}
ALL_KINDS = -1  # class choice meaning "every kind"

if SEED_KEY not in st.session_state:
    st.session_state[SEED_KEY] = 0


def _split(split: str) -> tuple:
    """(images, labels) of the training or test split, from the shared cache."""
    (x_train, y_train), (x_test, y_test) = dataset()
    return (x_train, y_train) if split == "train" else (x_test, y_test)


# The chapter's figures are drawn once per choice and kept as PNG bytes: a warm page sends them.
@st.cache_data(show_spinner=False, max_entries=64)
def grid_png(split: str, kind: int | None, seed: int, phone: bool) -> tuple[bytes, int]:
    """The 5 x 5 sample figure for this choice (3 across for a phone), and its screen width."""
    images, labels = _split(split)
    shown = sample_indices(labels, GRID_SIZE, seed=seed, class_id=kind)
    layout = {"columns": 3, "width_in": plots.PHONE_INCHES} if phone else {}
    fig = plots.sample_grid(images[shown], labels[shown], **layout)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=256)
def picture_png(split: str, index: int) -> tuple[bytes, int]:
    """One picture with its 0-255 colour bar."""
    fig = plots.picture_figure(_split(split)[0][index])
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False, max_entries=256)
def pixels_png(split: str, index: int, normalised: bool) -> tuple[bytes, int]:
    """One picture's 784 values written in their cells."""
    fig = plots.pixel_values_figure(_split(split)[0][index], normalised=normalised)
    return plots.figure_png(fig), plots.screen_width(fig)


@st.cache_data(show_spinner=False)
def counts_png() -> tuple[bytes, int]:
    """How many pictures of each kind the two sets hold."""
    (_, y_train), (_, y_test) = dataset()
    fig = plots.class_count_figure(class_counts(y_train), class_counts(y_test))
    return plots.figure_png(fig), plots.screen_width(fig)


def _show_others() -> None:
    st.session_state[SEED_KEY] += 1


def sample_controls() -> tuple[str, int | None]:
    """Split and class choosers plus the "Show others" button; returns (split, class or None)."""
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    split = left.segmented_control(
        "Which images",
        options=list(SPLITS),
        format_func=SPLITS.get,
        default="train",
        required=True,
        key="browse_split",
    )
    kind = middle.selectbox(
        "Which kind of clothing",
        options=[ALL_KINDS, *range(len(CLASS_NAMES))],
        format_func=lambda k: "All kinds" if k == ALL_KINDS else CLASS_NAMES[k],
        key="browse_class",
    )
    right.button(
        "Show others", icon=":material/shuffle:", on_click=_show_others, key="browse_shuffle"
    )
    return split, None if kind == ALL_KINDS else kind


st.title("Browse the data")
st.write(
    "Fashion-MNIST is a collection of small black-and-white photos of clothes, shoes and bags, "
    "each one labelled by a person with what it shows. The computer learns from the "
    "**training images** and is then checked on the **test images**, which it never sees while "
    "learning."
)

data = dataset_or_message()
if data is None:
    st.stop()
(x_train, y_train), (x_test, y_test) = data

a, b, c, d = st.columns(4)
a.metric("Training images", count(len(x_train)), border=True)
b.metric("Test images", count(len(x_test)), border=True)
c.metric("Kinds of clothing", count(len(CLASS_NAMES)), border=True)
d.metric(f"Pixels per image ({IMAGE_SIZE} × {IMAGE_SIZE})", count(IMAGE_SIZE**2), border=True)

st.header("A random sample", divider="gray")
split, kind = sample_controls()
images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
try:
    shown = sample_indices(labels, GRID_SIZE, seed=st.session_state[SEED_KEY], class_id=kind)
except EmptySelection as exc:
    st.error(str(exc))
    st.stop()
which = "all kinds" if kind is None else f"only {CLASS_NAMES[kind]}"
st.caption(
    f"{len(shown)} of the {count(len(labels))} {SPLITS[split].lower()}, {which}. "
    "Press **Show others** for a new sample."
)
seed = st.session_state[SEED_KEY]
show_figure(grid_png(split, kind, seed, False), grid_png(split, kind, seed, True), "browse-grid")

st.header("One image up close", divider="gray")
pick = st.selectbox(
    "Image to look at (its number in the sample above)",
    options=range(len(shown)),
    format_func=lambda i: f"{i + 1}. {CLASS_NAMES[labels[shown[i]]]}",
    key="browse_pick",
)
index = int(shown[pick])
image, label = images[index], int(labels[index])  # (28, 28) uint8
left, right = st.columns(2)
with left:
    st.subheader(f"Label: {CLASS_NAMES[label]}")
    png, width = picture_png(split, index)
    st.image(png, width=width)
with right:
    st.subheader("What the computer sees")
    st.write(
        f"To a computer this picture is just {count(IMAGE_SIZE * IMAGE_SIZE)} numbers, one per "
        f"pixel, in a {IMAGE_SIZE} × {IMAGE_SIZE} grid: **0 is black, 255 is white**, and the "
        "numbers in between are shades of grey. The label is a number too: "
        f"**{label}** means *{CLASS_NAMES[label]}*."
    )
    st.write(
        "**Before learning, every number is divided by 255**, so all pixels lie between 0 and 1. "
        "The picture looks exactly the same; only the scale changes, which makes learning "
        "steadier."
    )
    # a plain table: three rows need no scrolling or sorting
    examples = pd.DataFrame(normalisation_examples(image)).set_index("Pixel")
    st.table(examples.style.format({"After ÷ 255": "{:.2f}"}))

scale = st.segmented_control(
    "Show the pixel numbers",
    options=["stored", "normalised"],
    format_func={
        "stored": "As stored (0 to 255)",
        "normalised": "After ÷ 255 (0 to 1, one decimal)",
    }.get,
    default="stored",
    required=True,
    key="browse_scale",
)
png, width = pixels_png(split, index, scale == "normalised")
st.image(png, width=width)

st.header("How many of each", divider="gray")
st.write(
    f"The dataset is balanced: each of the {len(CLASS_NAMES)} kinds has exactly "
    f"{count(TRAIN_SIZE // len(CLASS_NAMES))} training images and "
    f"{count(TEST_SIZE // len(CLASS_NAMES))} test images, so no kind is favoured."
)
png, width = counts_png()
st.image(png, width=width)
