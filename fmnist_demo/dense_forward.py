"""The chapter's model (Flatten -> Dense relu -> Dense softmax) run in numpy from its .keras file.

Results shows the shipped model's answers on the 10,000 test pictures; with this it needs no
TensorFlow, whose import alone took about 4 s of a first visit on a cold server.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from fmnist_demo.data import normalise

# the chapter's layers, in order, as Keras writes them in config.json
CHAPTER_LAYERS = (("Flatten", None), ("Dense", "relu"), ("Dense", "softmax"))


class NotAChapterModel(ValueError):
    """The file holds some other model, which only Keras can run."""


def chapter_weights(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hidden kernel, hidden bias, output kernel, output bias) of a chapter model's .keras file."""
    import h5py  # Keras's own dependency, light without TensorFlow

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    layers = [
        (layer["class_name"], layer["config"].get("activation"))
        for layer in config["config"]["layers"]
        if layer["class_name"] != "InputLayer"
    ]
    if tuple(layers) != CHAPTER_LAYERS:
        raise NotAChapterModel(f"{path.name} is not the chapter's model: {layers}")
    names = [layer["config"]["name"] for layer in config["config"]["layers"]]
    hidden, output = (
        n for n, (kind, _act) in zip(names[-3:], layers, strict=True) if kind == "Dense"
    )
    with h5py.File(io.BytesIO(weights), "r") as h5:
        try:
            return tuple(  # type: ignore[return-value]
                np.asarray(h5[f"layers/{name}/vars/{i}"], dtype=np.float32)
                for name in (hidden, output)
                for i in (0, 1)
            )
        except KeyError as exc:  # weights stored under other names: Keras knows them
            raise NotAChapterModel(f"{path.name}: {exc}") from exc


def chapter_probabilities(path: Path, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, 10) of the chapter model in `path` for uint8 or [0, 1] images."""
    w1, b1, w2, b2 = chapter_weights(path)
    flat = normalise(np.asarray(images)).reshape(len(images), -1)
    scores = np.maximum(flat @ w1 + b1, 0) @ w2 + b2
    scores -= scores.max(axis=1, keepdims=True)  # softmax without overflow
    exp = np.exp(scores)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
