"""Browse the data: a grid of samples, one image up close with its pixel numbers, and the counts."""

from __future__ import annotations

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
from fmnist_demo.pages._common import dataset_or_message

GRID_SIZE = 25  # the chapter's 5 x 5 figure
SEED_KEY = "browse_seed"  # bumped by "Show others": each click draws a new, reproducible sample
SPLITS = {"train": "Training images", "test": "Test images"}
ALL_KINDS = -1  # class choice meaning "every kind"

if SEED_KEY not in st.session_state:
    st.session_state[SEED_KEY] = 0


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
st.image(plots.sample_grid(images[shown], labels[shown]), output_format="PNG")

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
    st.altair_chart(plots.image_chart(image))
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
    st.dataframe(
        normalisation_examples(image),
        hide_index=True,
        column_config={"After ÷ 255": st.column_config.NumberColumn(format="%.2f")},
    )

scale = st.segmented_control(
    "Show the pixel numbers",
    options=["stored", "normalised"],
    format_func={"stored": "As stored (0 to 255)", "normalised": "After ÷ 255 (0 to 1)"}.get,
    default="stored",
    required=True,
    key="browse_scale",
)
st.altair_chart(plots.pixel_heatmap(image, normalised=scale == "normalised"))

st.header("How many of each", divider="gray")
st.write(
    f"The dataset is balanced: each of the {len(CLASS_NAMES)} kinds has exactly "
    f"{count(TRAIN_SIZE // len(CLASS_NAMES))} training images and "
    f"{count(TEST_SIZE // len(CLASS_NAMES))} test images, so no kind is favoured."
)
st.altair_chart(plots.class_count_chart(class_counts(y_train), class_counts(y_test)))
