"""Numbers behind the Browse and Results pages: samples, counts, confusion, mistakes.

No Streamlit and no TensorFlow here: everything works on numpy arrays of labels and probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fmnist_demo.data import NUM_CLASSES, kind_name, normalise
from fmnist_demo.i18n import _


class EmptySelection(ValueError):
    """A sample was asked for from a split or class that holds no images."""


def points_between(higher: float, lower: float) -> int:
    """Gap between two shares in whole percentage points, as the rounded figures shown differ."""
    return round(100 * higher) - round(100 * lower)


def training_gap(train: float, test: float) -> int:
    """Points between a training accuracy as shown, rounded down (percent_reached), and a test
    accuracy as shown, rounded (percent): the two figures side by side differ by exactly this."""
    return math.floor(round(100 * train, 6)) - round(100 * test)


def sample_indices(
    labels: np.ndarray, n: int, seed: int, class_id: int | None = None
) -> np.ndarray:
    """n random image indices (all classes, or one), the same for the same seed."""
    labels = np.asarray(labels)
    pool = np.arange(len(labels)) if class_id is None else np.flatnonzero(labels == class_id)
    if len(pool) == 0:
        raise EmptySelection(_("There are no images of this kind to show."))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False))  # (n,) int


def first_of_each_kind(images: np.ndarray, labels: np.ndarray, scale: int = 1) -> list[np.ndarray]:
    """The first picture of each of the ten kinds, each pixel repeated `scale` times down and
    across (hard pixel edges, as plots.enlarged draws them, without importing matplotlib):
    (N, 28, 28) uint8, (N,) -> ten (28 * scale, 28 * scale) uint8."""
    firsts = (images[np.flatnonzero(labels == k)[0]] for k in range(NUM_CLASSES))
    return [image.repeat(scale, 0).repeat(scale, 1) for image in firsts]


def class_counts(labels: np.ndarray) -> np.ndarray:
    """How many images each class has: (N,) labels -> (10,) int."""
    return np.bincount(np.asarray(labels), minlength=NUM_CLASSES)


def normalisation_examples(image: np.ndarray) -> list[dict[str, object]]:
    """The darkest, a middle-grey and the brightest pixel of one image, before and after / 255.

    The keys are the table's column names in English ("Pixel", "Before", "After ÷ 255"); the page
    shows them in the visitor's language. The pixels are described in the visitor's language.
    """
    image = np.asarray(image)  # (28, 28) uint8
    flat = image.ravel().astype(np.int64)  # (784,)
    scaled = normalise(image).ravel()  # (784,) float32 in [0, 1]
    picks = [
        (_("Darkest (row {row}, column {column})"), int(np.argmin(flat))),
        (_("A grey one (row {row}, column {column})"), int(np.argmin(np.abs(flat - 128)))),
        (_("Brightest (row {row}, column {column})"), int(np.argmax(flat))),
    ]
    rows = []
    for name, at in picks:
        row, col = divmod(at, image.shape[1])
        rows.append(
            {
                "Pixel": name.format(row=row, column=col),
                "Before": int(flat[at]),
                "After ÷ 255": round(float(scaled[at]), 2),
            }
        )
    return rows


def ranked_classes(accuracy: np.ndarray) -> list[tuple[str, float]]:
    """(kind name in the visitor's language, accuracy) pairs, best recognised first."""
    order = np.argsort(-np.asarray(accuracy), kind="stable")
    return [(kind_name(i), float(accuracy[i])) for i in order]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError("True and predicted labels must have the same length.")
    flat = np.bincount(y_true * NUM_CLASSES + y_pred, minlength=NUM_CLASSES * NUM_CLASSES)
    return flat.reshape(NUM_CLASSES, NUM_CLASSES)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Share of each true class predicted right: (10, 10) counts -> (10,) in [0, 1] (0 if empty)."""
    matrix = np.asarray(matrix)
    totals = matrix.sum(axis=1)
    return np.divide(np.diag(matrix), totals, out=np.zeros(len(matrix)), where=totals > 0)


def most_confident_mistakes(probs: np.ndarray, labels: np.ndarray, k: int = 12) -> np.ndarray:
    """Indices of the k wrong predictions made with the highest confidence, most confident first."""
    probs = np.asarray(probs)  # (N, 10)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(labels))
    confidence = probs[wrong, predicted[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order[:k]]


@dataclass(frozen=True)
class Confusion:
    """One kind of mistake: images of `true_name` taken for `predicted_name`, `count` times
    (the names in the visitor's language)."""

    true_name: str
    predicted_name: str
    count: int


def top_confusions(matrix: np.ndarray, k: int = 3) -> list[Confusion]:
    """The k most frequent mistakes (off-diagonal cells), largest first."""
    off = np.array(matrix, dtype=np.int64)
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:k]
    rows, cols = np.unravel_index(flat, off.shape)
    return [
        Confusion(kind_name(r), kind_name(c), int(off[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if off[r, c] > 0
    ]


@dataclass(frozen=True)
class Evaluation:
    """A model's guesses on a labelled set of images, and the figures drawn from them."""

    probs: np.ndarray  # (N, 10) float32
    labels: np.ndarray  # (N,) true classes

    @property
    def predicted(self) -> np.ndarray:
        """(N,) the most likely class of each image."""
        return self.probs.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        """Share of images predicted right."""
        return float(np.mean(self.predicted == self.labels))

    @property
    def matrix(self) -> np.ndarray:
        """(10, 10) confusion counts."""
        return confusion_matrix(self.labels, self.predicted)

    @property
    def wrong(self) -> int:
        """How many images it predicted wrong."""
        return int(np.sum(self.predicted != self.labels))

    def right_among_first(self, n: int) -> int:
        """How many of the first n images it predicted right."""
        return int(np.sum(self.predicted[:n] == self.labels[:n]))


def evaluate(probs: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Bundle predictions with the true labels; shapes are checked here, once."""
    probs = np.asarray(probs, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    if probs.ndim != 2 or probs.shape != (len(labels), NUM_CLASSES):
        raise ValueError(
            f"Expected ({len(labels)}, {NUM_CLASSES}) probabilities, got {probs.shape}."
        )
    return Evaluation(probs=probs, labels=labels)
