"""The staff passcode gate: right, wrong, refused while paused, the pause doubling, reset; each
visitor's own waits, the server's budget of wrong tries, turns while a stranger guesses."""

from __future__ import annotations

import threading

import pytest

from fmnist_demo.catalogue_access import (
    FORGET_WRONG_S,
    LONGEST_WAIT_S,
    PLACE_KEPT_S,
    SERVER_BURST,
    Attempt,
    Outcome,
    PasscodeGate,
    passcode_digest,
    same_passcode,
    wait_after,
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


# -- issue 24: the wait never vanishes; visitors wait apart; the server's budget ----------------


def test_over_a_thousand_wrong_tries_in_a_row_still_wait() -> None:
    # Before: 2 ** 1024 overflowed a float after 1,024 wrong tries, raised after the comparison
    # and before the wait was set, so from then on every guess ran with no wait at all.
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    wrong = 0
    while wrong < 1_100:
        attempt = gate.check(f"{wrong:04d}", "tulip-42")
        wrong += attempt.outcome is Outcome.WRONG
        clock.now += max(attempt.wait_s, 1)
    assert attempt.outcome is Outcome.WRONG and attempt.wait_s == LONGEST_WAIT_S
    clock.now -= 1  # moments after the 1,100th wrong try, even the right passcode waits
    assert gate.check("tulip-42", "tulip-42").outcome is Outcome.TOO_SOON
    assert wait_after(10**9) == LONGEST_WAIT_S


def test_a_try_that_cannot_be_encoded_is_wrong_and_waits() -> None:
    # A script can send a lone surrogate as the passcode; before, it raised UnicodeEncodeError
    # (the page crashed) and left no wait.
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    assert gate.check("\ud800", "tulip-42").outcome is Outcome.WRONG
    assert gate.check("tulip-42", "tulip-42").outcome is Outcome.TOO_SOON


def test_an_error_while_comparing_still_leaves_a_wait() -> None:
    # The try is paid for (a token spent, the longest wait set) before the comparison: whatever
    # goes wrong after, the next guess waits. Before, such an error left no wait at all.
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    with pytest.raises(AttributeError):
        gate.check(None, "tulip-42")  # type: ignore[arg-type]  # not text: cannot be compared
    assert gate.check("tulip-42", "tulip-42").outcome is Outcome.TOO_SOON


def test_the_count_of_wrong_tries_decays() -> None:
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    for _ in range(7):
        attempt = gate.check("guess", "tulip-42")
        clock.now += attempt.wait_s
    assert attempt.wait_s == 60
    clock.now += 3 * FORGET_WRONG_S  # half an hour without a wrong try: three fewer
    assert gate.check("guess", "tulip-42").wait_s == wait_after(7 - 3 + 1) == 16


def test_each_visitor_waits_apart_from_the_others() -> None:
    # Before: one gate per server, so a stranger's wrong try made staff wait too.
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    assert gate.check("guess", "tulip-42", visitor="stranger").outcome is Outcome.WRONG
    assert gate.check("guess", "tulip-42", visitor="stranger").outcome is Outcome.TOO_SOON
    assert gate.check("tulip-42", "tulip-42", visitor="staff").right
    assert gate.check("nope", "tulip-42", visitor="other").wait_s == 1  # their own first wait


def test_many_visitors_at_once_spend_only_the_servers_burst() -> None:
    gate = PasscodeGate(clock=Clock())
    outcomes = []

    def guess(n: int) -> None:
        outcomes.append(gate.check(f"guess-{n}", "tulip-42", visitor=f"tab-{n}").outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(3 * SERVER_BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.WRONG) == SERVER_BURST
    assert outcomes.count(Outcome.IN_LINE) == 2 * SERVER_BURST


def _wrong_in_any_hour(times: list[float]) -> int:
    """The most wrong tries in any window of one hour."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 3600:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_a_new_visitor_for_every_guess_gets_at_most_60_an_hour() -> None:
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    wrong_at = []
    for second in range(0, 3 * 3600, 10):  # three hours, two fresh sessions every ten seconds
        clock.now = 1000.0 + second
        for n in range(2):
            attempt = gate.check("guess", "tulip-42", visitor=f"s{second}-{n}")
            if attempt.outcome is Outcome.WRONG:
                wrong_at.append(clock.now)
    # Sessions that try once and leave get the burst, then nothing: the line keeps the tokens.
    assert _wrong_in_any_hour(wrong_at) <= 60


def _simulate(guessers: int, staff_at: float, hours: float) -> tuple[list[float], float | None]:
    """Guesser sessions trying the moment they are told they may, staff arriving at `staff_at`
    and pressing Unlock again 10 s after each time they are told to: (wrong-try times, staff's
    wait until in, or None)."""
    clock = Clock()
    start = clock.now
    gate = PasscodeGate(clock=clock)
    due = {f"guesser-{n}": start for n in range(guessers)} | {"staff": start + staff_at}
    wrong_at: list[float] = []
    staff_in = None
    guess = 0
    while due and min(due.values()) < start + hours * 3600:
        who = min(due, key=due.__getitem__)
        clock.now = due[who]
        if who == "staff":
            attempt = gate.check("tulip-42", "tulip-42", visitor=who)
            if attempt.right:
                staff_in = clock.now - (start + staff_at)
                del due[who]
                continue
            due[who] = clock.now + attempt.wait_s + 10
            continue
        guess += 1
        attempt = gate.check(f"{guess:04d}", "tulip-42", visitor=who)
        if attempt.outcome is Outcome.WRONG:
            wrong_at.append(clock.now)
        due[who] = clock.now + attempt.wait_s
    return wrong_at, staff_in


def test_staff_get_in_while_a_guesser_takes_every_chance() -> None:
    # Before: a stranger's wrong try a minute kept staff out for hours ("too soon").
    wrong_at, staff_in = _simulate(guessers=5, staff_at=3600, hours=3)
    assert _wrong_in_any_hour(wrong_at) <= 60
    assert staff_in is not None and staff_in <= 10 * 60


def test_a_place_in_line_is_kept_while_there_and_given_up_when_gone() -> None:
    clock = Clock()
    gate = PasscodeGate(clock=clock)
    for n in range(SERVER_BURST):
        gate.check("guess", "tulip-42", visitor=f"burst-{n}")
    gone = gate.check("guess", "tulip-42", visitor="gone")  # first in line, never comes back
    waiting = gate.check("tulip-42", "tulip-42", visitor="staff")
    assert (gone.outcome, waiting.outcome) == (Outcome.IN_LINE, Outcome.IN_LINE)
    clock.now += 72  # a token: it is kept for "gone", first in line
    assert gate.check("tulip-42", "tulip-42", visitor="staff").outcome is Outcome.IN_LINE
    clock.now += PLACE_KEPT_S  # "gone" has not come back: the place is given up
    assert gate.check("tulip-42", "tulip-42", visitor="staff").right


def test_a_refused_try_says_why_and_how_long_to_wait() -> None:
    assert Attempt(Outcome.WRONG, 1).sentence() == (
        "That is not the staff passcode. You can try again in 1 second."
    )
    assert "wait 4 seconds" in Attempt(Outcome.TOO_SOON, 4).sentence()
    assert "you keep your place in line" in Attempt(Outcome.IN_LINE, 72).sentence()
