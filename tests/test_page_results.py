"""AppTest for the Results page: accuracies, 15 predictions, confusion, mistakes, both models."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from apptest import open_app
from fresh_process import first_visit_imports_tensorflow
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo.assets import DEFAULT_MODEL_PATH, read_card
from fmnist_demo.data import is_available, load_fashion_mnist
from fmnist_demo.evaluation import (
    per_class_accuracy,
    points_between,
    ranked_classes,
    top_confusions,
)
from fmnist_demo.formatting import confidence, count, percent
from fmnist_demo.model import accuracy, build_model, load_default_model, predict_proba
from fmnist_demo.user_model import UserModel

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "fmnist_demo/pages/results.py"

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


def _results(session: dict | None = None, lang: str | None = None) -> AppTest:
    return open_app(PAGE, lang=lang, session=session)


@pytest.fixture(scope="module")
def shipped_page() -> AppTest:
    return _results()


def test_shipped_model_accuracies_and_overfitting(shipped_page):
    at = shipped_page
    card = read_card(DEFAULT_MODEL_PATH)
    assert [m.value for m in at.metric] == [
        percent(card["train_accuracy"]),
        percent(card["test_accuracy"]),
    ]
    assert "shipped model" in at.caption[0].value
    assert "overfitting" in at.info[0].value
    gap = points_between(card["train_accuracy"], card["test_accuracy"])
    assert gap > 0 and f"{gap} points better" in at.info[0].value


def test_fifteen_predictions_in_the_chapter_figure(shipped_page):
    (_, _), (x_test, y_test) = load_fashion_mnist()
    guesses = predict_proba(load_default_model(), x_test[:15]).argmax(axis=1)
    right = int((guesses == y_test[:15]).sum())
    text = " ".join(m.value for m in shipped_page.markdown)
    assert f"**{right} of 15** right" in text
    # every figure is a picture, each drawn for a desk screen and for a phone: how it learnt (in
    # the expander), the 15 predictions, one picture's ten bars, the confusion matrix, accuracy
    # per kind, the mistakes gallery
    assert len(shipped_page.image) == 12
    assert not shipped_page.get("vega_lite_chart")  # no chart library to load


def test_one_picture_with_its_ten_bars(shipped_page):
    at = shipped_page
    pick = at.selectbox(key="results_pick")
    assert len(pick.options) == 15 and pick.options[0] == "1. Ankle boot"
    before = [i.value[0] for i in at.image]
    # the first test image is an ankle boot, and the shipped model gets it right
    assert any(
        "The model says **Ankle boot**" in m.value and "(right)" in m.value for m in at.markdown
    )
    pick.set_value(1).run()
    assert not at.exception
    after = [i.value[0] for i in at.image]
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 2  # only the ten bars
    # (for a desk screen and for a phone)
    assert any("The model says **" in m.value and "sure (" in m.value for m in at.markdown)


def test_confusion_matrix_and_mistakes(shipped_page):
    assert any(s.value == "How often each kind is recognised" for s in shipped_page.subheader)
    text = " ".join(m.value for m in shipped_page.markdown)
    assert "Shirt** worst" in text  # the chapter's hardest kind
    (_, _), (x_test, y_test) = load_fashion_mnist()
    wrong = int((predict_proba(load_default_model(), x_test).argmax(axis=1) != y_test).sum())
    assert f"{count(wrong)} of the 10,000 test images wrong" in text
    assert len(shipped_page.image) == 12  # ... the last two: the gallery of confident mistakes


def _untrained_user_model() -> UserModel:
    """A visitor's model as Train live keeps it: untrained, about one guess in ten is right."""
    keras.utils.set_random_seed(0)
    model = build_model(hidden_units=8)
    (_, _), (x_test, y_test) = load_fashion_mnist()
    expected_test = accuracy(model, x_test, y_test)
    return UserModel(
        model=model,
        token="t0",
        trained_at="14:05",
        hidden_units=8,
        epochs=1,
        train_accuracy=0.5,
        test_accuracy=expected_test,
    )


def test_visitors_model_is_used_when_chosen():
    user = _untrained_user_model()
    expected_test = user.test_accuracy
    at = _results({"user_model": user, "model_choice": "yours"})
    assert at.radio(key="results_model").value == "yours"
    assert "your model" in at.caption[0].value
    assert [m.value for m in at.metric] == ["50\u00a0%", percent(expected_test)]
    assert "How its accuracy grew" not in [e.label for e in at.expander]

    at.radio(key="results_model").set_value("shipped").run()
    assert not at.exception
    card = read_card(DEFAULT_MODEL_PATH)
    assert [m.value for m in at.metric] == [
        percent(card["train_accuracy"]),
        percent(card["test_accuracy"]),
    ]


def test_results_in_bengali(bengali):
    at = _results(lang="bn")
    assert latin_words(at) == []
    card = read_card(DEFAULT_MODEL_PATH)
    assert at.title[0].value == "ফলাফল"
    assert [m.value for m in at.metric] == [
        percent(card["train_accuracy"]),
        percent(card["test_accuracy"]),
    ]  # "88 %": Western digits, as everywhere
    assert at.metric[1].label == "10,000টি নতুন পরীক্ষার ছবিতে"
    gap = points_between(card["train_accuracy"], card["test_accuracy"])
    assert f"**{gap} পয়েন্ট ভালো**" in at.info[0].value and "**ওভারফিটিং**" in at.info[0].value
    pick = at.selectbox(key="results_pick")
    assert pick.options[0] == "1. অ্যাঙ্কেল বুট"
    text = " ".join(m.value for m in at.markdown)
    assert "মডেল বলছে **অ্যাঙ্কেল বুট**" in text and "নিশ্চিত (ঠিক)।" in text
    assert "**শার্ট** সবচেয়ে কম" in text  # the chapter's hardest kind, named in Bengali

    # a picture the shipped model gets wrong: the verdict names the true kind in Bengali
    (_, _), (x_test, y_test) = load_fashion_mnist()
    probs = predict_proba(load_default_model(), x_test[:15])
    wrong = int(np.flatnonzero(probs.argmax(axis=1) != y_test[:15])[0])
    pick.set_value(wrong).run()
    assert not at.exception
    assert latin_words(at) == []
    assert any("নিশ্চিত (ভুল: আসলে " in m.value for m in at.markdown)


def test_results_in_bengali_with_the_visitors_model(bengali):
    user = _untrained_user_model()
    at = _results({"user_model": user, "model_choice": "yours"}, lang="bn")
    assert latin_words(at) == []
    assert [m.value for m in at.metric] == ["50\u00a0%", percent(user.test_accuracy)]
    at.radio(key="results_model").set_value("shipped").run()
    assert not at.exception
    assert latin_words(at) == []


def test_numbers_and_kind_names_in_bengali(bengali):
    assert percent(0.998) == "99\u00a0%-এর বেশি"  # a doubt never rounded up to certainty
    assert confidence(1.0) == "99\u00a0%-এর বেশি" and percent(0.8819) == "88\u00a0%"
    matrix = np.zeros((10, 10), dtype=int)
    np.fill_diagonal(matrix, 90)
    matrix[6, 0] = 30  # Shirt taken for T-shirt/top
    [mixup] = top_confusions(matrix, 3)
    assert (mixup.true_name, mixup.predicted_name, mixup.count) == ("শার্ট", "টি-শার্ট/টপ", 30)
    assert ranked_classes(per_class_accuracy(matrix))[-1][0] == "শার্ট"


def test_shipped_probabilities_in_numpy_are_the_keras_models(fmnist):
    from fmnist_demo.dense_forward import chapter_probabilities

    _train, (x_test, _labels) = load_fashion_mnist()
    ours = chapter_probabilities(DEFAULT_MODEL_PATH, x_test[:500])
    theirs = predict_proba(load_default_model(), x_test[:500])
    assert ours.shape == (500, 10) and np.allclose(ours, theirs, atol=1e-5)
    assert (ours.argmax(axis=1) == theirs.argmax(axis=1)).all()


@pytest.mark.slow  # a process of its own, where TensorFlow has not been imported
def test_first_visit_to_results_with_the_shipped_model_needs_no_tensorflow(fmnist):
    # importing TensorFlow took about 4 of the 5.9 s of a first visit (issue 26, part 5)
    assert not first_visit_imports_tensorflow(
        PAGE, "assert any('On the 10,000 new test images' in m.label for m in at.metric)"
    )
