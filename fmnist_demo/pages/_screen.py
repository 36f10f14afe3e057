"""Phone or desk: the window width where Streamlit stacks columns, and buttons big enough for a
finger on a phone."""

from __future__ import annotations

import streamlit as st

NARROW_PX = 640  # Streamlit stacks columns below this window width: a phone
TAP_PX = 44  # the smallest thing a finger taps reliably (Apple's and W3C's guidance)
# What a person taps in the app, by the test ids and roles Streamlit gives them: buttons (also
# download, form, file and camera buttons), segmented and pill choices, radio options,
# checkboxes and toggles, select boxes, tabs, expanders and page links (on the page and in the
# sidebar's navigation). Streamlit's own small helpers (a "?" beside a label, a heading's link,
# a picture's full-screen button, the camera's "learn how to allow access" link) are left as
# they are.
TAP_TARGETS = ", ".join(
    [
        ".stButton button",
        ".stDownloadButton button",
        ".stFormSubmitButton button",
        ".stLinkButton a",
        ".stPopover button",
        '[data-testid="stButtonGroup"] button',
        '[data-testid="stFileUploader"] button',
        '[data-testid="stCameraInput"] button',
        '[data-testid="stRadioOption"]',
        '[data-testid="stCheckbox"] label',
        '[data-testid="stSelectbox"] [role="group"]',
        '[data-testid="stMultiSelect"] [role="group"]',
        '[role="tab"]',
        '[data-testid="stExpander"] summary',
        '[data-testid="stPageLink-NavLink"]',
        '[data-testid="stSidebarNavLink"]',
    ]
)


def tap_targets() -> None:
    """Make every button, choice and link of the app at least TAP_PX tall on a phone.

    Called by the entry on every run, so every page gets it; at a desk nothing changes.
    """
    st.html(
        f"<style>@media (max-width: {NARROW_PX}px) {{ {TAP_TARGETS} {{ min-height: {TAP_PX}px;"
        " box-sizing: border-box; align-items: center; } }</style>"
    )


def on_a_phone() -> bool:
    """True when the visitor's browser says it is a phone ("Mobi" in its user agent)."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except (AttributeError, RuntimeError):  # no browser, e.g. a script run
        return False
    return "Mobi" in agent
