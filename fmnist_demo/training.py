"""The training engine: the chapter's fit, made fast, with live progress, early stop and cancel.

No Streamlit here. A page passes a plain-Python `progress` callable and a `threading.Event` to
cancel; the engine keeps the weights of the last finished epoch whatever happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import keras
import numpy as np

from fmnist_demo.data import normalise
from fmnist_demo.model import build_model, model_lock

# Keras runs several batches of 32 per call into compiled code: the same updates as the chapter's
# fit (batch size 32, same order), with a fraction of the per-batch Python overhead.
STEPS_PER_EXECUTION = 32


def steps_per_execution(batches: int) -> int:
    """Batches per compiled call: near 32, and dividing the epoch evenly when it can.

    An epoch whose batches do not split evenly ends with a shorter call, which XLA compiles
    separately (seconds, once); 60,000 pictures make 1,875 batches, so 25 per call.
    """
    divisors = [d for d in range(16, 65) if batches % d == 0]
    return min(divisors, key=lambda d: abs(d - STEPS_PER_EXECUTION), default=STEPS_PER_EXECUTION)


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
    """The chapter's early-stop message for a target accuracy."""
    return f"Reached {target * 100:g}% accuracy so cancelling training!"


ProgressFn = Callable[[Progress], None]


class _EngineCallback(keras.callbacks.Callback):
    """Reports progress (throttled), stops at the target, honours cancel, snapshots weights."""

    def __init__(self, run: Trainer, batches: int, progress: ProgressFn | None, every_s: float):
        super().__init__()
        self.run = run
        self.batches = batches
        self.progress = progress
        self.every_s = every_s
        self.last_report = 0.0
        self.epoch_start = 0.0
        self.epoch = 0
        self.partial_epoch = False

    def _report(self, batch: int, logs: dict, epoch_done: bool = False) -> None:
        if self.progress is None:
            return
        self.last_report = time.perf_counter()
        try:
            self._call_progress(batch, logs, epoch_done)
        finally:
            self.run.report_seconds += time.perf_counter() - self.last_report

    def _call_progress(self, batch: int, logs: dict, epoch_done: bool) -> None:
        self.progress(
            Progress(
                epoch=self.epoch + 1,
                epochs=self.run.settings.epochs,
                batch=batch,
                batches=self.batches,
                loss=float(logs.get("loss", np.nan)),
                accuracy=float(logs.get("accuracy", np.nan)),
                elapsed_s=time.perf_counter() - self.run.started,
                epoch_done=epoch_done,
            )
        )

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.partial_epoch = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        done = batch + 1  # Keras passes the index of the last batch of this execution
        if self.run.cancel.is_set():
            self.model.stop_training = True
            self.partial_epoch = done < self.batches
            return
        if time.perf_counter() - self.last_report >= self.every_s and done < self.batches:
            self._report(done, logs or {})

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.partial_epoch:  # cancelled mid-epoch: this epoch does not count
            return
        acc = float(logs.get("accuracy", np.nan))
        self.run.history.append(
            EpochMetrics(
                epoch=epoch + 1,
                loss=float(logs.get("loss", np.nan)),
                accuracy=acc,
                seconds=time.perf_counter() - self.epoch_start,
            )
        )
        self.run.snapshot = [w.copy() for w in self.model.get_weights()]
        self._report(self.batches, logs, epoch_done=True)
        target = self.run.settings.target_accuracy
        if self.run.cancel.is_set():
            self.model.stop_training = True
        elif target is not None and acc > target:  # the chapter's callback: strictly above
            self.run.reason = StopReason.TARGET_REACHED
            self.run.message = target_message(target)
            self.model.stop_training = True


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

    def run(
        self,
        x: np.ndarray,
        y: np.ndarray,
        progress: ProgressFn | None = None,
        report_every_s: float = 0.2,
    ) -> TrainResult:
        """Train on images x (N, 28, 28; uint8 or float) and labels y; returns the result."""
        s = self.settings
        batches = int(np.ceil(len(x) / s.batch_size))
        with model_lock():
            keras.utils.set_random_seed(s.seed)
            self.model = build_model(
                s.hidden_units,
                steps_per_execution=steps_per_execution(batches),
                jit_compile=True,
            )
        self.snapshot = [w.copy() for w in self.model.get_weights()]
        x = normalise(x)  # (N, 28, 28) uint8 -> (N, 28, 28) float32 in [0, 1]
        y = np.asarray(y, dtype=np.int32)
        callback = _EngineCallback(self, batches, progress, report_every_s)
        self.started = time.perf_counter()
        try:
            if not self.cancel.is_set():
                self.model.fit(
                    x, y, batch_size=s.batch_size, epochs=s.epochs, callbacks=[callback], verbose=0
                )
        finally:
            # Whatever ended the run (finish, target, cancel, an exception from `progress`),
            # the model keeps the weights of the last finished epoch.
            self.seconds = time.perf_counter() - self.started
            self.model.set_weights(self.snapshot)
            self.model.stop_training = False
            if self.cancel.is_set() and self.reason is StopReason.FINISHED:
                self.reason = StopReason.CANCELLED
        return self.result()

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
) -> TrainResult:
    """Train the chapter's model fast; see Trainer for the details."""
    return Trainer(settings, cancel).run(x, y, progress, report_every_s)


class TrainingJob:
    """A Trainer running in a background thread that a page observes by polling.

    The page's script can be stopped and restarted at any moment (a click, leaving the page), so
    training lives outside it: the job keeps the latest progress and the curve points, and ends
    itself when nobody has looked at it for `abandon_after_s` (the visitor left).
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        settings: TrainSettings | None = None,
        *,
        abandon_after_s: float = 15.0,
        report_every_s: float = 0.25,
    ) -> None:
        self.trainer = Trainer(settings)
        self.settings = self.trainer.settings
        self.cancel = self.trainer.cancel
        self.samples = len(x)
        self.abandon_after_s = abandon_after_s
        self.report_every_s = report_every_s
        self.latest: Progress | None = None
        self.points: list[dict] = []  # {"epoch": fractional epoch, "loss", "accuracy"}
        self.abandoned = False
        self.error: str | None = None
        self.done = threading.Event()
        self._last_seen = time.monotonic()
        self._lock = threading.Lock()
        self._data = (x, y)
        self._thread = threading.Thread(target=self._run, name="fmnist-training", daemon=True)

    def start(self) -> None:
        """Start training in the background."""
        self._last_seen = time.monotonic()
        self._thread.start()

    def touch(self) -> None:
        """Tell the job someone is still watching."""
        self._last_seen = time.monotonic()

    def stop(self, wait_s: float = 5.0) -> bool:
        """Cancel and wait until the job has ended; True when it has."""
        self.cancel.set()
        return self.done.wait(wait_s)

    @property
    def running(self) -> bool:
        """Whether the job has started and not yet ended."""
        return self._thread.is_alive() and not self.done.is_set()

    def snapshot(self) -> tuple[Progress | None, list[dict]]:
        """The latest progress and a copy of the curve points."""
        with self._lock:
            return self.latest, list(self.points)

    def result(self) -> TrainResult:
        """What the run left; call after `done` is set."""
        return self.trainer.result()

    def _progress(self, p: Progress) -> None:
        with self._lock:
            self.latest = p
            self.points.append(
                {"epoch": p.epoch - 1 + p.batch / p.batches, "loss": p.loss, "accuracy": p.accuracy}
            )
        if time.monotonic() - self._last_seen > self.abandon_after_s:
            self.abandoned = True
            self.cancel.set()

    def _run(self) -> None:
        x, y = self._data
        try:
            self.trainer.run(x, y, progress=self._progress, report_every_s=self.report_every_s)
        except Exception as exc:  # a person is told in plain words; the slot is freed regardless
            self.error = str(exc) or type(exc).__name__
        finally:
            self._data = None
            self.done.set()


class TrainingSlot:
    """One training at a time per server: the running job, who started it and when."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.job: TrainingJob | None = None
        self.owner: str | None = None
        self.started_at: float | None = None  # time.time() of the start

    def start(self, owner: str, job: TrainingJob) -> bool:
        """Start `job` for `owner`; False (and nothing started) when another job is running."""
        with self._lock:
            if self.busy:
                return False
            self.job, self.owner, self.started_at = job, owner, time.time()
            job.start()
            return True

    @property
    def busy(self) -> bool:
        """Whether a training is running now."""
        return self.job is not None and not self.job.done.is_set()

    @property
    def progress(self) -> Progress | None:
        """The running job's latest progress."""
        return self.job.latest if self.busy else None
