"""AppTest for the quiz page: play ten fixed answers by tapping, see both scores, the comparison
and the best score of the visit; in Bengali too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fresh_process import first_visit_imports_tensorflow
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo.data import is_available, kind_name, load_fashion_mnist
from fmnist_demo.model import load_default_model, predict_proba
from fmnist_demo.user_model import UserModel

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "fmnist_demo/pages/quiz.py"

pytestmark = pytest.mark.skipif(
    not is_available(), reason="Fashion-MNIST files not found; set FMNIST_DATA_DIR"
)


def _quiz(lang: str | None = None, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if lang:
        at.query_params["lang"] = lang
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.session_state["quiz_seed"] = 1234  # the visit's seed: the same ten pictures every run
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def _truth_and_model(indices) -> tuple[np.ndarray, np.ndarray]:
    (_train, (x_test, y_test)) = load_fashion_mnist()
    model_says = predict_proba(load_default_model(), x_test[list(indices)]).argmax(axis=1)
    return y_test[list(indices)], model_says


def _text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_a_round_scored_side_by_side_with_the_best_kept():
    at = _quiz()
    assert "shipped model" in " ".join(c.value for c in at.caption)
    assert [b.label for b in at.button][-10:] == [kind_name(k) for k in range(10)]
    progress = at.get("progress")[0].proto
    assert progress.text == "Picture 1 of 10" and progress.value == 0

    first = at.session_state["quiz_round"].indices
    truth, model = _truth_and_model(first)
    wrong = (truth + 1) % 10
    answers = [int(t) for t in truth[:6]] + [int(w) for w in wrong[6:]]  # six right, four wrong
    at.button(key=f"quiz_answer_{answers[0]}").click().run()
    assert at.get("progress")[0].proto.text == "Picture 2 of 10"
    assert "**2 of 10** · Which kind of clothing is this?" in _text(at)
    for kind in answers[1:]:
        at.button(key=f"quiz_answer_{kind}").click().run()
        assert not at.exception

    model_score = int((model == truth).sum())
    assert at.subheader[0].value == f"You 6 of 10 · the model {model_score} of 10"
    assert "Your best this visit: **6 of 10**" in _text(at)
    only_you = [n + 1 for n in range(6) if model[n] != truth[n]]
    only_model = [n + 1 for n in range(6, 10) if model[n] == truth[n]]
    text = _text(at)
    if only_you:
        assert ", ".join(map(str, only_you)) + " right where the model went wrong" in text
    else:
        assert "No picture was right only for you." in text
    if only_model:
        assert ", ".join(map(str, only_model)) + " right where you went wrong" in text
    else:
        assert "No picture was right only for the model." in text
    # every picture with both answers and the truth
    for n in range(10):
        card = text.split(f"**{n + 1}**")[1]
        assert f"You: {kind_name(answers[n])}" in card
        assert f"Model: {kind_name(model[n])} (" in card
        assert f"Truth: **{kind_name(truth[n])}**" in card
    assert text.count("Only you") == len(only_you)  # the cards' badges
    assert text.count("Only the model") == len(only_model)

    # a second round: ten other pictures; a worse score leaves the best as it was
    at.button(key="quiz_again").click().run()
    second = at.session_state["quiz_round"].indices
    assert not set(second) & set(first)
    truth2, _model2 = _truth_and_model(second)
    for t in truth2:
        at.button(key=f"quiz_answer_{(int(t) + 1) % 10}").click().run()
    assert at.subheader[0].value.startswith("You 0 of 10")
    assert "Your best this visit: **6 of 10**" in _text(at)
    at.run()  # shown again, the round is not counted twice, nor is a round added
    assert "Your best this visit: **6 of 10**" in _text(at)
    assert at.session_state["quiz_round"].indices == second


def test_the_quiz_in_bengali(bengali):
    at = _quiz("bn")
    assert at.title[0].value == "আপনি বনাম মডেল"
    assert [b.label for b in at.button][-10:] == [kind_name(k) for k in range(10)]
    assert kind_name(9) == "অ্যাঙ্কেল বুট"
    truth, model = _truth_and_model(at.session_state["quiz_round"].indices)
    for t in truth:  # all ten right
        at.button(key=f"quiz_answer_{int(t)}").click().run()
    assert not at.exception
    model_score = int((model == truth).sum())
    assert at.subheader[0].value == f"আপনি 10টির মধ্যে 10 · মডেল 10টির মধ্যে {model_score}"
    assert "এবারের সেরা স্কোর: **10টির মধ্যে 10**" in _text(at)
    assert latin_words(at) == []  # no English left on the score screen
    if model_score < 10:
        assert at.success[0].value == "এই রাউন্ডে আপনি মডেলকে হারিয়ে দিয়েছেন!"


def test_the_visitors_own_model_plays_when_chosen_and_says_so():
    import keras

    from fmnist_demo.model import build_model

    keras.utils.set_random_seed(0)
    model = build_model(hidden_units=8)  # untrained: about one picture in ten right
    user = UserModel(model=model, token="t0", trained_at="14:05", hidden_units=8, epochs=1,
                     train_accuracy=0.1, test_accuracy=0.1)  # fmt: skip
    at = _quiz(session={"user_model": user, "model_choice": "yours"})
    assert at.radio(key="quiz_model").value == "yours"
    assert "Active model: **your model, trained at 14:05" in at.caption[-1].value
    indices = at.session_state["quiz_round"].indices
    (_train, (x_test, y_test)) = load_fashion_mnist()
    probs = predict_proba(model, x_test)
    truth = y_test[list(indices)]
    for t in truth:
        at.button(key=f"quiz_answer_{int(t)}").click().run()
    model_score = int((probs[list(indices)].argmax(axis=1) == truth).sum())
    assert at.subheader[0].value == f"You 10 of 10 · the model {model_score} of 10"

    # the shipped model chosen instead: a new round, chosen for it
    at.radio(key="quiz_model").set_value("shipped").run()
    assert not at.exception
    assert "Active model: **shipped model" in at.caption[-1].value
    assert at.get("progress")[0].proto.text == "Picture 1 of 10"
    assert not set(at.session_state["quiz_round"].indices) & set(indices)


@pytest.mark.slow  # a process of its own, where TensorFlow has not been imported
def test_a_round_with_the_shipped_model_needs_no_tensorflow():
    # the quiz asked Keras for the shipped model's answers, and loaded it to name its round
    assert not first_visit_imports_tensorflow(
        PAGE,
        """
        at.button(key="quiz_answer_0").click().run()
        assert not at.exception and len(at.session_state["quiz_round"].answers) == 1
        """,
    )
