"""Who may change the catalogue: the staff passcode, checked in constant time, wrong tries slowed.

When a deployment sets a passcode (`[catalogue] passcode = "..."` in the app's secrets), viewing
stays open but adding, editing, deleting and downloading records need it. The gate is shared by
every visitor of one server, so opening more browser tabs does not buy more guesses: after each
wrong try the next one is refused for a while, twice as long each time (1, 2, 4 ... 60 seconds),
until someone gets it right. No Streamlit here: the page layer keeps one gate per passcode and
remembers an unlocked visit in the visitor's session.
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

FIRST_WAIT_S = 1.0  # seconds before another try, after one wrong try
LONGEST_WAIT_S = 60.0  # the wait stops doubling here


class Outcome(enum.Enum):
    """What became of one try at the passcode."""

    RIGHT = "right"
    WRONG = "wrong"
    TOO_SOON = "too soon"  # refused without comparing: a wrong try was made moments ago


@dataclass(frozen=True)
class Attempt:
    """The outcome of a try, and how many whole seconds to wait before the next one."""

    outcome: Outcome
    wait_s: int = 0

    @property
    def right(self) -> bool:
        """True when the passcode was right."""
        return self.outcome is Outcome.RIGHT


def passcode_digest(passcode: str) -> str:
    """A stand-in for the passcode that can be kept in a session without revealing it."""
    return hashlib.sha256(("fmnist-demo catalogue " + passcode).encode("utf-8")).hexdigest()


def same_passcode(entered: str, passcode: str) -> bool:
    """True when `entered` is the passcode (surrounding spaces ignored); constant time."""
    return hmac.compare_digest(entered.strip().encode("utf-8"), passcode.strip().encode("utf-8"))


@dataclass
class PasscodeGate:
    """Checks tries at one passcode, making each wrong try cost a growing wait (thread-safe)."""

    clock: Callable[[], float] = time.monotonic
    wrong_in_a_row: int = 0
    next_try_at: float = 0.0  # clock() value before which tries are refused
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait_s(self) -> int:
        """Whole seconds until another try is taken (0 when one may be made now)."""
        return max(0, math.ceil(self.next_try_at - self.clock()))

    def check(self, entered: str, passcode: str) -> Attempt:
        """Try `entered` against `passcode`."""
        with self._lock:
            now = self.clock()
            if now < self.next_try_at:
                return Attempt(Outcome.TOO_SOON, math.ceil(self.next_try_at - now))
            if passcode.strip() and same_passcode(entered, passcode):
                self.wrong_in_a_row = 0
                self.next_try_at = 0.0
                return Attempt(Outcome.RIGHT)
            self.wrong_in_a_row += 1
            wait = min(FIRST_WAIT_S * 2 ** (self.wrong_in_a_row - 1), LONGEST_WAIT_S)
            self.next_try_at = now + wait
            return Attempt(Outcome.WRONG, math.ceil(wait))
