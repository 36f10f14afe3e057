"""Home: the chapter's story in a few plain sentences, and whether everything it needs is here."""

import streamlit as st

from fmnist_demo.data import DatasetUnavailable, find_data_dir
from fmnist_demo.pages._common import dataset, shipped_card

st.title("Teaching a computer to recognise clothes")
st.markdown(
    """
A computer can learn to tell a sneaker from a sandal without anyone writing rules for it:
we show it **70,000 small pictures of clothes**, each with the right answer, and it slowly
adjusts itself until its answers match. This app walks through that chapter step by step.
"""
)

steps = st.columns(4)
story = [
    (
        "fmnist_demo/pages/browse.py",
        ":material/grid_view:",
        "1. Look at the pictures",
        "70,000 grey 28 × 28 pictures in 10 kinds: T-shirts, trousers, pullovers, dresses, coats, "
        "sandals, shirts, sneakers, bags and ankle boots.",
    ),
    (
        "fmnist_demo/pages/train_live.py",
        ":material/model_training:",
        "2. Watch it learn",
        "A small network studies 60,000 of them, ten times over. Within a minute it is right about "
        "9 times in 10 — and we can tell it to stop once it gets there.",
    ),
    (
        "fmnist_demo/pages/results.py",
        ":material/insights:",
        "3. Check its answers",
        "We test it on 10,000 pictures it has never seen: about 88 % right. A little lower than on "
        "the pictures it studied — that gap is called overfitting.",
    ),
    (
        "fmnist_demo/pages/classify.py",
        ":material/photo_camera:",
        "4. Try a real item",
        "Hold a T-shirt, a shoe or a bag in front of the camera, or upload a photo, and see what "
        "it thinks — and where it still gets things wrong.",
    ),
]
for column, (page, icon, title, text) in zip(steps, story, strict=True):
    with column.container(border=True):
        st.markdown(f"**{title}**")
        st.write(text)
        st.page_link(page, label="Open", icon=icon)

st.subheader("Is everything here?")
left, right = st.columns(2)
with left:
    folder = find_data_dir()
    if folder is None:
        st.warning(
            "The Fashion-MNIST pictures are not on this computer yet. They will be downloaded "
            "(30 MB) the first time a page needs them, if there is an internet connection.",
            icon=":material/cloud_download:",
        )
    else:
        try:
            (x_train, _), (x_test, _) = dataset()
            st.success(
                f"The dataset is here: {len(x_train):,} training and "
                f"{len(x_test):,} test pictures.",
                icon=":material/check_circle:",
            )
        except DatasetUnavailable as exc:
            st.error(f"The dataset cannot be read. {exc}", icon=":material/error:")
with right:
    card = shipped_card()
    if card:
        st.success(
            f"A ready-trained model is included: right on {card['test_accuracy']:.0%} of the test "
            f"pictures after {card['epochs']} rounds of training. You can classify photos "
            "without training anything.",
            icon=":material/inventory_2:",
        )
    else:
        st.error(
            "The ready-trained model is missing: reinstall the app.",
            icon=":material/error:",
        )
