"""Learning from the teach records: fine-tune a copy of the photo model, with a replay so it keeps
what it knew.

No Streamlit here. `improve` fine-tunes a copy of the model in use (never the model itself) on
the records not held back, each seen a few times per epoch and varied (augment.py), mixed with a
replay of what the model learnt before: Fashion-MNIST made to look like photos, and the shipped
replay set of real photos and items of no kind (built offline by
`python -m fmnist_demo.make_replay_set`). It reports `LearnProgress` per batch, gives way to
visitors' pages, and a set `cancel` raises `Stopped`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_demo import foreground
from fmnist_demo.assets import ASSETS_DIR
from fmnist_demo.data import NUM_CLASSES, normalise
from fmnist_demo.teach_records import TeachRecord, pictures_and_labels

REPLAY_PATH = ASSETS_DIR / "photo_replay.npz"  # made by python -m fmnist_demo.make_replay_set


@dataclass
class TeachSettings:
    """How the model learns from the trial's items; the defaults are the page's."""

    epochs: int = 6
    seed: int = 1
    batch_size: int = 64
    learning_rate: float = 3e-4
    record_repeats: int = 4  # each item to learn from is seen this often per epoch (varied)
    replay_per_epoch: int = 1_200  # real photos from the replay set, per epoch
    other_per_epoch: int = 200  # items of no kind from the replay set, per epoch
    fashion_per_epoch: int = 1_200  # Fashion-MNIST pictures made to look like photos, per epoch
    balance_power: float = 0.5  # an item is drawn with weight count(kind) ** -power


def load_replay(path: Path = REPLAY_PATH) -> dict[str, np.ndarray]:
    """The shipped replay set: {"x": (N, 28, 28) uint8, "y": (N,) labels 0-10}."""
    with np.load(path) as saved:
        return {"x": saved["x"], "y": saved["y"].astype(np.int64)}


def epoch_mix(
    learn: tuple[np.ndarray, np.ndarray],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    outputs: int,
    settings: TeachSettings,
    epoch: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One epoch's shuffled mix -> ((N, 28, 28) float32, (N,) labels)."""
    from fmnist_demo.augment import augment, draw_weights, real_epoch_variation
    from fmnist_demo.photo_model import OTHER

    rng = np.random.default_rng([settings.seed, epoch])
    parts_x, parts_y = [], []
    x_r, y_r = learn
    if len(y_r):
        count = settings.record_repeats * len(y_r)
        chosen = rng.choice(len(y_r), count, p=draw_weights(y_r, settings.balance_power))
        parts_x.append(real_epoch_variation(normalise(x_r[chosen]), rng))
        parts_y.append(y_r[chosen])
    kinds = replay["y"] < NUM_CLASSES
    others = (replay["y"] == OTHER) if outputs > OTHER else np.zeros_like(kinds)
    for mask, count in ((kinds, settings.replay_per_epoch), (others, settings.other_per_epoch)):
        index = np.flatnonzero(mask)
        if count and len(index):
            chosen = rng.choice(index, count)
            parts_x.append(real_epoch_variation(normalise(replay["x"][chosen]), rng))
            parts_y.append(replay["y"][chosen])
    x_f, y_f = fashion
    if settings.fashion_per_epoch and len(y_f):
        pick = rng.choice(len(y_f), min(settings.fashion_per_epoch, len(y_f)), replace=False)
        parts_x.append(augment(x_f[pick], y_f[pick], int(rng.integers(2**31))))
        parts_y.append(y_f[pick].astype(np.int64))
    x, y = np.concatenate(parts_x), np.concatenate(parts_y)
    order = rng.permutation(len(y))
    return x[order], y[order]


@dataclass
class LearnProgress:
    """A snapshot of a teaching run, with the names Train live reads of its own (epoch, epochs)."""

    epoch: int  # 1-based, the epoch under way
    epochs: int
    batch: int
    batches: int
    elapsed_s: float
    stage: str = "learning"  # "learning" or "saving"

    @property
    def fraction(self) -> float:
        """Share of the learning finished, 0-1."""
        return min(1.0, ((self.epoch - 1) + self.batch / max(self.batches, 1)) / self.epochs)


class Stopped(Exception):
    """The teaching was stopped before it finished; nothing was changed."""


def copy_for_learning(base: Any, learning_rate: float) -> Any:
    """A trainable copy of `base` (same weights), compiled for fine-tuning."""
    from fmnist_demo.model import keras, model_lock

    with model_lock():
        model = keras.models.clone_model(base)
        model.set_weights(base.get_weights())
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
        )
    return model


def improve(
    base: Any,
    learn: list[TeachRecord],
    replay: dict[str, np.ndarray],
    fashion: tuple[np.ndarray, np.ndarray],
    settings: TeachSettings | None = None,
    progress: Callable[[LearnProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Any, float]:
    """Fine-tune a copy of `base` on the records with the replay -> (the new model, seconds).

    `base` is never changed. A set `cancel` raises Stopped at the next batch.
    """
    from fmnist_demo.model import keras

    settings = settings or TeachSettings()
    cancel = cancel or threading.Event()
    outputs = int(base.output_shape[-1])
    keras.utils.set_random_seed(settings.seed)
    model = copy_for_learning(base, settings.learning_rate)
    learn_xy = pictures_and_labels(learn)
    started = time.perf_counter()

    class Watch(keras.callbacks.Callback):
        def __init__(self, epoch: int, batches: int) -> None:
            super().__init__()
            self.epoch, self.batches = epoch, batches

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if cancel.is_set():
                self.model.stop_training = True
                return
            foreground.give_way(cancel)  # a visitor's page being made goes first
            if progress is not None:
                progress(
                    LearnProgress(
                        self.epoch + 1,
                        settings.epochs,
                        batch + 1,
                        self.batches,
                        time.perf_counter() - started,
                    )
                )

    for epoch in range(settings.epochs):
        if cancel.is_set():
            raise Stopped
        x, y = epoch_mix(learn_xy, replay, fashion, outputs, settings, epoch)
        batches = -(-len(y) // settings.batch_size)
        model.fit(
            x,
            y,
            batch_size=settings.batch_size,
            epochs=1,
            verbose=0,
            shuffle=False,  # epoch_mix has shuffled
            callbacks=[Watch(epoch, batches)],
        )
        if cancel.is_set():
            raise Stopped
    return model, time.perf_counter() - started
