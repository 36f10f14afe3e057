"""Inside the network: the hidden units' pictures, and why the model answers as it does.

No Streamlit here. Numbers only; inside_plots.py turns them into pictures.

- Each hidden unit of the chapter's network has 784 input weights, one per pixel: a 28 x 28
  picture of what raises (positive) or lowers (negative) the unit's output.
- Why an answer: **input x gradient** of a kind's score (the number before the softmax) with
  respect to the picture's pixels, computed with TensorFlow's GradientTape. For a pixel it is
  its value times how much the score moves when the pixel brightens: positive pixels pushed the
  score up, negative ones down, and black pixels (value 0) count for nothing. For the chapter's
  network the contributions of all pixels add up to the score minus what it would be for an
  all-black picture (exactly, where no hidden unit switches on or off in between).
- What the model looks for in a kind: that same input x gradient, averaged over test pictures
  of the kind that the model names correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES, normalise

UNITS_SHOWN = 32  # hidden units in the grid unless a person asks for all of them
PER_KIND_PICTURES = 200  # right answers averaged for each kind's picture: a steady mean, fast
GRADIENT_BATCH = 512  # pictures per GradientTape pass
# Below this probability the answer is "not sure", and the runner-up's picture is shown as well;
# the photo model has its own sure lines (photo_model.SURE_AT_KIND), which its page passes in.
SURE_AT = 0.8
# The colour scale's end: this percentile of the sizes shown, not the largest. A handful of
# extreme weights would otherwise wash every other pixel out to near-white; the few beyond it are
# drawn in the end colour.
SCALE_PERCENTILE = 99.5


def colour_scale(values: np.ndarray) -> float:
    """One symmetric colour scale for `values`: SCALE_PERCENTILE of their non-zero sizes."""
    sizes = np.abs(np.asarray(values, dtype=np.float32))
    sizes = sizes[sizes > 0]
    return float(np.percentile(sizes, SCALE_PERCENTILE)) if sizes.size else 1.0


class NoHiddenLayer(ValueError):
    """The model has no first dense layer whose weights are a picture per unit."""


def hidden_kernel(model: Any) -> np.ndarray:
    """(784, units) float32: the first dense layer's weights, one column per hidden unit.

    `model` is a Keras model, or the chapter model's weights as numpy arrays
    (dense_forward.chapter_weights), which need no TensorFlow.
    """
    if isinstance(model, tuple):
        return np.asarray(model[0], dtype=np.float32)
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel = np.asarray(layer.kernel.numpy(), dtype=np.float32)
            if kernel.shape[0] != IMAGE_SIZE * IMAGE_SIZE:
                break  # a dense layer after convolutions: its inputs are no pixels
            return kernel
        if isinstance(layer, keras.layers.Conv2D):
            break
    raise NoHiddenLayer("This model has no hidden layer that looks at the pixels directly.")


@dataclass(frozen=True)
class UnitPictures:
    """Some hidden units' weights as pictures, with one colour scale for all of them."""

    pictures: np.ndarray  # (n, 28, 28) float32
    units: tuple[int, ...]  # which hidden unit each picture belongs to (0-based)
    scale: float  # -scale and +scale are the strongest colours (see colour_scale)
    total: int  # how many hidden units the model has


def shown_units(units: int, n: int | None = UNITS_SHOWN) -> tuple[int, ...]:
    """Which units the grid shows: the first n (all with n None).

    The same units on Train live and on Results, from the first picture (noise) to the last:
    units start alike (random weights), so the first n are as good a sample as any, and the
    grid stays in place while they learn.
    """
    return tuple(range(units if n is None else min(n, units)))


def unit_pictures(kernel: np.ndarray, n: int | None = UNITS_SHOWN) -> UnitPictures:
    """(784, units) weights -> the first n units' pictures on one symmetric scale."""
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.ndim != 2 or kernel.shape[0] != IMAGE_SIZE * IMAGE_SIZE:
        raise ValueError(f"Expected (784, units) weights, got an array of shape {kernel.shape}.")
    units = shown_units(kernel.shape[1], n)
    pictures = kernel[:, list(units)].T.reshape(len(units), IMAGE_SIZE, IMAGE_SIZE)
    return UnitPictures(pictures, units, colour_scale(pictures), kernel.shape[1])


# ---------------------------------------------------------------------------------------------
# Attributions: input x gradient of a kind's score


def _score_layers(model: Any) -> tuple[list, Any]:
    """(the layers up to the scores, the last dense layer whose softmax is left out, or None).

    The chapter's network ends in Dense(10, softmax): its scores are that layer without the
    softmax. The photo model ends in a softmax layer of its own, which is simply left out.
    """
    import keras

    layers = list(model.layers)
    last = layers[-1]
    if isinstance(last, keras.layers.Activation):
        return layers[:-1], None
    if isinstance(last, keras.layers.Dense):
        return layers[:-1], last
    raise ValueError("The model must end in a softmax layer or a dense layer with a softmax.")


def _scores(model: Any, x: Any) -> Any:
    """(N, 28, 28) tensor -> (N, outputs) scores before the softmax, differentiable."""
    from keras import ops

    body, dense = _score_layers(model)
    for layer in body:
        x = layer(x, training=False) if _takes_training(layer) else layer(x)
    if dense is not None:
        x = ops.matmul(x, dense.kernel) + dense.bias
    return x


def _takes_training(layer: Any) -> bool:
    """Whether a layer behaves differently while learning (dropout, batch normalisation)."""
    import keras

    return isinstance(layer, keras.layers.Dropout | keras.layers.BatchNormalization)


def _as_batch(images: np.ndarray) -> np.ndarray:
    """One (28, 28) picture or a batch, uint8 or [0, 1] -> (N, 28, 28) float32 in [0, 1]."""
    arr = normalise(np.asarray(images))
    return arr[None] if arr.ndim == 2 else arr.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def _dense_input_times_gradient(
    weights: tuple[np.ndarray, ...], x: np.ndarray, kinds: np.ndarray
) -> np.ndarray:
    """The chapter model's input x gradient in numpy: its score for kind k is
    relu(x W1 + b1) W2[:, k] + b2[k], whose gradient is W1 (active units' W2[:, k])."""
    w1, b1, w2, _b2 = weights
    flat = x.reshape(len(x), -1)  # (N, 784)
    active = (flat @ w1 + b1) > 0  # (N, units): the units a ReLU lets through
    gradient = (active * w2[:, kinds].T) @ w1.T  # (N, 784)
    return (flat * gradient).reshape(x.shape).astype(np.float32)


def input_times_gradient(
    model: Any, images: np.ndarray, kinds: np.ndarray, mirror: bool = False
) -> np.ndarray:
    """(N, 28, 28) pictures and (N,) kinds -> (N, 28, 28) input x gradient of each kind's score.

    mirror: the score is the mean over the picture and its mirror image, as the photo model
    answers (photo_model.photo_probabilities_batch), so the pixels' shares are of that mean.
    `model` may be the chapter model's numpy weights (see hidden_kernel): no TensorFlow then.
    """
    x_all = _as_batch(images)  # (N, 28, 28) float32 in [0, 1]
    kinds = np.asarray(kinds, dtype=np.int32).reshape(-1)
    if len(kinds) != len(x_all):
        raise ValueError("Give one kind per picture.")
    if isinstance(model, tuple) and not mirror:
        return _dense_input_times_gradient(model, x_all, kinds)
    import tensorflow as tf

    out = np.empty_like(x_all)
    for start in range(0, len(x_all), GRADIENT_BATCH):
        x = tf.constant(x_all[start : start + GRADIENT_BATCH])
        k = tf.constant(kinds[start : start + GRADIENT_BATCH])
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = _scores(model, x)
            if mirror:
                scores = (scores + _scores(model, tf.reverse(x, axis=[2]))) / 2
            # Each picture's own kind; pictures do not mix in these models, so the gradient of
            # the sum is each picture's gradient of its own score.
            chosen = tf.gather(scores, k, axis=1, batch_dims=1)
            total = tf.reduce_sum(chosen)
        gradient = tape.gradient(total, x)
        out[start : start + len(gradient)] = (x * gradient).numpy()
    return out


@dataclass(frozen=True)
class KindPictures:
    """What the model looks for in each kind: mean input x gradient over its right answers."""

    pictures: np.ndarray  # (10, 28, 28) float32; positive raises the kind's score
    counts: tuple[int, ...]  # right answers averaged for each kind (0: nothing to show)
    scale: float  # one symmetric colour scale for all ten


def kind_pictures(
    model: Any,
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    per_kind: int = PER_KIND_PICTURES,
) -> KindPictures:
    """For each kind, the mean input x gradient of its score over the first `per_kind` test
    pictures of that kind the model names correctly (`predicted` are its answers)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    chosen = []
    for kind in range(NUM_CLASSES):
        right = np.flatnonzero((labels == kind) & (predicted == kind))[:per_kind]
        chosen.append(right)
    order = np.concatenate(chosen) if chosen else np.empty(0, int)
    shares = input_times_gradient(model, np.asarray(images)[order], labels[order])
    pictures = np.zeros((NUM_CLASSES, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    at = 0
    for kind, right in enumerate(chosen):
        if len(right):
            pictures[kind] = shares[at : at + len(right)].mean(axis=0)
        at += len(right)
    return KindPictures(pictures, tuple(len(r) for r in chosen), colour_scale(pictures))


@dataclass(frozen=True)
class Why:
    """Why one picture got its answer: each pixel's push towards the answer (and runner-up)."""

    picture: np.ndarray  # (28, 28) float32 in [0, 1]: what the model saw
    answer: int
    probability: float  # of the answer
    towards_answer: np.ndarray  # (28, 28): positive pushed towards the answer, negative against
    runner_up: int | None  # set when the model was not sure
    towards_runner_up: np.ndarray | None
    scale: float  # one symmetric colour scale for both maps

    @property
    def sure(self) -> bool:
        """Whether the model was sure (then no runner-up is shown)."""
        return self.runner_up is None

    def shares(self) -> tuple[float, float]:
        """(sum of the pushes towards the answer, sum of those against it), the second <= 0."""
        m = self.towards_answer
        return float(m[m > 0].sum()), float(m[m < 0].sum())


def why(
    model: Any,
    image: np.ndarray,
    probabilities: np.ndarray,
    sure_at: float = SURE_AT,
    mirror: bool = False,
) -> Why:
    """Why `model` gave the answer in `probabilities` (its ten kind probabilities) for `image`.

    The runner-up's map is added when the answer's probability is below `sure_at`.
    """
    picture = _as_batch(image)[0]
    probabilities = np.asarray(probabilities, dtype=np.float32)[:NUM_CLASSES]
    order = np.argsort(-probabilities, kind="stable")
    answer, second = int(order[0]), int(order[1])
    unsure = float(probabilities[answer]) < sure_at
    kinds = np.array([answer, second] if unsure else [answer])
    maps = input_times_gradient(model, np.repeat(picture[None], len(kinds), axis=0), kinds, mirror)
    scale = colour_scale(maps)
    return Why(
        picture=picture,
        answer=answer,
        probability=float(probabilities[answer]),
        towards_answer=maps[0],
        runner_up=second if unsure else None,
        towards_runner_up=maps[1] if unsure else None,
        scale=scale,
    )
