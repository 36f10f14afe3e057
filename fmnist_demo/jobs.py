"""Background jobs: one type for everything that learns in a thread, and the server's one slot.

No Streamlit here. A page's script can be stopped and restarted at any moment (a click, leaving
the page), so a training (training.TrainingJob) or a teaching (trial_learning.TeachJob) runs in a
thread of its own that the page polls: `latest` progress, `done`, `error`. Both are a
`BackgroundJob`; the server lets one of them run at a time, in its `JobSlot`. A job that could not
start, or failed, keeps a `JobError` (its words) in `error`, never raised across threads: its
`message_id` (when set) is the sentence to show, translated by the page, so no page ever matches
on text.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any

from fmnist_demo import foreground
from fmnist_demo.i18n import N_, _
from fmnist_demo.memory import collect_garbage

NOT_STARTED = N_("The server could not start this just now; please try again in a minute.")


def busy_sentence(started: str | None) -> str:
    """What a visitor reads while the slot is taken by a job they did not start; `started` is
    the start as a clock time in the visitor's zone ("14:05"), or None when not known."""
    if started:
        return _(
            "The server is teaching or training a model for someone right now (started at "
            "{time}). Only one runs at a time so that it stays fast; please try again in a few "
            "minutes."
        ).format(time=started)
    return _(
        "The server is teaching or training a model for someone right now (started a moment "
        "ago). Only one runs at a time so that it stays fast; please try again in a few minutes."
    )


class JobError(str):
    """Why a background job ended without finishing, in plain words: kept in `job.error`.

    The text itself is a package error's message, or the system's own words (often English);
    `message_id`, when set, is the sentence a page shows instead (translated with `_()`). A
    string, not an exception, so that a session or a log can keep it as it is.
    """

    message_id: str | None = None


class NotStarted(JobError):
    """The job's thread could not start (the server short of threads or memory)."""

    message_id = NOT_STARTED
    reason: str  # the system's own words, for the log

    def __new__(cls, reason: str) -> NotStarted:
        error = super().__new__(cls, f"{NOT_STARTED} ({reason})")
        error.reason = reason
        return error


class BackgroundJob:
    """Work running in a background thread that a page observes by polling.

    A subclass does its work in `work()` and may report progress in `latest`; a set `cancel`
    asks it to stop. Whatever `work` returns is kept in `outcome`; whatever it raises is kept in
    `error` as a JobError (the `stopped_by` exceptions mean it was stopped: `stopped` is set
    instead). The job runs in a copy of its maker's context, so any message it writes is in the
    language of the visitor who started it. `done` is set when it has ended, however it ended.
    """

    thread_name = "fmnist-job"
    stopped_by: tuple[type[BaseException], ...] = ()
    lower_priority = False  # learn at a lower priority (foreground.learn_in_the_background)
    stop_wait_s = 5.0  # how long `stop()` waits by default for the job to end

    def __init__(self) -> None:
        self.latest: Any = None
        self.cancel = threading.Event()
        self.done = threading.Event()
        self.outcome: Any = None
        self.error: JobError | None = None
        self.stopped = False
        self._context = contextvars.copy_context()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def work(self) -> Any:
        """The job itself, run in the background thread; its return value is the outcome."""
        raise NotImplementedError

    def ended(self) -> None:
        """Called once the job has ended (also when it could not start), before `done` is set."""

    def start(self) -> None:
        """Start in the background; a thread that cannot start ends the job at once (NotStarted).

        The server may be short of threads or memory; then the job is done with `error` saying
        so, like a job that failed, and holds no slot.
        """
        try:
            self._thread.start()
        except RuntimeError as exc:  # "can't start new thread", or started twice
            self.error = NotStarted(str(exc))
            self.ended()
            self.done.set()

    def stop(self, wait_s: float | None = None) -> bool:
        """Ask the job to stop and wait (stop_wait_s by default) until it has ended; True when it
        has."""
        self.cancel.set()
        return self.done.wait(self.stop_wait_s if wait_s is None else wait_s)

    @property
    def running(self) -> bool:
        """Whether the job has started and not yet ended."""
        return self._thread.is_alive() and not self.done.is_set()

    def _run(self) -> None:
        if self.lower_priority:
            foreground.learn_in_the_background()  # visitors' pages and photos first
        try:
            # Models that visitors' sessions have let go of (the one each training replaced) are
            # freed now, before this job needs memory: see `collect_garbage`.
            collect_garbage()
            self.outcome = self._context.run(self.work)
        except self.stopped_by:
            self.stopped = True
        except Exception as exc:  # told in plain words; the slot is freed regardless
            self.error = JobError(str(exc) or type(exc).__name__)
        finally:
            self.ended()
            self.done.set()


class JobSlot:
    """One background job at a time per server: the running job, who started it and when."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.job: BackgroundJob | None = None
        self.owner: str | None = None
        self.started_at: float | None = None  # time.time() of the start

    def start(self, owner: str, job: BackgroundJob) -> bool:
        """Start `job` for `owner`; False (and nothing started) when another job is running.

        True means the job is the slot's: running, or already done with a NotStarted `error`
        when its thread could not start, which leaves the slot free for the next job.
        """
        with self._lock:
            if self.busy:
                return False
            before = self.job, self.owner, self.started_at
            self.job, self.owner, self.started_at = job, owner, time.time()
            try:
                job.start()
            except BaseException:
                self.job, self.owner, self.started_at = before  # never keep a slot nobody uses
                raise
            return True

    def job_of(self, owner: str) -> BackgroundJob | None:
        """The slot's job if `owner` started it (running, or ended and kept until the next one)."""
        with self._lock:
            return self.job if self.job is not None and self.owner == owner else None

    @property
    def busy(self) -> bool:
        """Whether a job is running now."""
        return self.job is not None and not self.job.done.is_set()

    @property
    def progress(self) -> Any:
        """The running job's latest progress (a training's Progress or a teaching's)."""
        return self.job.latest if self.busy else None
