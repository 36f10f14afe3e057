"""AppTest for the Browse page: counts, sample grid and its controls, one image up close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from apptest import open_app
from fresh_process import first_visit_imports_tensorflow
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo import plots
from fmnist_demo.data import CLASS_NAMES, is_available
from fmnist_demo.evaluation import EmptySelection, normalisation_examples, sample_indices

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "fmnist_demo/pages/browse.py"

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


def _browse(lang: str | None = None) -> AppTest:
    return open_app(PAGE, lang=lang)


def _grid(at: AppTest) -> str:
    """The media URL of the sample grid; it changes whenever the shown images change."""
    return at.image[0].value[0]


def _chart_specs(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("vega_lite_chart")]


def test_counts_and_controls_are_shown():
    at = _browse()
    assert [m.value for m in at.metric] == ["60,000", "10,000", "10", "784"]
    assert "28\u00a0×\u00a028" in at.metric[3].label  # held together on one line
    assert at.segmented_control(key="browse_split").value == "train"
    assert at.selectbox(key="browse_class").value == -1  # all kinds
    assert at.button(key="browse_shuffle").label == "Show others"
    assert len(at.selectbox(key="browse_pick").options) == 25
    # the chapter's figures as pictures: the 5 x 5 sample (laid out for a desk screen and for a
    # phone), one picture with its colour bar, its 784 numbers, the counts of each kind (for a
    # desk screen and for a phone)
    assert len(at.image) == 6
    assert not _chart_specs(at)  # no chart library to load: the page shows in a moment


def test_split_and_class_change_the_sample():
    at = _browse()
    first = _grid(at)
    at.segmented_control(key="browse_split").set_value("test").run()
    assert not at.exception
    assert _grid(at) != first
    assert "test images" in at.caption[0].value

    at.selectbox(key="browse_class").set_value(CLASS_NAMES.index("Sneaker")).run()
    assert not at.exception
    picks = at.selectbox(key="browse_pick").options
    assert len(picks) == 25 and all(p.endswith("Sneaker") for p in picks)
    assert "only Sneaker" in at.caption[0].value


def test_show_others_draws_a_new_sample_reproducibly():
    at = _browse()
    first = _grid(at)
    at.button(key="browse_shuffle").click().run()
    assert not at.exception
    second = _grid(at)
    assert second != first
    # A fresh visitor who clicks once sees the same sample: the seed counts the clicks.
    again = _browse()
    assert _grid(again) == first
    again.button(key="browse_shuffle").click().run()
    assert _grid(again) == second


def test_up_close_image_and_normalisation():
    at = _browse()
    pick = at.selectbox(key="browse_pick")
    label = pick.options[0].split(". ", 1)[1]
    assert at.subheader[0].value == f"Label: {label}"
    picture, numbers = at.image[2].value[0], at.image[3].value[0]
    table = at.table[0].value
    assert list(table.columns) == ["Before", "After ÷ 255"] and table.index.name == "Pixel"
    assert table["Before"].max() <= 255 and table["After ÷ 255"].max() <= 1

    pick.set_value(4).run()
    assert at.subheader[0].value == f"Label: {pick.options[4].split('. ', 1)[1]}"
    assert at.image[2].value[0] != picture and at.image[3].value[0] != numbers
    numbers = at.image[3].value[0]
    at.segmented_control(key="browse_scale").set_value("normalised").run()
    assert not at.exception
    assert at.image[3].value[0] != numbers  # the same picture, its numbers divided by 255
    assert at.image[2].value[0] == _browse_pick(at, 4)


def _browse_pick(at: AppTest, index: int) -> str:
    """The close-up picture's media URL for the sample's picture `index` (drawn afresh)."""
    again = _browse()
    again.selectbox(key="browse_pick").set_value(index).run()
    return again.image[2].value[0]


def test_a_rerun_reads_the_dataset_from_the_cache(monkeypatch):
    # Speed is measured in benchmarks/page_speed.py; here, that a rerun never reads the files again.
    at = _browse()

    def parse_again(*args, **kwargs):
        raise AssertionError("the dataset was read again on a rerun")

    monkeypatch.setattr("fmnist_demo.pages._dataset.load_fashion_mnist", parse_again)
    at.button(key="browse_shuffle").click().run()
    assert not at.exception, at.exception
    assert len(at.image) > 0  # the new sample is drawn


@pytest.mark.slow
def test_page_never_imports_tensorflow():
    """Run the page in a fresh interpreter, where nothing else could have imported TensorFlow."""
    assert not first_visit_imports_tensorflow(PAGE)


def test_browse_in_bengali(bengali):
    at = _browse("bn")
    assert latin_words(at) == []
    assert at.title[0].value == "ছবিগুলো দেখুন"
    assert at.metric[0].label == "শেখার ছবি" and at.metric[0].value == "60,000"
    assert at.button(key="browse_shuffle").label == "অন্যগুলো দেখান"
    assert at.caption[0].value.startswith("60,000টি শেখার ছবির মধ্যে 25টি, সব ধরনের।")
    table = at.table[0].value
    assert list(table.columns) == ["আগে", "÷ 255-এর পরে"] and table.index.name == "পিক্সেল"
    assert table.index[0].startswith("সবচেয়ে গাঢ় (সারি ")

    # the test images of one kind, their numbers divided by 255: every state of the page
    at.segmented_control(key="browse_split").set_value("test").run()
    at.selectbox(key="browse_class").set_value(CLASS_NAMES.index("Sneaker")).run()
    at.segmented_control(key="browse_scale").set_value("normalised").run()
    assert not at.exception
    assert latin_words(at) == []
    assert "10,000টি পরীক্ষার ছবির মধ্যে 25টি, শুধু স্নিকার।" in at.caption[0].value
    assert all(p.endswith(". স্নিকার") for p in at.selectbox(key="browse_pick").options)
    assert at.subheader[0].value == "লেবেল: স্নিকার"


@pytest.mark.skipif(not plots.FIGURES_SHAPE_BENGALI, reason="figures keep English words here")
def test_figures_are_cached_per_language():
    """A figure drawn for one visitor is never served to a visitor reading the other language."""
    english, in_bengali = _browse(), _browse("bn")
    counts = len(english.image) - 1  # how many of each kind: the same numbers for every visitor
    assert english.image[counts].value[0] != in_bengali.image[counts].value[0]
    assert _browse().image[counts].value[0] == english.image[counts].value[0]


def test_empty_selection_and_pixel_names_in_bengali(bengali):
    with pytest.raises(EmptySelection, match="এই ধরনের দেখানোর মতো কোনো ছবি নেই।"):
        sample_indices(np.array([0, 1]), 25, seed=0, class_id=9)
    image = np.zeros((28, 28), dtype=np.uint8)
    image[1, 2] = 255
    rows = normalisation_examples(image)
    assert [r["Pixel"] for r in rows][2] == "সবচেয়ে উজ্জ্বল (সারি 1, কলাম 2)"
    assert list(rows[0]) == ["Pixel", "Before", "After ÷ 255"]  # keys stay the code's own
