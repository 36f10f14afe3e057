"""AppTest for the Home page: the chapter's story, one picture of each kind, what is installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apptest import open_app
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo.assets import DEFAULT_MODEL_PATH, read_card
from fmnist_demo.data import CLASS_NAMES, is_available
from fmnist_demo.formatting import percent

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "fmnist_demo/pages/home.py"

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


def _home(lang: str | None = None) -> AppTest:
    return open_app(PAGE, lang=lang)


def _captions(at: AppTest) -> list[str]:
    """The captions under the ten pictures, in order."""
    return [image.proto.imgs[0].caption for image in at.image]


def test_story_pictures_and_what_is_here():
    at = _home()
    assert at.title[0].value == "Teaching a computer to recognise clothes"
    assert _captions(at) == list(CLASS_NAMES)  # one picture of each kind, in label order
    assert "The dataset is here: 60,000 training and 10,000 test pictures." in [
        s.value for s in at.success
    ]
    card = read_card(DEFAULT_MODEL_PATH)
    assert any(
        f"right on {percent(card['test_accuracy'])} of the test pictures after "
        f"{card['epochs']} rounds of training" in s.value
        for s in at.success
    )


def test_home_in_bengali():
    at = _home("bn")
    assert latin_words(at) == []
    assert at.title[0].value == "কম্পিউটারকে পোশাক চিনতে শেখানো"
    assert _captions(at)[:2] == ["টি-শার্ট/টপ", "ট্রাউজার"]  # the kinds in Bengali
    assert "ডেটাসেট আছে: 60,000টি শেখার ছবি আর 10,000টি পরীক্ষার ছবি।" in [
        s.value for s in at.success
    ]  # numbers stay in Western digits, as the widgets draw them
    assert any("পর্ব প্রশিক্ষণের পর" in s.value for s in at.success)


# a space a line may break at between a number and its unit: "88 %" and "28 × 28" on a phone
BREAKABLE_AT_A_UNIT = re.compile(r"\d[ \t]+[%×]|×[ \t]+\d")


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_home_numbers_stay_with_their_units(lang):
    """'about 88 %' broke before '%' at 390 px, and '28 × 28' mid-number."""
    at = _home(lang)
    texts = [m.value for m in at.markdown] + [s.value for s in at.success]
    story = " ".join(texts)
    assert "88\u00a0%" in story and "28\u00a0×\u00a028" in story
    assert [t for t in texts if BREAKABLE_AT_A_UNIT.search(t)] == []


def test_a_missing_model_card_says_reinstall_not_a_traceback(monkeypatch, tmp_path):
    """Installed without its model: Home says so in plain words."""
    import streamlit as st

    from fmnist_demo.assets import ShippedCard
    from fmnist_demo.pages import _shipped_models

    assert ShippedCard.of({}) == ShippedCard(present=False)
    monkeypatch.setattr(_shipped_models, "DEFAULT_MODEL_PATH", tmp_path / "none.keras")
    st.cache_data.clear()
    try:
        at = _home()
        assert not at.exception
        assert any("The ready-trained model is missing" in e.value for e in at.error)
    finally:
        st.cache_data.clear()


def test_the_shipped_card_as_the_pages_read_it():
    from fmnist_demo.assets import PHOTO_MODEL_PATH, ShippedCard, unseen_figures

    chapter = ShippedCard.of(read_card(DEFAULT_MODEL_PATH))
    raw = read_card(DEFAULT_MODEL_PATH)
    assert chapter.present and chapter.test_accuracy == raw["test_accuracy"]
    assert chapter.epochs == raw["epochs"] and len(chapter.history) == raw["epochs"]
    photo = ShippedCard.of(read_card(PHOTO_MODEL_PATH))
    calibrated = unseen_figures(read_card(PHOTO_MODEL_PATH))["calibrated"]
    assert photo.unseen_accuracy == calibrated["accuracy"]
    assert photo.unseen_sure_accuracy == calibrated["sure_acc"]
