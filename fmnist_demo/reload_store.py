"""What a visitor made, kept on the server under a random token so that a page reload finds it.

A reload starts a new Streamlit session; the token rides in the page's address and leads back to
the visitor's trained model (`user_model.UserModelStore`) or their classified photos (Classify).
No Streamlit here: the page layer makes one store per server and wires it to the address.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ReloadStore(Generic[T]):
    """Values under tokens, bounded: at most `capacity`, each dropped `ttl_s` seconds after it was
    last used, the least recently used first when full. Shared by every session, hence the lock."""

    def __init__(
        self, capacity: int, ttl_s: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.ttl_s, self._now = capacity, ttl_s, now
        self._items: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for token in [t for t, (used, _value) in self._items.items() if now - used > self.ttl_s]:
            del self._items[token]

    def put(self, token: str, value: T) -> None:
        """Keep (or replace) the value under token, evicting the least recently used if full."""
        now = self._now()
        with self._lock:
            self._expire(now)
            self._items[token] = (now, value)
            self._items.move_to_end(token)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, token: str) -> T | None:
        """The value kept under token (its clock restarts), or None when it is gone."""
        now = self._now()
        with self._lock:
            self._expire(now)
            if token not in self._items:
                return None
            self._items[token] = (now, self._items[token][1])
            self._items.move_to_end(token)
            return self._items[token][1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
