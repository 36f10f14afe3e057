"""What the visitor's device is, as far as a page needs to know: a phone, or not.

A phone gets a narrower layout in places (the records table's columns, the camera's width, the
upload tab first): Streamlit stacks columns on a narrow screen by itself, but what to leave out is
the page's choice.
"""

from __future__ import annotations

import streamlit as st


def on_a_phone() -> bool:
    """True when the visitor's browser says it is a phone ("Mobi" in its user agent)."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except (AttributeError, RuntimeError):  # no browser, e.g. a script run
        return False
    return "Mobi" in agent
