"""A change's message, left in the session and shown once, on the run after the change.

A button that changes something (saves, deletes, restores, starts or ends a teaching) either
runs in a callback, before the page is drawn, or ends with `st.rerun()`; either way the page that
follows must say what happened. `leave_flash` keeps the message under a key of the page's own;
`take_flash` takes it back, once, where it belongs on the page (`place`), and `show_flash` draws
it in its box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

BOXES = ("success", "info", "warning", "error")  # the kinds of box a message is shown in


@dataclass(frozen=True)
class Flash:
    """A change's message, shown once after the rerun that follows it, where it was made."""

    message: str
    box: str = "success"  # one of BOXES
    place: str | None = None  # where on the page it is shown; None: wherever it is asked for
    undo: Any = None  # what the message's Undo button brings back (e.g. a deleted record's id)


def leave_flash(
    key: str, message: str, *, box: str = "success", place: str | None = None, undo: Any = None
) -> None:
    """Keep a message under `key` for the page's next run (a callback's page, or after a rerun)."""
    st.session_state[key] = Flash(message, box, place, undo)


def take_flash(key: str, place: str | None = None) -> Flash | None:
    """The message under `key`, once, if it belongs at `place` (any message when None)."""
    flash = st.session_state.get(key)
    if flash is None or (place is not None and flash.place != place):
        return None
    del st.session_state[key]
    return flash


def show_flash(flash: Flash, icon: str | None = None) -> None:
    """Draw the message in its box."""
    getattr(st, flash.box)(flash.message, icon=icon)
