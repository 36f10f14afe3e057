"""foreground.py: learning in the background gives way while a visitor's page is being made."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fmnist_demo import foreground
from fmnist_demo.training import Progress, TrainingJob, TrainSettings, train

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def test_serving_marks_a_page_being_made_even_when_it_fails():
    assert not foreground.busy()
    with foreground.serving():
        assert foreground.busy()
        with foreground.serving():  # two visitors at once
            assert foreground.busy()
        assert foreground.busy()
    assert not foreground.busy()
    try:
        with foreground.serving():
            raise RuntimeError("the page failed")
    except RuntimeError:
        pass
    assert not foreground.busy()


def test_give_way_waits_for_the_page_and_no_longer():
    assert foreground.give_way() == 0.0  # nobody waiting: no pause at all
    done = threading.Event()

    def page() -> None:
        with foreground.serving():
            done.wait(5)

    thread = threading.Thread(target=page)
    thread.start()
    while not foreground.busy():
        time.sleep(0.001)
    threading.Timer(0.2, done.set).start()
    waited = foreground.give_way(max_wait_s=5)
    thread.join()
    assert 0.15 <= waited < 5  # until the page was made, not the whole limit


def test_give_way_has_a_limit_and_stops_when_asked():
    with foreground.serving():
        assert 0.1 <= foreground.give_way(max_wait_s=0.1) < 2
        stop = threading.Event()
        stop.set()
        assert foreground.give_way(stop, max_wait_s=5) < 1  # a stopped run does not wait


def test_training_pauses_while_a_page_is_made(fmnist):
    (x, y), _ = fmnist
    settings = TrainSettings(epochs=1, target_accuracy=None)
    train(x[:3200], y[:3200], settings)  # compiled now: the next run's steps take milliseconds
    seen: list[Progress] = []
    result: list = []
    first_step = threading.Event()

    def report(p: Progress) -> None:
        seen.append(p)
        first_step.set()

    with foreground.serving():
        thread = threading.Thread(
            target=lambda: result.append(
                train(x[:3200], y[:3200], settings, progress=report, report_every_s=0.0)
            )
        )
        thread.start()
        assert first_step.wait(120)
        # Its first step came only after a whole pause: it waited while the page was made.
        assert seen[0].elapsed_s >= foreground.MAX_WAIT_S
    thread.join(timeout=120)
    assert result and result[0].epochs_done == 1  # and it learns once the page is out


def test_the_server_lets_each_tensorflow_operation_use_one_thread(monkeypatch):
    monkeypatch.delenv(foreground.TF_THREADS_ENV, raising=False)
    foreground.one_thread_per_operation()
    assert os.environ[foreground.TF_THREADS_ENV] == "1"
    monkeypatch.setenv(foreground.TF_THREADS_ENV, "4")  # the host's own choice stands
    foreground.one_thread_per_operation()
    assert os.environ[foreground.TF_THREADS_ENV] == "4"


def test_the_entry_script_asks_for_one_thread_before_any_page(monkeypatch, app):
    monkeypatch.delenv(foreground.TF_THREADS_ENV, raising=False)
    app()
    assert os.environ[foreground.TF_THREADS_ENV] == "1"


@pytest.mark.slow
def test_tensorflow_started_so_keeps_one_core_busy_at_most():
    """In a fresh process: with the setting, matrix products never use more than one core's
    worth of processor time (TensorFlow's default, one thread per core, uses all of them)."""
    probe = (
        "import time\n"
        "from fmnist_demo import foreground\n"
        "foreground.one_thread_per_operation()\n"
        "import tensorflow as tf\n"
        "a = tf.random.normal((1024, 1024))\n"
        "_ = (a @ a).numpy()\n"
        "wall, cpu = time.perf_counter(), time.process_time()\n"
        "for _ in range(20):\n"
        "    _ = (a @ a).numpy()\n"
        "print(time.process_time() - cpu, time.perf_counter() - wall)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != foreground.TF_THREADS_ENV}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=Path(APP).parent,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, wall = map(float, out.stdout.split()[-2:])
    assert cpu <= 1.2 * wall, (cpu, wall)  # a busy machine only lowers cpu / wall


def _in_a_thread(work):
    """What `work()` returns, run in a new thread, with that thread's priority (nice) then."""
    out: list = []

    def run() -> None:
        value = work()
        out.append((value, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_a_learning_thread_lowers_its_own_priority_and_no_one_elses(monkeypatch):
    monkeypatch.delenv(foreground.NICE_ENV, raising=False)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lowered = max(mine, foreground.LEARNING_NICE)  # never raised: a server started low stays low
    assert _in_a_thread(foreground.learn_in_the_background) == (True, lowered)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the server's own
    assert _in_a_thread(lambda: None)[1] == mine  # a thread started later is not lowered
    monkeypatch.setenv(foreground.NICE_ENV, "0")  # the host turned it off
    assert _in_a_thread(foreground.learn_in_the_background) == (False, mine)
    monkeypatch.setenv(foreground.NICE_ENV, "lowest")  # not a number: the default
    assert _in_a_thread(foreground.learn_in_the_background) == (True, lowered)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_a_training_job_learns_at_the_lower_priority(fmnist, monkeypatch):
    monkeypatch.delenv(foreground.NICE_ENV, raising=False)
    (x, y), _ = fmnist
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job = TrainingJob(x[:20_000], y[:20_000], TrainSettings(epochs=5, target_accuracy=None))
    job.start()
    try:
        deadline = time.monotonic() + 120
        while job.snapshot()[0] is None and time.monotonic() < deadline:  # a step learnt
            job.touch()
            time.sleep(0.01)
        assert job.running
        lowered = max(mine, foreground.LEARNING_NICE)
        assert os.getpriority(os.PRIO_PROCESS, job._thread.native_id) == lowered
    finally:
        job.stop(wait_s=60)
    assert job.done.is_set() and job.error is None
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # pages: as they were
