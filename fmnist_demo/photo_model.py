"""The photo model: its builder, loading, calibration, and one photo -> probabilities -> verdict.

No Streamlit here. How the model learns (the data mix, augmentations, the command) is in
`photo_training.py`. The model sees one (28, 28) float32 picture, light item on black, and gives
eleven calibrated probabilities: the ten Fashion-MNIST kinds and "none of these" (OTHER).
A verdict is data: `verdict_of` turns probabilities into sure / not sure / not one of the ten,
with thresholds fitted on held-back photos and fixed here next to the figures they rest on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from fmnist_demo import photo
from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES
from fmnist_demo.model import keras, predict_proba

OTHER = NUM_CLASSES  # output 10: an item that is none of the ten kinds (a hat, a face, a wall)
NUM_OUTPUTS = NUM_CLASSES + 1
FOOTWEAR = (5, 7, 9)  # Sandal, Sneaker, Ankle boot

# Fitted by `python -m fmnist_demo.photo_training` on 522 real photos and 18 hats held back from
# learning (the model card keeps the fit, `calibration`): see `fit_thresholds`. There, answers at
# SURE_AT or above were right 92.5 % of the time with every kind counted alike (96 % of all such
# answers); on the 315 development photos, never learnt from, 94 % of the 51 % called sure.
SURE_AT = 0.72  # top kind at or above: "sure"
OTHER_AT = 0.30  # "none of these" at or above: "not one of the ten kinds" (0.8 % of real items)
SURE_PRECISION = 0.925  # what SURE_AT is fitted to: held-back sure answers right this often
OTHER_FALSE_ALARMS = 0.02  # what OTHER_AT is fitted to: real items wrongly set aside this often


THIRD_AT = 0.15  # a third kind is offered for one tap when its probability reaches this


def offered_kinds(probabilities: np.ndarray, third_at: float = THIRD_AT) -> tuple[int, ...]:
    """(10,) kind probabilities -> the kinds offered as one tap when not sure, likeliest first."""
    order = [int(k) for k in np.argsort(probabilities)[::-1]]
    offered = order[:2]
    if float(probabilities[order[2]]) >= third_at:
        offered.append(order[2])
    return tuple(offered)


class Verdict(StrEnum):
    """What the page says about one photo."""

    SURE = "sure"
    UNSURE = "unsure"
    OTHER = "other"


def verdict_of(
    probabilities: np.ndarray,
    other: float = 0.0,
    sure_at: float = SURE_AT,
    other_at: float = OTHER_AT,
) -> Verdict:
    """(10,) kind probabilities and P(none of these) -> the verdict shown."""
    tolerance = 1e-6  # float32 probabilities against thresholds written in decimals
    if other >= other_at - tolerance:
        return Verdict.OTHER
    top = float(np.max(probabilities))
    return Verdict.SURE if top >= sure_at - tolerance else Verdict.UNSURE


@dataclass(frozen=True)
class PhotoResult:
    """One photo classified: the pipeline's steps, the ten kinds' probabilities and the rest."""

    prepared: photo.PreparedPhoto
    probabilities: np.ndarray  # (10,) float32; with `other` they sum to 1
    other: float = 0.0  # probability that the item is none of the ten kinds

    @property
    def predicted(self) -> int:
        """The most likely kind (0-9)."""
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        """The probability of the most likely kind."""
        return float(self.probabilities[self.predicted])

    @property
    def runner_up(self) -> int:
        """The second most likely kind (0-9)."""
        return int(np.argsort(self.probabilities)[-2])

    @property
    def offered(self) -> tuple[int, ...]:
        """The kinds a "not sure" verdict offers for one tap (best guess first)."""
        return offered_kinds(self.probabilities)

    @property
    def verdict(self) -> Verdict:
        """Sure, not sure, or not one of the ten kinds."""
        return verdict_of(self.probabilities, self.other)

    @property
    def confident(self) -> bool:
        """Whether the verdict is "sure"."""
        return self.verdict is Verdict.SURE

    @property
    def footwear(self) -> bool:
        """Whether the most likely kind is a shoe (Sandal, Sneaker or Ankle boot)."""
        return self.predicted in FOOTWEAR

    @property
    def footwear_probability(self) -> float:
        """The probability that the item is a shoe of any kind: the three kinds added up.

        On real photos, shoe or not is far surer than which kind of shoe (see the benchmark).
        """
        return float(self.probabilities[list(FOOTWEAR)].sum())


def split_outputs(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 10 or 11) model outputs -> ((N, 10) kind probabilities, (N,) P(none of these)).

    A model with ten outputs (the chapter's, or one a visitor trained) never says "none".
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if outputs.shape[-1] == NUM_OUTPUTS:
        return outputs[..., :NUM_CLASSES], outputs[..., OTHER]
    return outputs, np.zeros(outputs.shape[:-1], np.float32)


def classify_photo(model: Any, source: photo.PhotoSource) -> PhotoResult:
    """A photo (bytes, file-like or PIL image) -> PhotoResult; a bad file raises PhotoError."""
    prepared = photo.prepare(source)
    kinds, other = split_outputs(photo_probabilities(model, prepared.model_input))
    return PhotoResult(prepared=prepared, probabilities=kinds, other=float(other))


def mirror_views(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, 2, 28, 28): each picture and its mirror image."""
    images = np.asarray(images, dtype=np.float32)
    return np.stack([images, images[:, :, ::-1]], axis=1)


def photo_probabilities_batch(model: Any, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, outputs): the average over each picture and its mirror image.

    A photo may show an item from either side (a shoe pointing left or right), and the mirror
    image is as likely as the photo itself; averaging the two views steadies the answer.
    """
    views = mirror_views(images)  # (N, 2, 28, 28)
    probs = predict_proba(model, views.reshape(-1, IMAGE_SIZE, IMAGE_SIZE))
    return probs.reshape(len(views), 2, -1).mean(axis=1)


def photo_probabilities(model: Any, model_input: np.ndarray) -> np.ndarray:
    """(28, 28) -> (outputs,): see `photo_probabilities_batch` (one batch of two)."""
    return photo_probabilities_batch(model, model_input[None])[0]


def build_photo_model(outputs: int = NUM_OUTPUTS) -> keras.Model:
    """Four small convolutions -> Dense(128) -> scores -> softmax, about 0.28 M weights."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)),
            layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1)),  # (28, 28) -> (28, 28, 1)
            layers.Conv2D(32, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (14, 14, 32)
            layers.Conv2D(64, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Conv2D(64, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (7, 7, 64)
            layers.Conv2D(128, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (3, 3, 128)
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(outputs),  # scores; the softmax is a layer of its own, see calibrated()
            layers.Activation("softmax"),
        ],
        name="fmnist_photo_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fold_batch_norm(model: keras.Model) -> keras.Model:
    """The trained CNN for inference: each Conv -> BatchNorm -> ReLU becomes one Conv with ReLU.

    Same outputs, half the layers: a direct call runs layer by layer, so this halves its time.
    """
    layers = keras.layers
    folded: list = [keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE))]
    weights: list[np.ndarray] = []
    pending = None  # a convolution waiting for its batch normalisation
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            pending = layer
        elif isinstance(layer, layers.BatchNormalization) and pending is not None:
            gamma, beta, mean, variance = layer.get_weights()
            scale = gamma / np.sqrt(variance + layer.epsilon)  # (channels,)
            kernel = pending.get_weights()[0] * scale  # (3, 3, in, out) scaled per output channel
            folded.append(layers.Conv2D(pending.filters, pending.kernel_size, padding="same"))
            weights.extend([kernel, beta - mean * scale])
            pending = None
        elif (
            isinstance(layer, layers.Activation)
            and folded
            and isinstance(folded[-1], layers.Conv2D)
        ):
            folded[-1].activation = keras.activations.get("relu")
        elif isinstance(layer, layers.Dropout):
            continue  # does nothing at inference
        else:
            folded.append(layer.__class__.from_config(layer.get_config()))
            weights.extend(layer.get_weights())
    inference = keras.Sequential(folded, name=model.name)
    inference.set_weights(weights)
    return inference


def calibrated(model: keras.Model, temperature: float) -> keras.Model:
    """The model with its scores divided by `temperature` before the softmax (same answers)."""
    layers = keras.layers
    if not isinstance(model.layers[-1], layers.Activation):
        raise ValueError("The photo model must end in a softmax layer of its own.")
    return keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)),
            *model.layers[:-1],
            layers.Rescaling(1.0 / temperature, name="temperature"),
            layers.Activation("softmax"),
        ],
        name=model.name,
    )


# ---------------------------------------------------------------------------------------------
# Calibration: probabilities that mean what they say


def with_temperature(view_probs: np.ndarray, temperature: float | np.ndarray) -> np.ndarray:
    """(N, 2, K) probabilities of two views -> (N, K): softmax(log p / T), averaged over views.

    T: one temperature, or (N, 1, 1), one per photo."""
    logits = np.log(np.clip(view_probs, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(axis=-1, keepdims=True)).mean(axis=1)


def fit_temperature(view_probs: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The temperature (0.5-5) that minimises the weighted negative log-likelihood."""
    grid = np.exp(np.linspace(np.log(0.5), np.log(5.0), 91))
    rows = np.arange(len(labels))

    def loss(t: float) -> float:
        p = with_temperature(view_probs, t)[rows, labels]
        return float(-(weights * np.log(np.clip(p, 1e-12, 1.0))).sum() / weights.sum())

    return float(min(grid, key=loss))


def class_weights(labels: np.ndarray, floor: int = 20) -> np.ndarray:
    """Weights that give every kind the same say (a kind with fewer than `floor` photos less)."""
    counts = np.bincount(labels, minlength=NUM_OUTPUTS)
    return 1.0 / np.maximum(counts[labels], floor)


def expected_calibration_error(
    probs: np.ndarray, labels: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> float:
    """Top-answer ECE: |confidence - accuracy| per confidence bin, weighted by the bin's share.

    With `weights`, each photo counts that much (e.g. `class_weights`: every kind alike).
    """
    confidence = probs.max(axis=1)
    right = probs.argmax(axis=1) == labels
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            share = w[inside].sum() / w.sum()
            gap = np.average(confidence[inside], weights=w[inside]) - np.average(
                right[inside], weights=w[inside]
            )
            error += share * abs(gap)
    return float(error)


def fit_thresholds(
    probs: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """(SURE_AT, OTHER_AT) from held-back (N, 11) probabilities with labels 0-10.

    OTHER_AT: the lowest P(none) that sets aside at most OTHER_FALSE_ALARMS of the real items.
    SURE_AT: the lowest top-kind probability at which the answers not set aside are right at
    least SURE_PRECISION of the time (weighted so that every kind counts the same).
    """
    kinds, other = split_outputs(probs)
    real = labels != OTHER
    order = np.sort(other[real])[::-1]
    allowed = int(np.floor(OTHER_FALSE_ALARMS * real.sum()))
    other_at = float(max(0.3, min(0.9, order[allowed] + 1e-3))) if real.any() else 0.5
    top, right = kinds.max(axis=1), kinds.argmax(axis=1) == labels
    for sure_at in np.round(np.arange(0.5, 0.991, 0.01), 2):
        chosen = real & (other < other_at) & (top >= sure_at)
        w = weights[chosen]
        if w.sum() > 0 and (w * right[chosen]).sum() / w.sum() >= SURE_PRECISION:
            return float(sure_at), round(other_at, 2)
    return 0.99, round(other_at, 2)


# ---------------------------------------------------------------------------------------------
# Figures on labelled photos (the training command's card and the photo benchmark)


def photo_figures(
    kinds: np.ndarray,
    other: np.ndarray,
    labels: np.ndarray,
    refused: np.ndarray | None = None,
    *,
    sure_at: float | np.ndarray = SURE_AT,
    other_at: float | np.ndarray = OTHER_AT,
) -> dict[str, Any]:
    """Accuracy, per kind, calibration and verdict figures for photos with labels 0-10.

    sure_at, other_at: thresholds for all photos, or (N,) one per photo (cross-validation, where
    each fold's model has its own).

    A refused photo (the pipeline could not read it) counts as wrong and as not sure.
    """
    from fmnist_demo.data import CLASS_NAMES

    refused = np.zeros(len(labels), bool) if refused is None else refused
    real, hats = labels != OTHER, labels == OTHER
    predicted = kinds.argmax(axis=1)
    right = (predicted == labels) & ~refused
    sure_ats = np.broadcast_to(sure_at, labels.shape)  # one threshold, or one per photo
    other_ats = np.broadcast_to(other_at, labels.shape)
    verdicts = np.array(
        [
            verdict_of(k, o, float(s), float(t)) if not r else Verdict.UNSURE
            for k, o, r, s, t in zip(kinds, other, refused, sure_ats, other_ats, strict=True)
        ]
    )
    sure = verdicts == Verdict.SURE
    full = np.concatenate([kinds, other[:, None]], axis=1)
    shoe = np.isin(labels, FOOTWEAR)
    said_shoe = kinds[:, list(FOOTWEAR)].sum(axis=1) >= 0.5
    figures: dict[str, Any] = {"n": int(real.sum())}
    if real.any():
        figures.update(
            accuracy=round(float(right[real].mean()), 4),
            per_class={
                CLASS_NAMES[c]: round(float(right[labels == c].mean()), 2)
                for c in range(NUM_CLASSES)
                if (labels == c).any()
            },
            ece=round(
                expected_calibration_error(full[real & ~refused], labels[real & ~refused]), 4
            ),
            sure_share=round(float(sure[real].mean()), 4),
            sure_acc=round(float(right[real & sure].mean()), 4) if (real & sure).any() else None,
            unsure_acc=round(float(right[real & ~sure].mean()), 4)
            if (real & ~sure).any()
            else None,
            set_aside_share=round(float((verdicts[real] == Verdict.OTHER).mean()), 4),
            shoe_or_not_acc=round(float((said_shoe[real] == shoe[real]).mean()), 4),
            shoe_kind_acc=round(float(right[shoe & said_shoe].mean()), 4)
            if (shoe & said_shoe).any()
            else None,
        )
    if hats.any():
        figures.update(
            other_n=int(hats.sum()),
            other_flagged_share=round(float((~sure[hats]).mean()), 4),
            other_named_share=round(float((verdicts[hats] == Verdict.OTHER).mean()), 4),
        )
    return figures
