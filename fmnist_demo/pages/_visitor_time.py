"""The visitor's clock: their time zone from the browser, and moments written as '14:05' in it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from fmnist_demo.formatting import clock


def visitor_zone() -> dt.tzinfo | None:
    """The visitor's time zone from their browser; None means the server's own."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = st.context.timezone
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = st.context.timezone_offset  # minutes behind UTC, as JavaScript counts them
    if offset is not None:
        return dt.timezone(-dt.timedelta(minutes=offset))
    return None  # astimezone(None): the server's local zone


def visitor_clock(when: dt.datetime | float) -> str:
    """A moment (aware datetime or a time.time() value) as '14:05' in the visitor's time."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.fromtimestamp(when, dt.UTC)
    return clock(when, visitor_zone())
