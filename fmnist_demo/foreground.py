"""Visitors waiting for a page come first; a model learning in the background gives way.

On a server of one or two processor cores, a model learning (Train live, or teaching from the
catalogue) keeps every core busy, and another visitor's page, or a photo's verdict, waits its
turn. The entry script marks each page run with `serving()`; the learning loops call `give_way()`
between steps of a few hundredths of a second each, which pauses while any page is being made (up to
a limit, so that learning is never held up for good by a stream of visitors).

The server also lets each TensorFlow operation use one thread (`one_thread_per_operation()`):
the chapter's small model learns no slower on one core than on two, so learning leaves the
other cores to visitors.

And Train live learns at a lower priority (`learn_in_the_background()`): between two steps, and
during one, whatever else wants a core runs first.

No Streamlit here: the page layer wraps its runs, the learning code asks.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# TensorFlow reads this when it starts: how many threads one operation (a matrix product) may use.
# 0 or unset: one per core. See benchmarks/tf_threads.py for what one thread costs and saves.
TF_THREADS_ENV = "TF_NUM_INTRAOP_THREADS"
MAX_WAIT_S = 1.5  # the longest one pause; then one more step is learnt before the next pause
POLL_S = 0.01
# A learning thread's priority, as a "nice" value: 0 is normal, 19 the lowest. At 10 a learning
# thread gets about a tenth of a core that something else also wants. Hosts may set it (0: off).
NICE_ENV = "FMNIST_LEARNING_NICE"
LEARNING_NICE = 10

_lock = threading.Lock()
_serving = 0


@contextmanager
def serving() -> Iterator[None]:
    """Mark a page being made for a visitor, for as long as the block runs."""
    global _serving
    with _lock:
        _serving += 1
    try:
        yield
    finally:
        with _lock:
            _serving -= 1


def busy() -> bool:
    """Whether some visitor's page is being made right now."""
    return _serving > 0


def give_way(stop: threading.Event | None = None, max_wait_s: float = MAX_WAIT_S) -> float:
    """Wait while a page is being made, at most `max_wait_s`, or until `stop` is set (the
    learning was stopped: the page asking waits for it); the seconds waited."""
    if not busy():
        return 0.0
    start = time.perf_counter()
    while busy() and time.perf_counter() - start < max_wait_s:
        if stop is not None and stop.is_set():
            break
        time.sleep(POLL_S)
    return time.perf_counter() - start


def learn_in_the_background() -> bool:
    """Lower the calling thread's priority (nice LEARNING_NICE, or FMNIST_LEARNING_NICE) for as long
    as it lives; call it first thing in a thread that learns. True where it was lowered (Linux).

    Train live's compiled step (training.py) runs in the thread that calls it, so that thread
    is all of the learning's processor time. At a lower priority, the system runs whatever else
    wants a core first: the server receiving a photo, making pages, sending them, and on a
    machine shared with other programs (the benchmark's browsers), those too. With nothing else
    to run, the learning keeps its core and is no slower. The priority cannot be raised again
    without privileges, so only a thread made for one learning, and ended with it, asks for it.
    (Teaching from the catalogue learns with Keras's `fit`, whose work runs in TensorFlow's
    shared worker threads, not in the caller's: it relies on `give_way` alone.)
    """
    if not sys.platform.startswith("linux"):
        return False  # elsewhere a priority belongs to the whole process: the server's pages too
    try:
        nice = min(max(int(os.environ.get(NICE_ENV, LEARNING_NICE)), 0), 19)
    except ValueError:
        nice = LEARNING_NICE
    if nice == 0:
        return False
    try:
        # On Linux, PRIO_PROCESS with a thread's own id reads and sets that one thread's priority.
        thread = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, thread) < nice:  # a server started lower stays so
            os.setpriority(os.PRIO_PROCESS, thread, nice)
    except OSError:  # not allowed (a sandbox), or not supported
        return False
    return True


def one_thread_per_operation() -> None:
    """Let each TensorFlow operation in this process use one thread, unless the host says
    otherwise (TF_NUM_INTRAOP_THREADS set). Call before TensorFlow starts; later, no effect.

    Measured on two cores (benchmarks/tf_threads.py): an epoch of the chapter's model takes a
    little less time on one thread and about half the processor time, so a training keeps one
    core busy instead of nearly two. Operations on many pictures at once (the photo model on a
    batch) take longer on one thread; a single visitor's photo takes the same time.
    """
    os.environ.setdefault(TF_THREADS_ENV, "1")
