"""The tests' way of waiting on a background job: a job that dies fails the wait at once, with
its error, and one that hangs fails it at the deadline, never at pytest's timeout."""

from __future__ import annotations

import time

import numpy as np
import pytest
from waiting import watch_to_the_end, watch_until

from fmnist_demo.training import TrainingJob, TrainSettings


def test_a_job_that_dies_fails_the_wait_at_once_with_its_error():
    job = TrainingJob(np.zeros((10, 5, 5), np.uint8), np.zeros(10), TrainSettings(epochs=1))
    job.start()
    start = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="ended before a finished epoch: error '"):
        watch_until(job, lambda: job.latest is not None, "a finished epoch", deadline_s=60)
    assert time.monotonic() - start < 30 and job.error


def test_a_job_that_never_gets_there_fails_at_the_deadline(fmnist):
    (x, y), _ = fmnist
    job = TrainingJob(x[:320], y[:320], TrainSettings(epochs=500, target_accuracy=None))
    job.start()
    try:
        with pytest.raises(pytest.fail.Exception, match=r"no epoch 1000 within 0\.5 s"):
            watch_until(job, lambda: False, "epoch 1000", deadline_s=0.5)
    finally:
        job.stop(wait_s=60)
    watch_to_the_end(job)
    assert job.error is None
