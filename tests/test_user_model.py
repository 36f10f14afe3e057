"""The visitor's trained model and its training's outcome as values (fmnist_demo/user_model.py),
and the bounded store that keeps what a visitor made for a page reload (reload_store.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from waiting import watch_to_the_end

from fmnist_demo.evaluation import evaluate, first_of_each_kind
from fmnist_demo.model import accuracy
from fmnist_demo.quiz import QuizRound
from fmnist_demo.reload_store import ReloadStore
from fmnist_demo.training import TrainingJob, TrainSettings, train
from fmnist_demo.user_model import (
    SHIPPED,
    YOURS,
    ActiveModel,
    TrainingOutcome,
    UserModel,
    UserModelStore,
    finished_training,
)


def test_the_reload_store_is_bounded_and_forgets_old_values():
    store = ReloadStore(capacity=2, ttl_s=3600)
    for token in "abc":
        store.put(token, {"token": token})
    assert len(store) == 2 and store.get("a") is None  # the least recently used went first
    assert store.get("b") == {"token": "b"}
    store.put("d", {"token": "d"})
    assert store.get("c") is None and store.get("b") is not None  # reading b kept it
    now = [0.0]
    timed = ReloadStore(capacity=5, ttl_s=3600, now=lambda: now[0])
    timed.put("x", {})
    now[0] = 3599.0
    assert timed.get("x") is not None  # kept for the hour, and the hour starts again
    now[0] = 3599.0 + 3601.0
    assert timed.get("x") is None and len(timed) == 0


def test_model_store_keeps_weights_and_a_reload_makes_the_model_again(fmnist):
    from fmnist_demo.model import predict_proba

    (x, y), (x_test, _) = fmnist
    model = train(x[:640], y[:640], TrainSettings(hidden_units=32, epochs=1)).model
    user = UserModel(model=model, token="t", trained_at="14:05", hidden_units=32, epochs=1)
    store = UserModelStore(capacity=2, ttl_s=3600)
    store.put("t", user)
    kept = store.get("t")
    assert kept.model is None and len(kept.weights) == 4  # no Keras model kept
    assert user.model is model  # the visitor's own model is left as it was
    again = kept.with_model()
    assert again.weights is None and kept.model is None
    assert np.allclose(predict_proba(again.model, x_test[:50]), predict_proba(model, x_test[:50]))
    assert again.with_model() is again  # a model already made is not made twice


def test_a_finished_training_becomes_its_outcome_and_the_visitors_model(fmnist):
    (x, y), (x_test, y_test) = fmnist
    settings = TrainSettings(hidden_units=32, epochs=2, target_accuracy=None)
    job = TrainingJob(x[:640], y[:640], settings)
    job.start()
    watch_to_the_end(job)
    asked = []

    def test_set():
        asked.append(True)
        return x_test[:500], y_test[:500]

    outcome, user = finished_training(job, test_set, token="tok", trained_at="14:05")
    assert asked == [True]  # the test pictures are asked for once, as a model was made
    assert outcome.reason == "finished" and outcome.error is None and not outcome.abandoned
    assert outcome.epochs_done == 2 and outcome.hidden_units == 32 and outcome.samples == 640
    assert outcome.target is None and outcome.seconds > 0
    assert outcome.train_accuracy == outcome.history[-1].accuracy
    assert outcome.test_accuracy == accuracy(job.result().model, x_test[:500], y_test[:500])
    rows = outcome.history_rows()
    assert [row["epoch"] for row in rows] == [1, 2]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "seconds"}
    assert user.model is job.result().model and user.token == "tok" and user.trained_at == "14:05"
    assert (user.hidden_units, user.epochs, user.samples) == (32, 2, 640)
    assert user.train_accuracy == outcome.train_accuracy
    assert user.test_accuracy == outcome.test_accuracy and user.outcome is outcome
    assert user.file_name == "fmnist_dense32_2epochs.keras"
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.reason = "cancelled"  # type: ignore[misc]


def test_a_training_that_never_began_leaves_an_error_and_no_model(fmnist):
    (x, y), _test = fmnist
    job = TrainingJob(x[:64], y[:64], TrainSettings(hidden_units=8, epochs=1))  # never started

    def test_set():
        raise AssertionError("no model, so no test pictures are needed")

    outcome, user = finished_training(job, test_set, token="tok", trained_at="14:05")
    assert user is None and outcome.error == "unknown" and outcome.epochs_done == 0
    assert outcome.train_accuracy is None and outcome.history_rows() == []


def test_the_active_model_says_whose_it_is():
    user = UserModel(model=None, token="t", trained_at="14:05", hidden_units=8, epochs=1)
    shipped = ActiveModel(loaded=None, label="shipped model", origin=SHIPPED, load=lambda: "loaded")
    yours = ActiveModel(loaded="keras model", label="your model", origin=YOURS, user=user)
    assert shipped.shipped and not yours.shipped and yours.user is user
    assert shipped.model == "loaded" and yours.model == "keras model"  # loaded when asked for


def test_default_outcome_is_empty():
    outcome = TrainingOutcome(error="the server could not start it")
    assert outcome.epochs_done == 0 and outcome.reason is None and outcome.train_accuracy is None


# --- small numbers the pages used to work out themselves --------------------------------------


def test_a_quiz_round_takes_one_answer_per_picture():
    played = QuizRound(indices=(4, 8, 15), model="shipped:1")
    assert not played.finished
    for kind in (1, 2, 3):
        played = played.answered(kind)
    assert played.finished and played.answers == (1, 2, 3)
    assert played.answered(9) is played  # a double tap on the last picture answers once
    assert not played.counted


def test_evaluation_counts_wrong_answers_and_the_first_ones_right():
    probs = np.eye(10, dtype=np.float32)[[0, 1, 2, 3, 4]]  # guesses 0 1 2 3 4
    result = evaluate(probs, np.array([0, 1, 9, 3, 9]))
    assert result.wrong == 2 and result.right_among_first(3) == 2
    assert result.right_among_first(1) == 1 and result.right_among_first(100) == 3


def test_first_of_each_kind_enlarged_with_hard_pixel_edges():
    images = np.arange(12 * 2 * 2, dtype=np.uint8).reshape(12, 2, 2)
    labels = np.array([3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 0, 3])
    firsts = first_of_each_kind(images, labels, scale=3)
    assert len(firsts) == 10 and firsts[0].shape == (6, 6) and firsts[0].dtype == np.uint8
    np.testing.assert_array_equal(firsts[0][::3, ::3], images[1])  # the first 0 is picture 1
    np.testing.assert_array_equal(firsts[3][:3, :3], np.full((3, 3), images[0][0, 0]))
