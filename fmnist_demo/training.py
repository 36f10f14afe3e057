"""The training engine: the chapter's fit, made fast, with live progress, early stop and cancel.

No Streamlit here. A page passes a plain-Python `progress` callable and a `threading.Event` to
cancel; the engine keeps the weights of the last finished epoch whatever happens. Training runs in
a background thread (a jobs.BackgroundJob, in the server's one JobSlot): what it reports is numbers
and codes (`Progress`, `StopReason`, a jobs.JobError's message id), and the page puts them into
words.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

import keras
import numpy as np

from fmnist_demo import foreground
from fmnist_demo.data import normalise
from fmnist_demo.jobs import BackgroundJob
from fmnist_demo.memory import release_free_memory
from fmnist_demo.model import build_model, model_lock

LOG_ENV = "FMNIST_TRAINING_LOG"  # a file that gets one JSON line per finished training job

# The engine hands the compiled code a chunk of many batches of 32 at once and lets it loop over
# them: the same Adam updates as the chapter's fit (batch size 32, reshuffled every epoch), with
# the per-batch Python and data-feeding overhead paid once per chunk instead of once per batch.
CHUNK_BATCHES = 75
# A training watched on the Train page hands its hidden layer's weights over this often at most,
# for the pictures of what each unit learns: a person sees them change, the training does not.
WEIGHTS_EVERY_S = 0.4


def chunk_batches(batches: int) -> int:
    """Batches per compiled call: near CHUNK_BATCHES, and dividing the epoch evenly when it can.

    Each new chunk shape is compiled once (about a second), so an epoch that splits evenly
    needs one compilation; 60,000 pictures make 1,875 batches, which is 25 chunks of 75.
    """
    divisors = [d for d in range(32, 129) if batches % d == 0]
    return min(divisors, key=lambda d: abs(d - CHUNK_BATCHES), default=min(batches, CHUNK_BATCHES))


@dataclass
class TrainSettings:
    """What a person can choose on the Train page; the defaults are the chapter's."""

    hidden_units: int = 128
    epochs: int = 10
    target_accuracy: float | None = 0.90  # None switches early stopping off
    batch_size: int = 32
    seed: int = 42


@dataclass
class Progress:
    """A snapshot sent to the progress callable; loss and accuracy are running epoch averages."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # batches finished in this epoch
    batches: int  # batches per epoch
    loss: float
    accuracy: float
    elapsed_s: float
    epoch_done: bool = False
    # (784, units) copy of the hidden layer's weights, at most every `weights_every_s` (else None)
    hidden_weights: np.ndarray | None = None

    @property
    def fraction(self) -> float:
        """Share of the whole run finished, 0-1."""
        return ((self.epoch - 1) + self.batch / self.batches) / self.epochs


@dataclass
class EpochMetrics:
    """Training loss and accuracy at the end of one epoch."""

    epoch: int
    loss: float
    accuracy: float
    seconds: float


class StopReason(StrEnum):
    """Why training ended."""

    FINISHED = "finished"
    TARGET_REACHED = "target reached"
    CANCELLED = "cancelled"


@dataclass
class TrainResult:
    """What a training run leaves: the model of the last finished epoch and its history."""

    model: keras.Model
    settings: TrainSettings
    history: list[EpochMetrics] = field(default_factory=list)
    stop_reason: StopReason = StopReason.FINISHED
    seconds: float = 0.0
    message: str = ""

    @property
    def epochs_done(self) -> int:
        """How many whole epochs the model has learnt from."""
        return len(self.history)

    @property
    def final_accuracy(self) -> float | None:
        """Training accuracy after the last finished epoch."""
        return self.history[-1].accuracy if self.history else None


def target_message(target: float) -> str:
    """The chapter's early-stop message for a target accuracy: its printed output, kept in
    English as the chapter's code prints it (pages explain it in the visitor's language)."""
    return f"Reached {target * 100:g}% accuracy so cancelling training!"


ProgressFn = Callable[[Progress], None]


def _compiled_chunk_step(model: keras.Model) -> Callable:
    """An XLA-compiled function that trains `model` on a chunk (k, 32, 28, 28) batch by batch."""
    import tensorflow as tf

    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    @tf.function(jit_compile=True, reduce_retracing=True)
    def step(xc: tf.Tensor, yc: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # xc (k, b, 28, 28) uint8 or float32, yc (k, b) int32 -> (sum of losses, correct answers)
        def body(i, loss_sum, correct):
            with tf.GradientTape() as tape:
                images = tf.cast(xc[i], tf.float32)
                if xc.dtype == tf.uint8:  # the same float32 x / 255 as data.normalise, in XLA
                    images = images / 255.0
                probs = model(images, training=True)  # (b, 10)
                loss = loss_fn(yc[i], probs)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
            hits = tf.equal(tf.argmax(probs, axis=-1, output_type=tf.int32), yc[i])
            return i + 1, loss_sum + loss, correct + tf.reduce_sum(tf.cast(hits, tf.float32))

        start = (tf.constant(0), tf.constant(0.0), tf.constant(0.0))
        _, loss_sum, correct = tf.while_loop(lambda i, *_: i < tf.shape(xc)[0], body, start)
        return loss_sum, correct

    return step


@dataclass
class _StepKit:
    """A working model of one width with its optimizer and compiled step, reused by trainings.

    Compiling the step costs about a second and 9-17 MiB that XLA never gives back, so a server
    that compiled one per training grew without end. A training loads its own freshly built
    model's weights (and a fresh optimizer state) into an idle kit, trains the kit's model, and
    copies the weights back: the same compiled code on the same numbers gives the same result.
    """

    model: keras.Model
    step: Callable
    optimizer_start: list[np.ndarray]  # the optimizer's variables as first built

    def load(self, model: keras.Model) -> None:
        """Start from `model`'s weights with the optimizer as freshly built."""
        self.model.set_weights(model.get_weights())
        for variable, start in zip(
            self.model.optimizer.variables, self.optimizer_start, strict=True
        ):
            variable.assign(start)

    def copy_optimizer_to(self, model: keras.Model) -> None:
        """Give `model`'s own optimizer the state the training left (as model.fit would)."""
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        for mine, used in zip(optimizer.variables, self.model.optimizer.variables, strict=True):
            mine.assign(used)


_IDLE_KITS: dict[int, list[_StepKit]] = {}  # hidden units -> kits no training is using now
_KITS_LOCK = threading.Lock()


@contextmanager
def _step_kit(hidden_units: int) -> Iterator[_StepKit]:
    """An idle kit for this width (made and compiled on first use), returned to the pool after.

    Trainings at the same time each get their own kit, so the pool holds at most as many kits
    per width as trainings ever ran at once (one on the app's server).
    """
    with _KITS_LOCK:
        idle = _IDLE_KITS.setdefault(hidden_units, [])
        kit = idle.pop() if idle else None
    if kit is None:
        with model_lock():
            model = build_model(hidden_units)
            step = _compiled_chunk_step(model)
        kit = _StepKit(model, step, [v.numpy().copy() for v in model.optimizer.variables])
    try:
        yield kit
    finally:
        with _KITS_LOCK:
            _IDLE_KITS[hidden_units].append(kit)


def compiled_step_count() -> int:
    """How many compiled training steps this process keeps (one per width and concurrent run)."""
    with _KITS_LOCK:
        return sum(len(kits) for kits in _IDLE_KITS.values())


class Trainer:
    """One training run; `result()` is valid even after the run was interrupted by an exception."""

    def __init__(
        self, settings: TrainSettings | None = None, cancel: threading.Event | None = None
    ):
        self.settings = settings or TrainSettings()
        self.cancel = cancel or threading.Event()
        self.history: list[EpochMetrics] = []
        self.reason = StopReason.FINISHED
        self.message = ""
        self.started = 0.0
        self.seconds = 0.0
        self.report_seconds = 0.0  # time spent inside the progress callable
        self.model: keras.Model | None = None
        self.snapshot: list[np.ndarray] | None = None
        self._hidden: object | None = None  # the learning model's hidden-layer weights
        self._weights_every_s: float | None = None
        self._last_weights = 0.0

    def run(
        self,
        x: np.ndarray,
        y: np.ndarray,
        progress: ProgressFn | None = None,
        report_every_s: float = 0.2,
        weights_every_s: float | None = None,
    ) -> TrainResult:
        """Train on images x (N, 28, 28; uint8 or float) and labels y; returns the result.

        weights_every_s: hand the hidden layer's weights to `progress` this often at most (and
        at each epoch's end), for pictures of what the units learn; None never.
        """
        self._weights_every_s = weights_every_s
        with _step_kit(self.settings.hidden_units) as kit:
            return self._train(kit, x, y, progress, report_every_s)

    def _train(
        self,
        kit: _StepKit,
        x: np.ndarray,
        y: np.ndarray,
        progress: ProgressFn | None,
        report_every_s: float,
    ) -> TrainResult:
        s = self.settings
        with model_lock():
            keras.utils.set_random_seed(s.seed)
            self.model = build_model(s.hidden_units)
        kit.load(self.model)
        step = kit.step  # trains kit.model; self.model gets its weights after each epoch
        self._hidden = kit.model.get_layer("hidden").kernel
        self.snapshot = [w.copy() for w in self.model.get_weights()]
        # Pictures stay uint8 until the compiled step divides them by 255: shuffling and handing
        # over a quarter of the bytes each epoch. Floats are taken as already in [0, 1].
        x = np.asarray(x)
        if x.dtype != np.uint8:
            x = normalise(x)  # (N, 28, 28) any float -> (N, 28, 28) float32
        y = np.asarray(y, dtype=np.int32)
        full, rest = divmod(len(x), s.batch_size)  # whole batches, pictures in a last short one
        batches = full + (rest > 0)
        per_call = chunk_batches(full) if full else 1
        rng = np.random.default_rng(s.seed)
        # Each epoch's shuffled copy is written into the same two arrays: a fresh 47 MB copy per
        # epoch cost the kernel's page faults anew, 0.15-0.3 s at times on a busy machine.
        xs, ys = np.empty_like(x), np.empty_like(y)
        self.started = time.perf_counter()
        last_report = 0.0
        try:
            for epoch in range(s.epochs):
                if self.cancel.is_set():
                    break
                epoch_start = time.perf_counter()
                order = rng.permutation(len(x))  # reshuffled every epoch, as fit does
                # "clip": the order is a permutation, so no index is out of range; the default
                # mode would copy through a buffer of its own
                np.take(x, order, axis=0, out=xs, mode="clip")
                np.take(y, order, axis=0, out=ys, mode="clip")
                loss_sum = correct = 0.0
                done = 0
                # Chunks of whole batches, then the short last batch on its own.
                calls = [(a, min(a + per_call, full)) for a in range(0, full, per_call)]
                calls += [(full, full + 1)] if rest else []
                for a, b in calls:
                    if self.cancel.is_set():
                        break  # mid-epoch: this epoch does not count
                    foreground.give_way(self.cancel)  # a visitor's page being made goes first
                    lo, hi = a * s.batch_size, min(b * s.batch_size, len(x))
                    size = s.batch_size if b <= full else rest
                    # (k * size, 28, 28) -> (k, size, 28, 28): k batches for the compiled loop
                    l_sum, hits = step(
                        xs[lo:hi].reshape(-1, size, *x.shape[1:]), ys[lo:hi].reshape(-1, size)
                    )
                    loss_sum += float(l_sum)
                    correct += float(hits)
                    done = b
                    now = time.perf_counter()
                    if (
                        progress is not None
                        and now - last_report >= report_every_s
                        and done < batches
                    ):
                        last_report = now
                        self._report(progress, epoch, done, batches, loss_sum, correct, hi)
                if done < batches:
                    break
                metrics = EpochMetrics(
                    epoch=epoch + 1,
                    loss=loss_sum / batches,
                    accuracy=correct / len(x),
                    seconds=time.perf_counter() - epoch_start,
                )
                self.history.append(metrics)
                self.snapshot = [w.copy() for w in kit.model.get_weights()]
                self.model.set_weights(self.snapshot)
                if progress is not None:
                    last_report = time.perf_counter()
                    self._report(progress, epoch, batches, batches, loss_sum, correct, len(x))
                if self.cancel.is_set():
                    break
                target = s.target_accuracy
                if target is not None and metrics.accuracy > target:  # the chapter: strictly above
                    self.reason = StopReason.TARGET_REACHED
                    self.message = target_message(target)
                    break
        finally:
            # Whatever ended the run (finish, target, cancel, an exception from `progress`),
            # the model keeps the weights of the last finished epoch.
            self.seconds = time.perf_counter() - self.started
            self.model.set_weights(self.snapshot)
            kit.copy_optimizer_to(self.model)
            if self.cancel.is_set() and self.reason is StopReason.FINISHED:
                self.reason = StopReason.CANCELLED
        return self.result()

    def _report(
        self,
        progress: ProgressFn,
        epoch: int,
        done: int,
        batches: int,
        loss_sum: float,
        correct: float,
        seen: int,
    ) -> None:
        start = time.perf_counter()
        weights = None
        every = self._weights_every_s
        if every is not None and (done == batches or start - self._last_weights >= every):
            # A copy of 784 x 128 numbers (0.4 MB) takes well under a millisecond, between two
            # compiled chunks, so it never races the training's own updates.
            self._last_weights = start
            weights = np.array(self._hidden.numpy(), dtype=np.float32)
        try:
            progress(
                Progress(
                    epoch=epoch + 1,
                    epochs=self.settings.epochs,
                    batch=done,
                    batches=batches,
                    loss=loss_sum / done,
                    accuracy=correct / seen,
                    elapsed_s=start - self.started,
                    epoch_done=done == batches,
                    hidden_weights=weights,
                )
            )
        finally:
            self.report_seconds += time.perf_counter() - start

    @property
    def report_share(self) -> float:
        """Share of the run's time spent inside the progress callable, 0-1."""
        return self.report_seconds / self.seconds if self.seconds else 0.0

    def result(self) -> TrainResult:
        """The model of the last finished epoch, its history and why the run stopped."""
        if self.model is None:
            raise RuntimeError("Training has not started.")
        reason = self.reason
        if reason is StopReason.FINISHED and len(self.history) < self.settings.epochs:
            reason = StopReason.CANCELLED  # interrupted from outside (e.g. the page was left)
        return TrainResult(
            model=self.model,
            settings=self.settings,
            history=list(self.history),
            stop_reason=reason,
            seconds=self.seconds,
            message=self.message,
        )


def train(
    x: np.ndarray,
    y: np.ndarray,
    settings: TrainSettings | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    report_every_s: float = 0.2,
    weights_every_s: float | None = None,
) -> TrainResult:
    """Train the chapter's model fast; see Trainer for the details."""
    return Trainer(settings, cancel).run(x, y, progress, report_every_s, weights_every_s)


class TrainingJob(BackgroundJob):
    """A Trainer running in a background thread that a page observes by polling.

    The job keeps the latest progress and the curve points, and ends itself when nobody has
    looked at it for `abandon_after_s` (the visitor left).
    """

    thread_name = "fmnist-training"
    lower_priority = True

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        settings: TrainSettings | None = None,
        *,
        abandon_after_s: float = 15.0,
        report_every_s: float = 0.1,
        weights_every_s: float | None = WEIGHTS_EVERY_S,
    ) -> None:
        super().__init__()
        self.trainer = Trainer(settings, self.cancel)
        self.settings = self.trainer.settings
        self.samples = len(x)
        self.abandon_after_s = abandon_after_s
        self.report_every_s = report_every_s
        self.weights_every_s = weights_every_s
        # The hidden layer's latest weights (784, units) and how many times they have changed,
        # so a page redraws their pictures only when there is something new.
        self.weights: np.ndarray | None = None
        self.weights_version = 0
        self.latest: Progress | None = None
        self.points: list[dict] = []  # {"epoch": fractional epoch, "loss", "accuracy"}
        self.abandoned = False
        self._last_seen = time.monotonic()
        self._lock = threading.Lock()
        self._data = (x, y)

    def start(self) -> None:
        """Start training in the background (see BackgroundJob.start)."""
        self._last_seen = time.monotonic()
        super().start()

    def touch(self) -> None:
        """Tell the job someone is still watching."""
        self._last_seen = time.monotonic()

    def snapshot(self) -> tuple[Progress | None, list[dict]]:
        """The latest progress and a copy of the curve points."""
        with self._lock:
            return self.latest, list(self.points)

    def latest_weights(self) -> tuple[np.ndarray | None, int]:
        """The hidden layer's latest weights (784, units), or None yet, and their version."""
        with self._lock:
            return self.weights, self.weights_version

    def result(self) -> TrainResult:
        """What the run left; call after `done` is set."""
        return self.trainer.result()

    def _progress(self, p: Progress) -> None:
        with self._lock:
            self.latest = p
            if p.hidden_weights is not None:
                self.weights = p.hidden_weights
                self.weights_version += 1
            self.points.append(
                {"epoch": p.epoch - 1 + p.batch / p.batches, "loss": p.loss, "accuracy": p.accuracy}
            )
        if time.monotonic() - self._last_seen > self.abandon_after_s:
            self.abandoned = True
            self.cancel.set()

    def work(self) -> TrainResult:
        """Train on the job's pictures; the result is also `result()`."""
        x, y = self._data
        return self.trainer.run(
            x,
            y,
            progress=self._progress,
            report_every_s=self.report_every_s,
            weights_every_s=self.weights_every_s,
        )

    def ended(self) -> None:
        """Let go of the pictures, log the job, give freed memory back."""
        self._data = None
        self._write_log()
        release_free_memory()

    def _write_log(self) -> None:
        """Append one JSON line about this job to the file named by FMNIST_TRAINING_LOG, if set.

        For whoever hosts the app (and the live-view benchmark): settings, outcome, seconds per
        epoch. A log that cannot be written never disturbs the training or the page.
        """
        path = os.environ.get(LOG_ENV)
        if not path:
            return
        t = self.trainer
        record = {
            "hidden_units": self.settings.hidden_units,
            "samples": self.samples,
            "epochs_planned": self.settings.epochs,
            "epochs_done": len(t.history),
            "reason": t.reason.value,
            "abandoned": self.abandoned,
            "error": None if self.error is None else str(self.error),
            "seconds": round(t.seconds, 4),
            "report_share": round(t.report_share, 5),
            "epoch_seconds": [round(m.seconds, 4) for m in t.history],
        }
        try:
            with open(path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        except OSError:
            pass
