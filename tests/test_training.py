"""The training engine: progress, the chapter's early stop, cancel and interruption."""

from __future__ import annotations

import gc
import json
import threading
import weakref

import numpy as np
import pytest
from waiting import watch_until

from fmnist_demo import i18n
from fmnist_demo.jobs import NOT_STARTED, JobSlot, NotStarted
from fmnist_demo.model import accuracy, build_model, predict_proba
from fmnist_demo.training import (
    LOG_ENV,
    Progress,
    StopReason,
    Trainer,
    TrainingJob,
    TrainSettings,
    compiled_step_count,
    target_message,
    train,
)


@pytest.fixture(scope="module")
def small(fmnist):
    """3,200 training pictures and 1,000 test pictures."""
    (x_train, y_train), (x_test, y_test) = fmnist
    return x_train[:3200], y_train[:3200], x_test[:1000], y_test[:1000]


def test_progress_is_reported_and_history_kept(small):
    x, y, x_test, y_test = small
    seen: list[Progress] = []
    result = train(
        x,
        y,
        TrainSettings(epochs=2, target_accuracy=None),
        progress=seen.append,
        report_every_s=0.0,
    )
    assert result.stop_reason is StopReason.FINISHED
    assert [h.epoch for h in result.history] == [1, 2]
    ends = [p for p in seen if p.epoch_done]
    assert [p.epoch for p in ends] == [1, 2]
    assert all(p.batches == 100 for p in seen)
    assert any(not p.epoch_done for p in seen)  # reports inside an epoch, not only at its end
    assert all(0 < p.fraction <= 1 for p in seen)
    assert ends[-1].accuracy == pytest.approx(result.history[-1].accuracy)
    assert accuracy(result.model, x_test, y_test) > 0.6


def test_reporting_is_throttled(small):
    x, y, _, _ = small
    seen: list[Progress] = []
    train(
        x,
        y,
        TrainSettings(epochs=1, target_accuracy=None),
        progress=seen.append,
        report_every_s=3600,
    )
    # Only the first in-epoch report and the end of the epoch get through a one-hour throttle.
    assert len(seen) <= 2 and seen[-1].epoch_done


def test_early_stop_at_target(small):
    x, y, _, _ = small
    result = train(x, y, TrainSettings(epochs=5, target_accuracy=0.5))
    assert result.stop_reason is StopReason.TARGET_REACHED
    assert result.epochs_done == 1
    assert result.message == "Reached 50% accuracy so cancelling training!"
    assert target_message(0.9) == "Reached 90% accuracy so cancelling training!"


def test_cancel_mid_epoch_keeps_last_finished_epoch(small):
    x, y, x_test, _ = small
    cancel = threading.Event()
    after_epoch_1: list[np.ndarray] = []
    trainer = Trainer(TrainSettings(epochs=5, target_accuracy=None), cancel=cancel)

    def watch(p: Progress) -> None:
        if p.epoch_done and p.epoch == 1:
            after_epoch_1.extend(w.copy() for w in trainer.model.get_weights())
        if p.epoch == 2 and not p.epoch_done:
            cancel.set()  # in the middle of epoch 2

    result = trainer.run(x, y, progress=watch, report_every_s=0.0)
    assert result.stop_reason is StopReason.CANCELLED
    assert result.epochs_done == 1
    for kept, expected in zip(result.model.get_weights(), after_epoch_1, strict=True):
        np.testing.assert_array_equal(kept, expected)
    assert predict_proba(result.model, x_test[:5]).shape == (5, 10)


def test_cancel_from_another_thread(small):
    x, y, _, _ = small
    cancel = threading.Event()
    first_epoch = threading.Event()

    def watch(p: Progress) -> None:
        if p.epoch_done:
            first_epoch.set()

    def stopper() -> None:
        first_epoch.wait(timeout=120)
        cancel.set()

    thread = threading.Thread(target=stopper)
    thread.start()
    result = train(
        x, y, TrainSettings(epochs=50, target_accuracy=None), progress=watch, cancel=cancel
    )
    thread.join()
    assert result.stop_reason is StopReason.CANCELLED
    assert 1 <= result.epochs_done < 50


def test_cancel_before_start_leaves_untrained_model(small):
    x, y, _, _ = small
    cancel = threading.Event()
    cancel.set()
    result = train(x, y, TrainSettings(epochs=3), cancel=cancel)
    assert result.stop_reason is StopReason.CANCELLED and result.epochs_done == 0


class _PageLeft(BaseException):
    """Stands in for the exception Streamlit raises in a script that is stopped."""


def test_interrupted_training_keeps_a_usable_model(small):
    x, y, x_test, y_test = small
    trainer = Trainer(TrainSettings(epochs=5, target_accuracy=None))

    def leave(p: Progress) -> None:
        if p.epoch == 3 and not p.epoch_done:
            raise _PageLeft

    with pytest.raises(_PageLeft):
        trainer.run(x, y, progress=leave, report_every_s=0.0)
    result = trainer.result()
    assert result.stop_reason is StopReason.CANCELLED
    assert result.epochs_done == 2
    assert accuracy(result.model, x_test, y_test) > 0.6


def test_seeded_runs_are_repeatable(small):
    x, y, _, _ = small
    a = train(x[:640], y[:640], TrainSettings(epochs=1, target_accuracy=None, seed=7))
    b = train(x[:640], y[:640], TrainSettings(epochs=1, target_accuracy=None, seed=7))
    assert a.history[0].accuracy == pytest.approx(b.history[0].accuracy, abs=1e-6)


def test_trainings_reuse_one_compiled_step_and_stay_exact(small):
    # Each compiled step kept XLA memory for good, so the server grew with every training. Now
    # trainings of one width share it, and a reused step starts from a clean optimizer state.
    x, y, _, _ = small
    settings = TrainSettings(hidden_units=128, epochs=1, target_accuracy=None, seed=11)
    first = train(x[:640], y[:640], settings)
    kept = compiled_step_count()
    train(x[:960], y[:960], TrainSettings(epochs=2, target_accuracy=None, seed=3))  # another run
    again = train(x[:640], y[:640], settings)
    assert compiled_step_count() == kept
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.history[0].accuracy == again.history[0].accuracy
    # Each result is a model of its own: later trainings do not change an earlier one.
    assert first.model is not again.model
    # Its optimizer holds the state the training left, as after model.fit.
    assert int(again.model.optimizer.iterations.numpy()) == 20


def test_trainings_at_the_same_time_each_get_their_own_step(small):
    x, y, _, _ = small
    settings = TrainSettings(hidden_units=512, epochs=1, target_accuracy=None, seed=5)
    alone = train(x[:640], y[:640], settings)
    results: list = []
    threads = [
        threading.Thread(target=lambda: results.append(train(x[:640], y[:640], settings)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        for a, b in zip(alone.model.get_weights(), result.model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_slot_is_freed_when_the_thread_cannot_start(small, monkeypatch):
    x, y, _, _ = small
    slot = JobSlot()
    job = TrainingJob(x, y, TrainSettings(epochs=1))

    def no_threads_left() -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(job._thread, "start", no_threads_left)
    slot.start("a", job)
    assert job.done.is_set() and not job.running
    assert isinstance(job.error, NotStarted) and job.error.message_id == NOT_STARTED
    assert job.error.reason == "can't start new thread"
    assert not slot.busy and slot.progress is None
    # The next visitor can train.
    second = TrainingJob(x[:320], y[:320], TrainSettings(epochs=1, target_accuracy=None))
    assert slot.start("b", second) and slot.owner == "b"
    assert second.done.wait(60) and second.error is None
    assert second.result().epochs_done == 1


def test_slot_is_freed_when_a_job_fails_to_start_in_any_way():
    class Broken:
        done = threading.Event()

        def start(self) -> None:
            raise MemoryError

    slot = JobSlot()
    with pytest.raises(MemoryError):
        slot.start("a", Broken())
    assert not slot.busy and slot.job is None and slot.owner is None


def test_job_trains_in_the_background_and_slot_allows_one(small):
    x, y, _, _ = small
    slot = JobSlot()
    first = TrainingJob(x, y, TrainSettings(epochs=50, target_accuracy=None))
    assert slot.start("a", first) and slot.busy and slot.owner == "a"
    second = TrainingJob(x, y, TrainSettings(epochs=1))
    assert not slot.start("b", second)  # one training per server
    watch_until(first, lambda: first.latest and first.latest.epoch_done, "a finished epoch")
    assert slot.progress is not None and slot.progress.epoch >= 1
    assert first.stop(wait_s=30)
    assert not slot.busy
    result = first.result()
    assert result.stop_reason is StopReason.CANCELLED and result.epochs_done >= 1
    progress, points = first.snapshot()
    assert points and points[-1]["epoch"] <= progress.epoch
    assert slot.start("b", second)
    assert second.done.wait(60) and second.result().epochs_done == 1


def test_job_ends_itself_when_nobody_watches(small):
    x, y, _, _ = small
    job = TrainingJob(x, y, TrainSettings(epochs=500, target_accuracy=None), abandon_after_s=0.0)
    job.start()
    assert job.done.wait(120)
    assert job.abandoned and job.result().stop_reason is StopReason.CANCELLED


def test_a_new_training_frees_the_models_visitors_let_go_of(small):
    # A dropped Keras model is only freed by a full collection, which a server holding
    # TensorFlow runs rarely: dropped models (weights, optimizer, graphs) piled up between them.
    x, y, x_test, _ = small
    dropped = build_model()
    predict_proba(dropped, x_test[:4])
    gone = weakref.ref(dropped)
    gc.disable()  # as if the rare full collection were not due yet
    try:
        del dropped
        assert gone() is not None  # kept by its own reference cycles
        job = TrainingJob(x[:320], y[:320], TrainSettings(epochs=1, target_accuracy=None))
        job.start()
        assert job.done.wait(120) and job.error is None
        assert gone() is None
    finally:
        gc.enable()


def test_job_writes_one_log_line_when_asked(small, tmp_path, monkeypatch):
    x, y, _, _ = small
    log = tmp_path / "trainings.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    job = TrainingJob(x, y, TrainSettings(epochs=2, target_accuracy=None))
    job.start()
    assert job.done.wait(120)
    (line,) = log.read_text().splitlines()
    record = json.loads(line)
    assert record["epochs_done"] == 2 and record["reason"] == "finished"
    assert len(record["epoch_seconds"]) == 2 and record["seconds"] >= sum(record["epoch_seconds"])
    # A log that cannot be written does not disturb training.
    monkeypatch.setenv(LOG_ENV, str(tmp_path / "no-such-folder" / "log.jsonl"))
    job = TrainingJob(x, y, TrainSettings(epochs=1))
    job.start()
    assert job.done.wait(120) and job.error is None and job.result().epochs_done == 1


def test_job_reports_errors_in_plain_words():
    job = TrainingJob(np.zeros((10, 5, 5), np.uint8), np.zeros(10), TrainSettings(epochs=1))
    job.start()
    assert job.done.wait(60)
    assert job.error


@pytest.mark.slow
def test_chapter_callback_with_512_units_stops_after_6_epochs(fmnist):
    # The chapter's early-stopping section: 512 hidden units pass 90 % in epoch 6.
    (x_train, y_train), _ = fmnist
    result = train(x_train, y_train, TrainSettings(hidden_units=512))
    assert result.stop_reason is StopReason.TARGET_REACHED
    assert result.epochs_done == 6
    assert result.history[-1].accuracy > 0.90 >= result.history[-2].accuracy
    assert result.message == "Reached 90% accuracy so cancelling training!"


def test_the_job_reports_numbers_and_codes_that_the_page_puts_into_words(small, bengali):
    # The training thread does not know the visitor's language: it hands over numbers, a stop
    # reason and the chapter's own English line; the page translates a failed start by its id.
    x, y, _, _ = small
    seen: list[Progress] = []
    result = train(x[:640], y[:640], TrainSettings(epochs=3, target_accuracy=0.5), seen.append)
    assert seen and all(
        isinstance(getattr(p, name), int | float | bool)
        for p in seen
        for name in ("epoch", "epochs", "batch", "batches", "loss", "accuracy", "elapsed_s")
    )
    assert result.stop_reason is StopReason.TARGET_REACHED
    assert result.message == "Reached 50% accuracy so cancelling training!"
    assert i18n._(NOT_STARTED) == (
        "সার্ভার এই মুহূর্তে এটি শুরু করতে পারল না; অনুগ্রহ করে এক মিনিট পরে আবার চেষ্টা করুন।"
    )
