"""The chapter's network: build it, save and load it with its model card, and classify images fast.

No Streamlit here. Importing this module imports Keras (and TensorFlow), so pages that only show
data import `fmnist_demo.data` instead.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of logs
import keras

from fmnist_demo.assets import (
    DEFAULT_MODEL_PATH,
    PHOTO_MODEL_PATH,
    card_path,
)
from fmnist_demo.data import IMAGE_SIZE, NUM_CLASSES, normalise
from fmnist_demo.i18n import N_, _

HIDDEN_CHOICES = (128, 512)  # the chapter's width, and the width of its callback section
_DIRECT_CALL_LIMIT = 8192  # images per direct call; larger inputs are cut into chunks of this size
# Building or loading a model touches Keras's global state (names, seeds); visitors' sessions and
# background training do it from different threads, so it happens one at a time.
_BUILD_LOCK = threading.RLock()

# What each layer of the chapter's network does, in plain words (translated where shown).
ROLE_INPUT = N_("Lays the picture's pixels out in one row")
ROLE_HIDDEN = N_("Hidden layer: each unit learns to notice one pattern")
ROLE_OUTPUT = N_("Output: one score per kind of clothing")
# NOTE: stands for "however many pictures go in at once" in an output shape such as (batch, 784)
BATCH = N_("batch")


def _keep_shared_keras_state(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for keras.backend.clear_session in this process (see below)."""


# Streamlit calls keras.backend.clear_session() after every script run, to free models a script
# built. Here models are shared by all visitors and trained in background threads, so that reset
# pulls Keras's global state from under a running training (seen: the training thread stuck in
# its first step, then failing on duplicate layer names), and it costs a full garbage collection
# each time the Train page polls. Models here are freed as usual when nothing refers to them.
keras.backend.clear_session = _keep_shared_keras_state


class ModelUnavailable(RuntimeError):
    """A model file is missing or cannot be read; the message says what to do."""


def build_model(hidden_units: int = 128) -> keras.Model:
    """Flatten -> Dense(hidden, relu) -> Dense(10, softmax), compiled as in the chapter."""
    with _BUILD_LOCK:
        return _build_model(hidden_units)


def _build_model(hidden_units: int) -> keras.Model:
    # Every name is given, so every model of one width has the same variable names. Left to
    # Keras, names are numbered ("dense_57/kernel", "adam_12/..."), and TensorFlow keeps a little
    # memory for every variable name it has seen: about 0.5 MB more for good with every model
    # built, that is with every training on a server.
    model = keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(hidden_units, activation="relu", name="hidden"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
        ],
        name=f"fmnist_dense{hidden_units}",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(name="adam"),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def model_lock() -> threading.RLock:
    """The lock held while a model is built or loaded (seed and build go together under it)."""
    return _BUILD_LOCK


def as_batch(images: np.ndarray) -> np.ndarray:
    """One (28, 28) image or a batch, uint8 0-255 or float 0-1 -> (N, 28, 28) float32 in [0, 1]."""
    arr = normalise(np.asarray(images))
    if arr.ndim == 2:
        arr = arr[None]  # (28, 28) -> (1, 28, 28)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]  # (N, 28, 28, 1) -> (N, 28, 28)
    if arr.ndim != 3 or arr.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"Expected 28x28 images, got an array of shape {np.shape(images)}.")
    return arr


_PREDICT_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _predict_function(model: keras.Model) -> Any:
    """The model's forward pass as one compiled graph, traced once per model.

    A plain call runs layer by layer in Python (about 14 ms for two pictures on the photo CNN);
    the graph does the same work in about 2 ms, and reads the model's weights as they are now,
    so a model still learning is seen as it is. Safe to call from several threads at once.
    """
    function = _PREDICT_FUNCTIONS.get(model)  # no lock to find it: loads elsewhere hold it long
    if function is not None:
        return function
    with _BUILD_LOCK:
        function = _PREDICT_FUNCTIONS.get(model)
        if function is None:
            import tensorflow as tf

            spec = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE), tf.float32)
            # The function reaches its model through a weak reference: a value in a
            # WeakKeyDictionary that refers to its own key keeps that key alive for good, and
            # every model a visitor trained (with its graph) would stay in memory forever.
            owner = weakref.ref(model)
            function = tf.function(
                lambda x: owner()(x, training=False), input_signature=[spec], autograph=False
            )
            _PREDICT_FUNCTIONS[model] = function
        return function


def predict_proba(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, outputs) for one image or a batch (no model.predict)."""
    batch = as_batch(images)
    if len(batch) == 0:
        return np.zeros((0, NUM_CLASSES), dtype=np.float32)
    # model.predict builds a dataset and a loop per call (~45 ms for one image); the compiled
    # forward pass costs a few milliseconds and is safe to run from several threads at once.
    forward = _predict_function(model)
    chunks = [
        np.asarray(forward(batch[i : i + _DIRECT_CALL_LIMIT]), dtype=np.float32)
        for i in range(0, len(batch), _DIRECT_CALL_LIMIT)
    ]
    return np.concatenate(chunks)


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose most likely class is the label."""
    return float(np.mean(predict_proba(model, images).argmax(axis=1) == np.asarray(labels)))


def count_params(model: keras.Model) -> int:
    """Trainable and non-trainable parameters, as model.summary() counts them."""
    return int(model.count_params())


def summary_rows(model: keras.Model) -> list[dict[str, Any]]:
    """model.summary() as rows: layer name, what it does (an N_ message), kind, output shape,
    parameters. The output shape reads "(batch, 784)", "batch" in the visitor's language."""
    rows = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        shape = tuple(layer.output.shape)
        if isinstance(layer, keras.layers.Flatten):
            role = ROLE_INPUT
        else:
            role = ROLE_OUTPUT if i == last else ROLE_HIDDEN
        rows.append(
            {
                "Layer": layer.name,
                "Role": role,
                "Kind": type(layer).__name__,
                "Output shape": "("
                + ", ".join(_(BATCH) if d is None else str(d) for d in shape)
                + ")",
                "Parameters": int(layer.count_params()),
            }
        )
    return rows


def save_model(model: keras.Model, path: Path, card: dict[str, Any]) -> None:
    """Write the model (.keras) and its model card (.json) side by side."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    card_path(path).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def load_model(path: Path) -> keras.Model:
    """Load a saved .keras model; a missing or damaged file is ModelUnavailable."""
    path = Path(path)
    if not path.is_file():
        raise ModelUnavailable(
            _("The model file {name} is missing. Reinstall the app.").format(name=path.name)
        )
    try:
        with _BUILD_LOCK:
            return keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds of error for a damaged archive
        raise ModelUnavailable(
            _("The model file {name} cannot be read ({problem}).").format(
                name=path.name, problem=exc
            )
        ) from exc


def load_model_bytes(
    data: bytes, outputs: int | tuple[int, ...] | None = NUM_CLASSES
) -> keras.Model:
    """Load a model from the bytes of a .keras file (an upload, a kept photo model); its input must
    be 28 x 28 and its number of outputs `outputs` (or one of them; the photo model may have an
    11th, "none of these"); with `outputs` None any number. A model of another shape, or bytes that
    are no model, raise ModelUnavailable: a page can then say so instead of failing on every photo.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        model = load_model(path)
    allowed = (outputs,) if isinstance(outputs, int) else outputs
    try:
        inputs_ok = tuple(model.input_shape[1:3]) == (IMAGE_SIZE, IMAGE_SIZE)
        outputs_ok = allowed is None or model.output_shape[-1] in allowed
    except (AttributeError, TypeError, ValueError):  # several inputs or outputs: not ours
        inputs_ok = outputs_ok = False
    if not (inputs_ok and outputs_ok):
        raise ModelUnavailable(
            _("This file is a Keras model, but not one for 28x28 Fashion-MNIST images.")
        )
    return model


def model_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a .keras file (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def load_default_model() -> keras.Model:
    """The shipped chapter model (128 hidden units, 10 epochs)."""
    return load_model(DEFAULT_MODEL_PATH)


def load_photo_model() -> keras.Model:
    """The shipped model for real photos, or the chapter's model when no photo model is shipped."""
    return load_model(PHOTO_MODEL_PATH if PHOTO_MODEL_PATH.is_file() else DEFAULT_MODEL_PATH)
