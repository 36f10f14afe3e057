"""Home: the chapter's story in a few plain sentences, and whether everything it needs is here."""

import streamlit as st

from fmnist_demo.data import IMAGE_SIZE, DatasetUnavailable, find_data_dir, kind_names
from fmnist_demo.evaluation import first_of_each_kind
from fmnist_demo.formatting import count, percent, pixel_size
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._dataset import dataset
from fmnist_demo.pages._shipped_models import shipped_card

CHAPTER_TEST_ACCURACY = 0.88  # what the chapter's model scores on the test pictures
# ten across in a 1280 px window beside the sidebar (a row of 820 px, with 9 gaps of 16 px): 74 px
# pushed the tenth onto a row of its own; on a phone they wrap four across
SAMPLE_PX = 64
SAMPLE_SCALE = 4  # each picture drawn 4 times larger, with hard pixel edges, then shown smaller


@st.cache_resource(show_spinner=False)
def one_of_each() -> list:
    """The first training picture of each of the ten kinds, enlarged 4 times (uint8 arrays)."""
    (x_train, y_train), _test = dataset()
    # in numpy, so that Home, the first page most visitors open, does not wait for matplotlib to
    # be imported (about 0.6 s)
    return first_of_each_kind(x_train, y_train, SAMPLE_SCALE)


st.title(_("Teaching a computer to recognise clothes"))
st.markdown(
    _(
        "A computer can learn to tell a sneaker from a sandal without anyone writing rules for "
        "it: we show it **70,000 small pictures of clothes**, each with the right answer, and it "
        "slowly adjusts itself until its answers match. This app walks through that chapter step "
        "by step."
    )
)

steps = st.columns(4)
story = [
    (
        "fmnist_demo/pages/browse.py",
        ":material/grid_view:",
        _("1. Look at the pictures"),
        _(
            "70,000 grey {size} pictures in 10 kinds: T-shirts, trousers, pullovers, dresses, "
            "coats, sandals, shirts, sneakers, bags and ankle boots."
        ).format(size=pixel_size(IMAGE_SIZE)),
    ),
    (
        "fmnist_demo/pages/train_live.py",
        ":material/model_training:",
        _("2. Watch it learn"),
        _(
            "A small network studies 60,000 of them, ten times over. Within a minute it is right "
            "about 9 times in 10 — and we can tell it to stop once it gets there."
        ),
    ),
    (
        "fmnist_demo/pages/results.py",
        ":material/insights:",
        _("3. Check its answers"),
        _(
            "We test it on 10,000 pictures it has never seen: about {accuracy} right. A little "
            "lower than on the pictures it studied — that gap is called overfitting."
        ).format(accuracy=percent(CHAPTER_TEST_ACCURACY)),
    ),
    (
        "fmnist_demo/pages/classify.py",
        ":material/photo_camera:",
        _("4. Try a real item"),
        _(
            "Hold a T-shirt, a shoe or a bag in front of the camera, or upload a photo, and see "
            "what it thinks — and where it still gets things wrong."
        ),
    ),
]
for column, (page, icon, title, text) in zip(steps, story, strict=True):
    # "stretch": every card as tall as the row's tallest, the links level at the bottom
    with column.container(border=True, height="stretch", vertical_alignment="distribute"):
        st.markdown(f"**{title}**\n\n{text}")
        st.page_link(page, label=_("Open"), icon=icon)

if find_data_dir() is not None:
    try:
        st.subheader(_("Ten of the 70,000 pictures, one of each kind"))
        pictures = one_of_each()
        # a row of ten on a desk screen that wraps to four across on a phone
        with st.container(horizontal=True, wrap=True, gap="small"):
            for picture, name in zip(pictures, kind_names(), strict=True):
                st.image(picture, caption=name, width=SAMPLE_PX)
    except DatasetUnavailable:
        pass  # said below, under "Is everything here?"

st.subheader(_("Is everything here?"))
left, right = st.columns(2)
with left:
    folder = find_data_dir()
    if folder is None:
        st.warning(
            _(
                "The Fashion-MNIST pictures are not on this computer yet. They will be downloaded "
                "(30 MB) the first time a page needs them, if there is an internet connection."
            ),
            icon=":material/cloud_download:",
        )
    else:
        try:
            (x_train, _labels), (x_test, _test_labels) = dataset()
            st.success(
                _("The dataset is here: {train} training and {test} test pictures.").format(
                    train=count(len(x_train)), test=count(len(x_test))
                ),
                icon=":material/check_circle:",
            )
        except DatasetUnavailable as exc:
            st.error(
                _("The dataset cannot be read. {reason}").format(reason=exc),
                icon=":material/error:",
            )
with right:
    card = shipped_card()
    if card.present and card.test_accuracy is not None and card.epochs:
        st.success(
            ngettext(
                "A ready-trained model is included: right on {accuracy} of the test pictures "
                "after {epochs} round of training. You can classify photos without training "
                "anything.",
                "A ready-trained model is included: right on {accuracy} of the test pictures "
                "after {epochs} rounds of training. You can classify photos without training "
                "anything.",
                card.epochs,
            ).format(accuracy=percent(card.test_accuracy), epochs=card.epochs),
            icon=":material/inventory_2:",
        )
    else:
        st.error(
            _("The ready-trained model is missing: reinstall the app."),
            icon=":material/error:",
        )
