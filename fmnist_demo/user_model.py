"""The visitor's own model ("your model", trained on Train live), how its training went, and the
model a page uses: plain values that the pages keep in the session and pass between them.

A training job that has ended becomes a `TrainingOutcome` (what Train live says about it) and, when
at least one epoch finished, a `UserModel` (what Results, the quiz and Classify use). The server
keeps trained models for a reload in a `UserModelStore`, as weights only. No Streamlit here, and no
Keras at import: the entry restores a model after a reload without waiting for TensorFlow.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_demo.data import TRAIN_SIZE
from fmnist_demo.i18n import _
from fmnist_demo.reload_store import ReloadStore

if TYPE_CHECKING:
    from fmnist_demo.training import EpochMetrics, TrainingJob

KEEP_MODELS = 8  # trained models kept for reloads, as weights: 0.4 or 1.6 MB (128 or 512 units)
KEEP_MODEL_S = 2 * 3600  # ... each for two hours after it was last used
SHIPPED, YOURS = "shipped", "yours"  # which model a page uses: the one we ship, or the visitor's


@dataclass(frozen=True)
class TrainingOutcome:
    """How one of the visitor's trainings ended, as Train live shows it (again after a reload)."""

    history: tuple[EpochMetrics, ...] = ()  # one per finished epoch
    reason: str | None = None  # a StopReason value; None when it failed before it began
    error: str | None = None  # the system's reason when it failed, else None
    abandoned: bool = False  # stopped because the page was left
    message: str = ""  # the chapter's own printed line when the target was reached (English)
    seconds: float = 0.0
    report_share: float = 0.0  # share of the time spent showing the progress live, 0-1
    hidden_units: int | None = None
    target: float | None = None  # the target training accuracy, None without early stop
    samples: int = TRAIN_SIZE  # training pictures it learnt from
    test_accuracy: float | None = None  # share of the 10,000 test pictures named right

    @property
    def epochs_done(self) -> int:
        """How many whole epochs the model learnt from."""
        return len(self.history)

    @property
    def train_accuracy(self) -> float | None:
        """Training accuracy after the last finished epoch."""
        return self.history[-1].accuracy if self.history else None

    def history_rows(self) -> list[dict[str, float]]:
        """The history as rows {"epoch", "loss", "accuracy", "seconds"}, for curves and tables."""
        return [dataclasses.asdict(epoch) for epoch in self.history]


@dataclass(frozen=True, eq=False)
class UserModel:
    """A model the visitor trained on Train live, with what the pages say about it."""

    model: Any  # the Keras model; None while only its `weights` are kept (in the store)
    token: str  # its key in the server's store and in the page's address (`?model=`)
    trained_at: str  # '14:05': when its training ended, in the visitor's time
    hidden_units: int
    epochs: int  # whole epochs it learnt from
    samples: int = TRAIN_SIZE  # training pictures it learnt from
    train_accuracy: float | None = None  # shares in [0, 1], None when not measured
    test_accuracy: float | None = None
    outcome: TrainingOutcome | None = None  # how its training went, shown again after a reload
    weights: tuple[np.ndarray, ...] | None = None  # kept instead of `model` by the store

    @property
    def file_name(self) -> str:
        """The name its download is saved under."""
        return f"fmnist_dense{self.hidden_units}_{self.epochs}epochs.keras"

    def as_weights(self) -> UserModel:
        """The same model kept as its weights only (0.4 MB for 128 hidden units), not as the
        Keras model with its optimiser and compiled functions (several MB)."""
        if self.model is None:
            return self
        return dataclasses.replace(self, model=None, weights=tuple(self.model.get_weights()))

    def with_model(self) -> UserModel:
        """The same model with its Keras model, made from the kept weights if need be."""
        if self.model is not None or self.weights is None:
            return self
        from fmnist_demo.model import build_model

        model = build_model(int(self.hidden_units))
        model.set_weights(list(self.weights))
        return dataclasses.replace(self, model=model, weights=None)


class UserModelStore(ReloadStore[UserModel]):
    """Visitors' trained models under their tokens, so that a page reload finds them again.

    A model is kept as its weights and made again when a reload needs it (`UserModel.with_model`).
    """

    def __init__(
        self,
        capacity: int = KEEP_MODELS,
        ttl_s: float = KEEP_MODEL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(capacity, ttl_s, now)

    def put(self, token: str, value: UserModel) -> None:
        """Keep (or replace) the model under token, as weights only."""
        super().put(token, value.as_weights())


def finished_training(
    job: TrainingJob,
    test_set: Callable[[], tuple[np.ndarray, np.ndarray]],
    token: str,
    trained_at: str,
) -> tuple[TrainingOutcome, UserModel | None]:
    """How a training job that has ended went, and the model it made (None when no epoch
    finished), measured on the test pictures (asked for only then); the model is kept under
    `token`, and `trained_at` is when it ended, in the visitor's time."""
    if job.trainer.model is None:  # failed before the model was built
        # NOTE: said when training stopped for a reason nobody knows: "stopped because of: unknown"
        return TrainingOutcome(error=job.error or _("unknown")), None
    from fmnist_demo.model import accuracy

    result = job.result()
    test_acc = accuracy(result.model, *test_set()) if result.history else None
    outcome = TrainingOutcome(
        history=tuple(result.history),
        reason=result.stop_reason.value,
        error=job.error,
        abandoned=job.abandoned,
        message=result.message,
        seconds=result.seconds,
        report_share=job.trainer.report_share,
        hidden_units=result.settings.hidden_units,
        target=result.settings.target_accuracy,
        samples=job.samples,
        test_accuracy=test_acc,
    )
    if not result.history:
        return outcome, None
    return outcome, UserModel(
        model=result.model,
        token=token,
        trained_at=trained_at,
        hidden_units=result.settings.hidden_units,
        epochs=result.epochs_done,
        samples=job.samples,
        train_accuracy=result.final_accuracy,
        test_accuracy=test_acc,
        outcome=outcome,
    )


@dataclass
class ActiveModel:
    """The model a page classifies with, and how to name it to a person."""

    loaded: Any
    label: str
    origin: str  # SHIPPED or YOURS: whose model it is
    # the shipped model is loaded (and TensorFlow imported) only when a page first asks for it:
    # Results shows the shipped model's answers without it
    load: Callable[[], Any] | None = None
    user: UserModel | None = None  # the visitor's model with its figures, when it is theirs

    @property
    def shipped(self) -> bool:
        """Whether it is the model shipped with the app (not the visitor's)."""
        return self.origin == SHIPPED

    @property
    def model(self) -> Any:
        """The Keras model, loaded now if it was left for later."""
        if self.loaded is None and self.load is not None:
            self.loaded = self.load()
        return self.loaded
