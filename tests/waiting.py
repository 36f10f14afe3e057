"""Waiting on a background job (a training) as its page does, with a deadline: a job that dies or
hangs fails the test at once with the job's own error, instead of spinning to pytest's timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import pytest

JOB_DEADLINE_S = 120.0  # far above a test's small trainings, far below pytest's timeout
POLL_S = 0.01


class Job(Protocol):
    """What a watched job has: TrainingJob (training.py), and any job a page polls the same way."""

    done: threading.Event
    error: str | None

    def touch(self) -> None: ...


def watch_until(
    job: Job, condition: Callable[[], bool], what: str, deadline_s: float = JOB_DEADLINE_S
) -> None:
    """Touch `job` (as the live view does) until `condition()` holds; fail when the job ends
    first or `deadline_s` passes, saying `what` was awaited and the job's error."""
    end = time.monotonic() + deadline_s
    while not condition():
        if job.done.is_set():
            if condition():  # it came true as the job ended
                return
            pytest.fail(f"the job ended before {what}: error {job.error!r}", pytrace=False)
        if time.monotonic() > end:
            pytest.fail(f"no {what} within {deadline_s:g} s: error {job.error!r}", pytrace=False)
        job.touch()
        job.done.wait(POLL_S)


def watch_to_the_end(job: Job, deadline_s: float = JOB_DEADLINE_S) -> None:
    """Touch `job` until it has ended; fail when it has not within `deadline_s`."""
    watch_until(job, job.done.is_set, "the job's end", deadline_s)
