"""The staff passcode gate: right, wrong, refused while paused, the pause doubling, reset."""

from __future__ import annotations

import threading

from fmnist_demo.catalogue_access import (
    LONGEST_WAIT_S,
    Outcome,
    PasscodeGate,
    passcode_digest,
    same_passcode,
)


class Clock:
    """A clock the test moves forward by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_right_passcode_opens() -> None:
    gate = PasscodeGate()
    attempt = gate.check("  tulip-42 ", "tulip-42")  # spaces a phone keyboard adds are ignored
    assert attempt.right and attempt.outcome is Outcome.RIGHT


def test_a_wrong_passcode_is_refused_and_the_next_try_must_wait() -> None:
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    assert gate.check("tulip-41", "tulip-42").outcome is Outcome.WRONG
    too_soon = gate.check("tulip-42", "tulip-42")  # even the right one, while paused
    assert (too_soon.outcome, too_soon.wait_s) == (Outcome.TOO_SOON, 1)
    clock.now += 1
    assert gate.check("tulip-42", "tulip-42").right


def test_each_wrong_try_doubles_the_pause_up_to_a_limit() -> None:
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    waits = []
    for _ in range(9):
        attempt = gate.check("guess", "tulip-42")
        assert attempt.outcome is Outcome.WRONG
        waits.append(attempt.wait_s)
        clock.now += attempt.wait_s
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert max(waits) == LONGEST_WAIT_S
    assert gate.check("tulip-42", "tulip-42").right
    assert gate.check("guess", "tulip-42").wait_s == 1  # a right try starts counting afresh


def test_an_empty_passcode_never_opens() -> None:
    assert not PasscodeGate().check("", "   ").right


def test_tries_from_many_tabs_at_once_get_one_guess() -> None:
    gate = PasscodeGate(clock=Clock())
    outcomes = []

    def guess(n: int) -> None:
        outcomes.append(gate.check(f"guess-{n}", "tulip-42").outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.WRONG) == 1
    assert outcomes.count(Outcome.TOO_SOON) == 19


def test_comparison_and_digest() -> None:
    assert same_passcode("ünï-42", "ünï-42") and not same_passcode("ünï-4", "ünï-42")
    assert passcode_digest("a") != passcode_digest("b")
    assert "tulip" not in passcode_digest("tulip-42")
