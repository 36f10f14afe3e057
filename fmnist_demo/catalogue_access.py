"""Who may change the catalogue: the staff passcode, checked in constant time, wrong tries slowed.

When a deployment sets a passcode (`[catalogue] passcode = "..."` in the app's secrets), viewing
stays open but adding, editing, deleting and downloading records need it. Two limits slow guessing:

- Each visitor (one browser session, named by the page) has waits of their own: after a wrong
  try their next one is refused for a while, twice as long each time (1, 2, 4 ... 60 seconds).
  Their count of wrong tries drops by one for every 10 minutes without one, so it decays.
- The whole server takes at most 60 wrong tries in any hour, however many visitors there are: a
  token bucket of 10 (the burst) refilled at 50 an hour. A wrong try spends a token; a right one
  costs nothing.

Why not "compare every try, count only the wrong ones": a guesser learns as much from a try that is
compared and refused as from one that is counted, so that would let a guesser with many sessions
compare without limit. Every try that is compared must be paid for, before the comparison. So once
the budget is spent, tries wait, staff's too; what keeps staff from being shut out is the order in
which they wait: tries take turns. A visitor refused for want of a token joins a line and keeps
their place while they try again within three minutes (the page tells them when); a token goes to
the first in line who is there, and a guesser's session goes to the back after each wrong try. An
abandoned tab, or a session that tried once and left, drops out of the line. So staff wait about
72 seconds for each guesser session that waits in line ahead of them, and a guesser gets at most
60 guesses an hour whatever it does. Sessions cost a guesser little, so one that keeps hundreds
of sessions waiting makes staff wait long: that is the limit of any gate that can tell visitors
apart only by session (benchmarks/faults.py measures it); a long passcode is the real defence.

Nothing goes wrong between the comparison and the wait: the wait's exponent stops growing once the
longest wait is reached (no overflow after 1,024 wrong tries), and the token is spent and the
longest wait set before comparing, so even an unexpected error leaves a wait, never a free guess.
No Streamlit here: the page keeps one gate per passcode and names each visitor.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fmnist_demo.i18n import ngettext

FIRST_WAIT_S = 1.0  # seconds before another try, after one wrong try
LONGEST_WAIT_S = 60.0  # the wait stops doubling here
MAX_DOUBLINGS = math.ceil(math.log2(LONGEST_WAIT_S / FIRST_WAIT_S))  # 6: 64 s is past the longest
FORGET_WRONG_S = 600.0  # a visitor's count of wrong tries drops by one per 10 minutes without one
SERVER_BURST = 10  # wrong tries the server takes at once before they are rationed
SERVER_WRONG_PER_HOUR = 50  # the burst plus an hour's refill: at most 60 wrong tries in any hour
PLACE_KEPT_S = 180.0  # a visitor in line keeps their place while they try again this often
MAX_LINE = 5_000  # visitors waiting for a turn at once (memory); later ones are told to come back
MAX_VISITORS = 20_000  # visitors remembered; the longest idle are forgotten first


class Outcome(enum.Enum):
    """What became of one try at the passcode."""

    RIGHT = "right"
    WRONG = "wrong"
    TOO_SOON = "too soon"  # refused without comparing: this visitor made a wrong try moments ago
    IN_LINE = "in line"  # refused without comparing: many wrong tries lately, tries take turns


@dataclass(frozen=True)
class Attempt:
    """The outcome of a try, and how many whole seconds to wait before the next one."""

    outcome: Outcome
    wait_s: int = 0

    @property
    def right(self) -> bool:
        """True when the passcode was right."""
        return self.outcome is Outcome.RIGHT

    def sentence(self) -> str:
        """Why a refused try was refused and when to try again, in the visitor's language."""
        wait = self.wait_s
        if self.outcome is Outcome.IN_LINE:
            text = ngettext(
                "Many wrong passcodes have been tried on this app lately, so tries take turns. "
                "Try again in {n} second: you keep your place in line.",
                "Many wrong passcodes have been tried on this app lately, so tries take turns. "
                "Try again in {n} seconds: you keep your place in line.",
                wait,
            )
        elif self.outcome is Outcome.TOO_SOON:
            text = ngettext(
                "A wrong passcode was tried moments ago, so tries are paused: wait {n} second, "
                "then try again.",
                "A wrong passcode was tried moments ago, so tries are paused: wait {n} seconds, "
                "then try again.",
                wait,
            )
        else:
            text = ngettext(
                "That is not the staff passcode. You can try again in {n} second.",
                "That is not the staff passcode. You can try again in {n} seconds.",
                wait,
            )
        return text.format(n=wait)


def passcode_digest(passcode: str) -> str:
    """A stand-in for the passcode that can be kept in a session without revealing it."""
    return hashlib.sha256(("fmnist-demo catalogue " + passcode).encode("utf-8")).hexdigest()


def _utf8(text: str) -> bytes:
    # "surrogatepass": a browser (or a script) can send a lone surrogate, which plain UTF-8
    # refuses to encode; such a try must be wrong, not an error.
    return text.strip().encode("utf-8", "surrogatepass")


def same_passcode(entered: str, passcode: str) -> bool:
    """True when `entered` is the passcode (surrounding spaces ignored); constant time."""
    return hmac.compare_digest(_utf8(entered), _utf8(passcode))


def wait_after(wrong_in_a_row: int) -> float:
    """Seconds a visitor waits after their n-th wrong try in a row (never more than the longest)."""
    doublings = min(max(wrong_in_a_row - 1, 0), MAX_DOUBLINGS)
    return min(FIRST_WAIT_S * 2**doublings, LONGEST_WAIT_S)


@dataclass
class _Visitor:
    """One visitor's own count of wrong tries and wait."""

    seen_at: float
    wrong: int = 0  # wrong tries in a row, as of `wrong_at`
    wrong_at: float = 0.0
    next_try_at: float = 0.0  # clock() value before which this visitor's tries are refused

    def wrong_now(self, now: float) -> int:
        """The count of wrong tries after its decay (one fewer per FORGET_WRONG_S)."""
        if self.wrong <= 0:
            return 0
        return max(0, self.wrong - int(max(0.0, now - self.wrong_at) // FORGET_WRONG_S))


@dataclass
class PasscodeGate:
    """Checks tries at one passcode for all the server's visitors (thread-safe)."""

    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(default=float(SERVER_BURST), init=False)  # the server's wrong tries
    _filled_at: float | None = field(default=None, init=False)
    _visitors: dict[str, _Visitor] = field(default_factory=dict, init=False, repr=False)
    # Visitors waiting for a turn, in the order they came -> when they last tried (clock()).
    _line: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def wait_s(self, visitor: str = "") -> int:
        """Whole seconds until this visitor's own wait is over (0 when they may try now)."""
        with self._lock:
            known = self._visitors.get(visitor)
            return 0 if known is None else max(0, math.ceil(known.next_try_at - self.clock()))

    def check(self, entered: str, passcode: str, visitor: str = "") -> Attempt:
        """Try `entered` against `passcode` for `visitor` (the page's name for one session)."""
        with self._lock:
            now = self.clock()
            self._refill(now)
            person = self._visitor(visitor, now)
            if now < person.next_try_at:
                return Attempt(Outcome.TOO_SOON, math.ceil(person.next_try_at - now))
            ahead = self._ahead_of(visitor, now)
            if ahead >= math.floor(self._tokens):
                return self._wait_in_line(visitor, ahead, now)
            # Paid for before comparing: an error from here on leaves the longest wait, never a
            # free guess.
            self._tokens -= 1
            person.next_try_at = now + LONGEST_WAIT_S
            self._line.pop(visitor, None)
            if passcode.strip() and same_passcode(entered, passcode):
                self._tokens += 1  # a right try costs the server nothing
                person.wrong, person.next_try_at = 0, 0.0
                return Attempt(Outcome.RIGHT)
            person.wrong, person.wrong_at = person.wrong_now(now) + 1, now
            wait = wait_after(person.wrong)
            person.next_try_at = now + wait
            return Attempt(Outcome.WRONG, math.ceil(wait))

    def _refill(self, now: float) -> None:
        if self._filled_at is not None and now > self._filled_at:
            refill = (now - self._filled_at) * SERVER_WRONG_PER_HOUR / 3600.0
            self._tokens = min(float(SERVER_BURST), self._tokens + refill)
        if self._filled_at is None or now > self._filled_at:
            self._filled_at = now

    def _visitor(self, visitor: str, now: float) -> _Visitor:
        person = self._visitors.get(visitor)
        if person is None:
            if len(self._visitors) >= MAX_VISITORS:
                self._forget_idle()
            person = self._visitors[visitor] = _Visitor(seen_at=now)
        person.seen_at = now
        return person

    def _forget_idle(self) -> None:
        # The longest idle half goes, except those waiting in line (they keep their place).
        idle = sorted(
            (person.seen_at, name)
            for name, person in self._visitors.items()
            if name not in self._line
        )
        for _seen, name in idle[: max(1, len(idle) // 2)]:
            del self._visitors[name]

    def _ahead_of(self, visitor: str, now: float) -> int:
        """How many visitors wait in line before this one (all of them when not in line)."""
        for name in [name for name, seen in self._line.items() if seen + PLACE_KEPT_S < now]:
            del self._line[name]  # gone: tried once and left, or a tab closed
        ahead = 0
        for name in self._line:
            if name == visitor:
                return ahead
            ahead += 1
        return ahead

    def _wait_in_line(self, visitor: str, ahead: int, now: float) -> Attempt:
        """Keep (or give) this visitor a place in line; say when to try again (within a minute)."""
        needed = ahead + 1 - self._tokens  # tokens to refill before this visitor's turn
        turn = needed * 3600.0 / SERVER_WRONG_PER_HOUR
        if visitor in self._line or len(self._line) < MAX_LINE:
            self._line[visitor] = now  # an existing place keeps its order
        return Attempt(Outcome.IN_LINE, math.ceil(min(max(1.0, turn), LONGEST_WAIT_S)))
