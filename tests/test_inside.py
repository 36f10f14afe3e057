"""Inside the network: the hidden units' pictures, per-kind pictures and why-pictures, with the
real Keras model (tiny trainings, and a model whose weights are set by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_demo import i18n, inside, inside_plots
from fmnist_demo.model import build_model, predict_proba
from fmnist_demo.photo_model import build_photo_model
from fmnist_demo.training import Progress, TrainingJob, TrainSettings, train

RAISES = (10, 12)  # the pixel (row, column) that raises kind K through hidden unit 0
LOWERS = (20, 5)  # the pixel that lowers kind K through hidden unit 1
K, J = 3, 7  # the kind the model answers, and a close second in the unsure model


def hand_set_model(second: float = 0.0):
    """A chapter network whose score for K is 10 x RAISES - 3 x LOWERS (and `second` x RAISES
    for kind J); every other weight and bias zero."""
    model = build_model(128)
    hidden, output = np.zeros((784, 128), np.float32), np.zeros((128, 10), np.float32)
    hidden[RAISES[0] * 28 + RAISES[1], 0] = 1.0
    hidden[LOWERS[0] * 28 + LOWERS[1], 1] = 1.0
    output[0, K], output[1, K], output[0, J] = 10.0, -3.0, second
    model.set_weights([hidden, np.zeros(128, np.float32), output, np.zeros(10, np.float32)])
    return model


def picture_with_both_pixels() -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[RAISES] = image[LOWERS] = 255
    return image


def test_why_has_the_expected_sign_where_it_should():
    model = hand_set_model()
    image = picture_with_both_pixels()
    probs = predict_proba(model, image[None])[0]
    w = inside.why(model, image, probs)
    assert w.answer == K and w.sure and w.runner_up is None
    assert w.towards_answer[RAISES] == pytest.approx(10.0)  # pushed towards K
    assert w.towards_answer[LOWERS] == pytest.approx(-3.0)  # pushed against K
    rest = np.ones((28, 28), bool)
    rest[RAISES] = rest[LOWERS] = False
    assert np.all(w.towards_answer[rest] == 0)  # black pixels count for nothing
    assert w.shares() == pytest.approx((10.0, -3.0))
    assert 3.0 < w.scale <= 10.0  # near the largest push, one scale for the picture


def test_why_shows_the_runner_up_when_not_sure():
    model = hand_set_model(second=7.2)  # J's score 7.2 against K's 7: J first, K a close second
    image = picture_with_both_pixels()
    probs = predict_proba(model, image[None])[0]
    w = inside.why(model, image, probs)
    assert w.answer == J and not w.sure and w.runner_up == K
    assert w.towards_answer[RAISES] == pytest.approx(7.2)
    assert w.towards_answer[LOWERS] == pytest.approx(0.0)
    assert w.towards_runner_up[LOWERS] == pytest.approx(-3.0)


def test_mirror_averages_the_picture_and_its_mirror_image():
    model = hand_set_model()
    image = np.zeros((28, 28), np.float32)
    image[RAISES] = 1.0  # its mirror image has the pixel at (10, 15): unit 0 stays dark
    shares = inside.input_times_gradient(model, image[None], np.array([K]), mirror=True)[0]
    assert shares[RAISES] == pytest.approx(5.0)


def test_why_works_on_the_photo_cnn_with_eleven_outputs():
    model = build_photo_model()
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    probs = predict_proba(model, image[None])[0]
    assert probs.shape == (11,)
    w = inside.why(model, image, probs, mirror=True)
    assert w.towards_answer.shape == (28, 28) and np.isfinite(w.towards_answer).all()
    assert np.abs(w.towards_answer).max() > 0
    with pytest.raises(inside.NoHiddenLayer):
        inside.hidden_kernel(model)


def test_kind_pictures_average_right_answers_only():
    model = hand_set_model()
    images = np.zeros((4, 28, 28), np.uint8)
    images[:, RAISES[0], RAISES[1]] = 255
    images[1, LOWERS[0], LOWERS[1]] = 255
    labels = np.array([K, K, K, 0])
    predicted = np.array([K, K, 5, 5])  # the third is wrong: left out; kind 0 never right
    kp = inside.kind_pictures(model, images, labels, predicted)
    assert kp.counts[K] == 2 and kp.counts[0] == 0
    assert kp.pictures[K][RAISES] == pytest.approx(10.0)
    assert kp.pictures[K][LOWERS] == pytest.approx(-1.5)  # -3 in one of the two
    assert np.all(kp.pictures[0] == 0)


def test_unit_pictures_take_the_first_units_on_one_scale():
    kernel = np.random.default_rng(1).normal(size=(784, 128)).astype(np.float32)
    pics = inside.unit_pictures(kernel)
    assert pics.pictures.shape == (32, 28, 28) and pics.units == tuple(range(32))
    sizes = np.abs(kernel[:, :32])
    assert pics.scale == pytest.approx(np.percentile(sizes, inside.SCALE_PERCENTILE), rel=1e-4)
    assert pics.total == 128
    np.testing.assert_array_equal(pics.pictures[5].reshape(-1), kernel[:, 5])
    assert len(inside.unit_pictures(kernel, None).units) == 128
    with pytest.raises(ValueError):
        inside.unit_pictures(kernel[:100])


def test_the_weight_grid_differs_between_two_epochs_of_a_tiny_training(fmnist):
    (x, y), _ = fmnist
    seen: list[Progress] = []
    result = train(
        x[:2000],
        y[:2000],
        TrainSettings(epochs=2, target_accuracy=None),
        progress=seen.append,
        weights_every_s=0.0,
    )
    ends = [p.hidden_weights for p in seen if p.epoch_done]
    assert len(ends) == 2 and all(w is not None and w.shape == (784, 128) for w in ends)
    np.testing.assert_array_equal(ends[1], inside.hidden_kernel(result.model))
    grids = [
        inside_plots.grid_rgb(inside.unit_pictures(w).pictures, inside.unit_pictures(w).scale)
        for w in ends
    ]
    assert grids[0].shape == grids[1].shape
    assert np.mean(np.any(grids[0] != grids[1], axis=-1)) > 0.2  # many tiles' pixels changed


def test_weights_are_not_handed_over_unless_asked(fmnist):
    (x, y), _ = fmnist
    seen: list[Progress] = []
    train(x[:1000], y[:1000], TrainSettings(epochs=1, target_accuracy=None), seen.append)
    assert seen and all(p.hidden_weights is None for p in seen)


def test_a_training_job_keeps_the_latest_weights_with_a_version(fmnist):
    (x, y), _ = fmnist
    job = TrainingJob(x[:1000], y[:1000], TrainSettings(epochs=2, target_accuracy=None))
    assert job.latest_weights() == (None, 0)
    job.start()
    assert job.done.wait(120)
    weights, version = job.latest_weights()
    assert version >= 2 and weights.shape == (784, 128)
    np.testing.assert_array_equal(weights, inside.hidden_kernel(job.result().model))


def test_colours_are_white_at_zero_and_blue_for_positive():
    rgb = inside_plots.diverging_rgb(np.array([-1.0, 0.0, 1.0, 5.0]), 1.0)
    red, white, blue, beyond = (tuple(int(v) for v in c) for c in rgb)
    assert min(white) >= 240  # white, or nearly
    assert red[0] > red[2] and blue[2] > blue[0]
    assert beyond == blue  # beyond the scale: the end colour


def test_grid_lays_out_tiles_in_rows_of_eight():
    pics = np.zeros((32, 28, 28), np.float32)
    pics[9] = 1.0  # second row, second tile
    grid = inside_plots.grid_rgb(pics, 1.0)
    assert grid.shape == (4 * 29 - 1, 8 * 29 - 1, 3)
    assert tuple(grid[29 + 5, 29 + 5]) == tuple(inside_plots.diverging_rgb(np.float32(1), 1))
    assert tuple(grid[28, 0]) == inside_plots.GAP_RGB


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_views_write_their_words_in_the_visitors_language(lang):
    i18n.set_language(lang)
    try:
        model = hand_set_model(second=7.2)
        image = picture_with_both_pixels()
        w = inside.why(model, image, predict_proba(model, image[None])[0])
        page = inside_plots.why_html(
            w.picture, w.answer, w.probability, w.towards_answer, w.scale,
            w.runner_up, w.towards_runner_up,
        )  # fmt: skip
        assert page.count("<img") == 3
        assert i18n._("What the model saw") in page
        assert i18n._(inside_plots.KEY_ZERO) in page
        kinds = inside_plots.kind_pictures_html(np.zeros((10, 28, 28)), 1.0, [1] * 9 + [0])
        assert kinds.count("<img") == 10
    finally:
        i18n.set_language("en")


def test_the_shipped_models_numpy_weights_give_the_same_pushes_as_keras(fmnist):
    """Results reads the shipped model's pictures from its numpy weights (no TensorFlow on a
    first visit): the pushes and the units must be the Keras model's own."""
    from fmnist_demo.assets import DEFAULT_MODEL_PATH
    from fmnist_demo.dense_forward import chapter_weights
    from fmnist_demo.model import load_model

    (_train, (x_test, y_test)) = fmnist
    weights = chapter_weights(DEFAULT_MODEL_PATH)
    model = load_model(DEFAULT_MODEL_PATH)
    images, kinds = x_test[:40], y_test[:40]
    in_numpy = inside.input_times_gradient(weights, images, kinds)
    in_keras = inside.input_times_gradient(model, images, kinds)
    assert np.abs(in_numpy).max() > 0
    np.testing.assert_allclose(in_numpy, in_keras, atol=1e-4 * np.abs(in_keras).max())
    np.testing.assert_array_equal(inside.hidden_kernel(weights), inside.hidden_kernel(model))
