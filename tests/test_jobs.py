"""jobs.py: one background-job type and one slot for a training and a teaching, and one way of
saying a job could not start (a typed error with a message id, which the pages translate)."""

from __future__ import annotations

import threading
import time

import numpy as np
from apptest import open_app

from fmnist_demo.jobs import NOT_STARTED, JobError, JobSlot, NotStarted
from fmnist_demo.teach_learning import LearnProgress
from fmnist_demo.training import TrainingJob, TrainSettings
from fmnist_demo.trial_learning import TeachJob
from fmnist_demo.user_model import TrainingOutcome


def _no_thread(job, monkeypatch) -> None:
    def no_threads_left() -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(job._thread, "start", no_threads_left)


def test_a_job_that_cannot_start_ends_at_once_with_a_typed_error(monkeypatch) -> None:
    slot = JobSlot()
    for job in (
        TeachJob(lambda progress, cancel: "never runs"),
        TrainingJob(np.zeros((10, 28, 28), np.uint8), np.zeros(10), TrainSettings(epochs=1)),
    ):
        _no_thread(job, monkeypatch)
        assert slot.start("a", job)
        assert job.done.is_set() and not job.running and not slot.busy
        assert isinstance(job.error, NotStarted) and job.error.message_id == NOT_STARTED
        assert job.error.reason == "can't start new thread"
        assert job.outcome is None and not job.stopped


def test_a_failure_is_kept_in_plain_words_without_a_message_id() -> None:
    def run(progress, cancel):
        raise ValueError("the replay set is damaged")

    job = TeachJob(run)
    job.start()
    assert job.done.wait(10)
    assert isinstance(job.error, JobError) and not isinstance(job.error, NotStarted)
    assert job.error.message_id is None and str(job.error) == "the replay set is damaged"


def test_a_teaching_and_a_training_share_the_one_slot() -> None:
    release = threading.Event()

    def run(progress, cancel):
        progress(LearnProgress(2, 6, 3, 10, 1.5))
        release.wait(30)
        return "taught"

    slot = JobSlot()
    teaching = TeachJob(run)
    assert slot.start("teach:a", teaching)
    training = TrainingJob(np.zeros((10, 28, 28), np.uint8), np.zeros(10), TrainSettings(epochs=1))
    assert not slot.start("b", training)  # a training waits for the teaching
    deadline = time.monotonic() + 10
    while slot.progress is None and time.monotonic() < deadline:
        assert not teaching.done.is_set(), teaching.error
        release.wait(0.01)
    assert (slot.progress.epoch, slot.progress.epochs) == (2, 6)  # what Train live shows
    release.set()
    assert teaching.done.wait(10) and teaching.outcome == "taught" and not slot.busy


def test_train_live_says_it_could_not_start_in_the_visitor_language() -> None:
    result = TrainingOutcome(error=NotStarted("can't start new thread"))
    at = open_app("train_live", lang="bn", session={"train_result": result})
    errors = [e.value for e in at.error]
    assert errors == ["সার্ভার এই মুহূর্তে এটি শুরু করতে পারল না; অনুগ্রহ করে এক মিনিট পরে আবার চেষ্টা করুন।"]


def test_train_live_does_not_call_a_teaching_a_training() -> None:
    """A teaching from the Catalogue page holds the one slot: Train live waits, and says so
    without telling of another visitor's training at "epoch 2 of 6"."""
    from fmnist_demo.pages._training_slot import training_slot

    release = threading.Event()

    def run(progress, cancel):
        progress(LearnProgress(2, 6, 3, 10, 1.5))
        release.wait(60)

    slot = training_slot()
    assert not slot.busy
    job = TeachJob(run)
    assert slot.start("teach:someone", job)
    try:
        at = open_app("train_live")
        (busy,) = [i.value for i in at.info if "right now" in i.value]
        assert busy.startswith("The server is teaching or training a model for someone")
        assert "Another visitor is training" not in busy and "epoch" not in busy
        assert at.button(key="train_start").disabled
    finally:
        release.set()
        assert job.done.wait(10)
