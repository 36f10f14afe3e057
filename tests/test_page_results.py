"""AppTest for the Results page: accuracies, 15 predictions, confusion, mistakes, both models."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_demo.assets import DEFAULT_MODEL_PATH, read_card
from fmnist_demo.data import is_available, load_fashion_mnist
from fmnist_demo.evaluation import count, percent, points_between
from fmnist_demo.model import accuracy, build_model, load_default_model, predict_proba

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "fmnist_demo/pages/results.py"

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


def _results(session: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def _chart(at: AppTest, marker: str) -> dict:
    """The one chart on the page whose spec mentions `marker`."""
    specs = [c.proto.spec for c in at.get("vega_lite_chart") if marker in c.proto.spec]
    assert len(specs) == 1, f"{len(specs)} charts mention {marker!r}"
    return json.loads(specs[0])


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
    figure = _chart(shipped_page, "vconcat")
    cells = [cell for row in figure["vconcat"] for cell in row["hconcat"]]
    assert len(cells) == 15
    # the first test image is an ankle boot, and the shipped model gets it right (in blue)
    assert cells[0]["title"]["text"].startswith("Ankle boot")
    assert cells[0]["title"]["text"].endswith("(Ankle boot)")
    text = " ".join(m.value for m in shipped_page.markdown)
    right = sum(cell["title"]["color"] == "#1f63c6" for cell in cells)
    assert f"**{right} of 15** right" in text


def test_confusion_matrix_and_mistakes(shipped_page):
    assert _chart(shipped_page, "What it really is")
    assert _chart(shipped_page, "Share recognised correctly")
    text = " ".join(m.value for m in shipped_page.markdown)
    assert "Shirt** worst" in text  # the chapter's hardest kind
    (_, _), (x_test, y_test) = load_fashion_mnist()
    wrong = int((predict_proba(load_default_model(), x_test).argmax(axis=1) != y_test).sum())
    assert f"{count(wrong)} of the 10,000 test images wrong" in text
    assert len(shipped_page.image) == 1  # the gallery of confident mistakes


def test_visitors_model_is_used_when_chosen():
    keras.utils.set_random_seed(0)
    model = build_model(hidden_units=8)  # untrained: about one guess in ten is right
    (_, _), (x_test, y_test) = load_fashion_mnist()
    expected_test = accuracy(model, x_test, y_test)
    user = {
        "model": model,
        "trained_at": "14:05",
        "hidden_units": 8,
        "epochs": 1,
        "train_accuracy": 0.5,
        "test_accuracy": expected_test,
    }
    at = _results({"user_model": user, "model_choice": "yours"})
    assert at.radio(key="results_model").value == "yours"
    assert "your model" in at.caption[0].value
    assert [m.value for m in at.metric] == ["50 %", percent(expected_test)]
    assert "How its accuracy grew" not in [e.label for e in at.expander]

    at.radio(key="results_model").set_value("shipped").run()
    assert not at.exception
    card = read_card(DEFAULT_MODEL_PATH)
    assert [m.value for m in at.metric] == [
        percent(card["train_accuracy"]),
        percent(card["test_accuracy"]),
    ]
