"""photo_model.py: augmentations keep the input contract, folding batch norm changes nothing, and
a photo is classified through the same call the page makes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES


@pytest.fixture(scope="module")
def pm():
    from fmnist_demo import photo_model

    return photo_model


def _trained_looking(pm):
    """A photo CNN whose batch-norm statistics are not the identity, as after training."""
    model = pm.build_photo_model()
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            size = layer.get_weights()[0].shape
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, size),
                    rng.normal(0, 0.1, size),
                    rng.normal(0, 0.1, size),
                    rng.uniform(0.5, 2.0, size),
                ]
            )
    return model


def test_augment_keeps_the_input_contract(pm, fmnist):
    (x_train, y_train), _ = fmnist
    first = pm.augment(x_train[:64], y_train[:64], seed=3)
    again = pm.augment(x_train[:64], y_train[:64], seed=3)
    assert first.shape == (64, IMAGE_SIZE, IMAGE_SIZE) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)  # seeded
    assert not np.array_equal(first, pm.augment(x_train[:64], y_train[:64], seed=4))
    # the item still touches a side of the frame: longest side fitted to 28, as the pipeline does
    touches = (first[:, 0].max(1) > 0) | (first[:, -1].max(1) > 0)
    touches |= (first[:, :, 0].max(1) > 0) | (first[:, :, -1].max(1) > 0)
    assert touches.mean() > 0.8


def test_folding_batch_norm_changes_no_output(pm):
    from fmnist_demo.model import predict_proba

    model = _trained_looking(pm)
    folded = pm.fold_batch_norm(model)
    images = np.random.default_rng(1).random((8, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
    np.testing.assert_allclose(
        predict_proba(folded, images), predict_proba(model, images), atol=1e-5
    )
    assert len(folded.layers) < len(model.layers)
    restored = pm.build_photo_model()
    pm._load_weights(restored, folded)  # continuing training from a folded file is exact too
    np.testing.assert_allclose(
        predict_proba(restored, images), predict_proba(model, images), atol=1e-5
    )


def test_ensemble_averages_its_members(pm):
    from fmnist_demo.model import predict_proba

    first, second = _trained_looking(pm), pm.build_photo_model()
    images = np.random.default_rng(2).random((4, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
    expected = (predict_proba(first, images) + predict_proba(second, images)) / 2
    ensemble = pm.build_ensemble([first, second])
    np.testing.assert_allclose(predict_proba(ensemble, images), expected, atol=1e-6)


def test_classify_photo_gives_ten_probabilities(pm):
    from fmnist_demo.model import load_photo_model

    scene = np.full((400, 300, 3), 215, np.uint8)
    scene[40:360, 100:200] = (30, 40, 90)  # a tall dark item on a light floor
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    result = pm.classify_photo(load_photo_model(), out.getvalue())
    assert result.probabilities.shape == (NUM_CLASSES,)
    assert abs(float(result.probabilities.sum()) - 1.0) < 1e-4
    assert result.runner_up != result.predicted
    assert result.confident == (result.confidence >= pm.CONFIDENT)
    assert result.prepared.model_input.shape == (IMAGE_SIZE, IMAGE_SIZE)


def test_shoe_or_not_adds_up_the_three_kinds_of_shoe(pm):
    from fmnist_demo import photo

    scene = np.full((300, 400, 3), 220, np.uint8)
    scene[120:200, 60:340] = (40, 30, 30)  # a long, low dark item
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    prepared = photo.prepare(out.getvalue())
    probs = np.array([0.02, 0.0, 0.0, 0.0, 0.1, 0.25, 0.08, 0.35, 0.0, 0.2], np.float32)
    shoe = pm.PhotoResult(prepared=prepared, probabilities=probs)
    assert shoe.predicted == 7 and shoe.footwear  # Sneaker
    assert shoe.footwear_probability == pytest.approx(0.8)  # Sandal + Sneaker + Ankle boot
    coat = pm.PhotoResult(prepared=prepared, probabilities=np.roll(probs, -3))  # Coat on top
    assert coat.predicted == 4 and not coat.footwear
    assert coat.footwear_probability == pytest.approx(0.02)  # Sandal 0, Sneaker 0.02, boot 0


def test_the_shipped_model_loads_as_a_trainable_twin(pm):
    from fmnist_demo.assets import PHOTO_MODEL_PATH
    from fmnist_demo.model import load_model, predict_proba

    images = np.random.default_rng(5).random((6, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
    shipped = load_model(PHOTO_MODEL_PATH)
    trainable = pm.load_trainable(PHOTO_MODEL_PATH)  # batch norm put back, ready to fine-tune
    assert any(layer.__class__.__name__ == "BatchNormalization" for layer in trainable.layers)
    np.testing.assert_allclose(
        predict_proba(trainable, images), predict_proba(shipped, images), atol=1e-5
    )
