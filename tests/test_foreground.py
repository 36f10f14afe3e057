"""foreground.py: learning in the background gives way while a visitor's page is being made."""

from __future__ import annotations

import threading
import time

from fmnist_demo import foreground
from fmnist_demo.training import Progress, TrainSettings, train


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
    seen: list[Progress] = []
    result: list = []
    with foreground.serving():
        thread = threading.Thread(
            target=lambda: result.append(
                train(
                    x[:3200],
                    y[:3200],
                    TrainSettings(epochs=1, target_accuracy=None),
                    progress=seen.append,
                    report_every_s=0.0,
                )
            )
        )
        thread.start()
        time.sleep(0.5)  # well within one pause (MAX_WAIT_S)
        assert not seen  # not one step learnt while the page was being made
    thread.join(timeout=120)
    assert result and result[0].epochs_done == 1 and seen  # and it learns once the page is out
