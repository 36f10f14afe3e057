"""The chapter's network, predict_proba and the shipped model."""

from __future__ import annotations

import gc
import weakref

import keras
import numpy as np
import pytest

from fmnist_demo import i18n
from fmnist_demo.assets import DEFAULT_MODEL_PATH, read_card
from fmnist_demo.model import (
    ROLE_HIDDEN,
    ROLE_INPUT,
    ROLE_OUTPUT,
    ModelUnavailable,
    accuracy,
    build_model,
    count_params,
    load_default_model,
    load_model,
    load_model_bytes,
    model_bytes,
    predict_proba,
    summary_rows,
)


@pytest.fixture(scope="module")
def shipped():
    return load_default_model()


@pytest.mark.parametrize(("hidden", "params"), [(128, 101_770), (512, 407_050)])
def test_parameter_counts(hidden, params):
    model = build_model(hidden)
    assert count_params(model) == params
    rows = summary_rows(model)
    assert [r["Kind"] for r in rows] == ["Flatten", "Dense", "Dense"]
    assert sum(r["Parameters"] for r in rows) == params
    assert rows[-1]["Output shape"] == "(batch, 10)"


def test_architecture_and_compile():
    model = build_model()
    assert model.layers[1].activation.__name__ == "relu"
    assert model.layers[2].activation.__name__ == "softmax"
    assert model.loss == "sparse_categorical_crossentropy"
    assert type(model.optimizer).__name__ == "Adam"


def test_predict_proba_single_and_batch(shipped, fmnist):
    _, (x_test, _) = fmnist
    one = predict_proba(shipped, x_test[0])
    assert one.shape == (1, 10)
    batch = predict_proba(shipped, x_test[:64])
    assert batch.shape == (64, 10) and batch.dtype == np.float32
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(one[0], batch[0], atol=1e-6)
    channel_last = predict_proba(shipped, x_test[:4, :, :, None])
    np.testing.assert_allclose(channel_last, batch[:4], atol=1e-6)


def test_uint8_and_float_inputs_agree(shipped, fmnist):
    _, (x_test, _) = fmnist
    as_uint8 = predict_proba(shipped, x_test[:32])
    as_float = predict_proba(shipped, x_test[:32].astype(np.float32) / 255.0)
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)


def test_a_model_used_to_classify_is_freed_when_dropped(fmnist):
    # Its compiled forward pass once held the model for good: every model a visitor trained
    # stayed in the server's memory, with its weights, optimizer and graph.
    _, (x_test, _) = fmnist
    model = build_model()
    predict_proba(model, x_test[:8])
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None


def test_every_model_of_one_width_has_the_same_variable_names():
    # Numbered names ("dense_57/kernel") cost the server memory for good with every training.
    first, second = build_model(512), build_model(512)
    names = [[v.path for v in m.variables + m.optimizer.variables] for m in (first, second)]
    assert names[0] == names[1]


def test_a_models_graph_reads_its_weights_as_they_are_now(fmnist):
    _, (x_test, _) = fmnist
    learning, other = build_model(), build_model()
    before = predict_proba(learning, x_test[:16])
    learning.set_weights(other.get_weights())
    np.testing.assert_allclose(
        predict_proba(learning, x_test[:16]), predict_proba(other, x_test[:16]), atol=1e-6
    )
    assert not np.allclose(before, predict_proba(learning, x_test[:16]))


def test_predict_proba_rejects_wrong_shapes(shipped):
    with pytest.raises(ValueError, match="28x28"):
        predict_proba(shipped, np.zeros((32, 32)))
    assert predict_proba(shipped, np.zeros((0, 28, 28))).shape == (0, 10)


def test_shipped_model_and_card(shipped, fmnist):
    _, (x_test, y_test) = fmnist
    card = read_card(DEFAULT_MODEL_PATH)
    test_acc = accuracy(shipped, x_test, y_test)
    assert test_acc >= 0.88
    assert abs(card["test_accuracy"] - test_acc) < 0.002
    assert card["epochs"] == 10 and card["parameters"] == 101_770
    assert card["train_accuracy"] > test_acc  # the chapter's overfitting gap
    for key in ("architecture", "training_seconds", "date", "command"):
        assert key in card


def test_model_bytes_round_trip(shipped, fmnist):
    _, (x_test, _) = fmnist
    again = load_model_bytes(model_bytes(shipped))
    np.testing.assert_allclose(predict_proba(again, x_test[:8]), predict_proba(shipped, x_test[:8]))


def test_damaged_or_missing_model_file(tmp_path):
    with pytest.raises(ModelUnavailable, match="missing"):
        load_model(tmp_path / "nope.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="cannot be read"):
        load_model(bad)
    with pytest.raises(ModelUnavailable):
        load_model_bytes(b"\x00" * 10)


def test_summary_says_what_each_layer_does():
    rows = summary_rows(build_model(128))
    assert [r["Role"] for r in rows] == [ROLE_INPUT, ROLE_HIDDEN, ROLE_OUTPUT]
    assert rows[0]["Layer"].startswith("flatten")  # Keras's own names stay for code


def test_summary_and_model_errors_in_bengali(tmp_path, bengali):
    rows = summary_rows(build_model(128))
    assert rows[0]["Output shape"] == "(ছবির সংখ্যা, 784)"
    assert i18n._(rows[1]["Role"]) == "লুকানো স্তর: প্রতিটি একক একটি করে নকশা চিনতে শেখে"
    with pytest.raises(ModelUnavailable) as missing:
        load_model(tmp_path / "nope.keras")
    assert str(missing.value) == "মডেলের ফাইল nope.keras পাওয়া যাচ্ছে না। অ্যাপটি আবার ইনস্টল করুন।"
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable) as unreadable:
        load_model(bad)
    assert str(unreadable.value).startswith("মডেলের ফাইল bad.keras পড়া যাচ্ছে না (")
    wrong = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(3)])
    with pytest.raises(ModelUnavailable, match="28×28 মাপের Fashion-MNIST ছবির জন্য নয়"):
        load_model_bytes(model_bytes(wrong))
