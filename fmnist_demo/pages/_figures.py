"""Showing a figure's PNG on a page: sharp at its own size, laid out for a desk or for a phone,
or in a box a phone swipes sideways."""

from __future__ import annotations

import streamlit as st

from fmnist_demo.pages._screen import NARROW_PX


def show_figure(wide: tuple[bytes, int], narrow: tuple[bytes, int], key: str) -> None:
    """Show a figure's PNG laid out for a desk screen, or for a phone when the window is narrow.

    Both pictures are sent and the browser shows one (CSS on the containers' key classes), as
    the server does not know the window's width.
    """
    st.html(
        f"<style>@media (max-width: {NARROW_PX}px) {{ .st-key-{key}-wide {{ display: none; }} }}"
        f"@media (min-width: {NARROW_PX + 1}px) {{ .st-key-{key}-narrow {{ display: none; }} }}"
        "</style>"
    )
    for variant, (png, width) in (("wide", wide), ("narrow", narrow)):
        with st.container(key=f"{key}-{variant}"):
            figure_image(png, width)


def figure_to_swipe(png: bytes, width: int, key: str, hint: str) -> None:
    """A figure whose every number must stay readable (784 pixel values): shown `width` pixels
    wide in a box of the column's width that a phone swipes sideways, with `hint` saying so above
    it on a phone; at a desk it just fits."""
    st.html(
        f"<style>.st-key-{key} {{ overflow-x: auto; }}"
        f".st-key-{key} img {{ width: {width}px !important; max-width: none !important; }}"
        f"@media (min-width: {NARROW_PX + 1}px) {{ .st-key-{key}-hint {{ display: none; }} }}"
        "</style>"
    )
    with st.container(key=f"{key}-hint"):
        st.caption(":material/swipe: " + hint)
    with st.container(key=key):
        st.image(png, width=width)


def figure_image(png: bytes, width: int) -> None:
    """A figure's PNG (plots.PNG_DENSITY pixels per screen pixel) shown `width` screen pixels
    wide, or the column's width where that is less, with every one of its pixels.

    `st.image(png, width=width)` would scale the PNG down to `width` pixels on the server, at
    every run of the page: the figure lost the density meant for sharp phone and laptop screens,
    and each run spent processor time on it. A box `width` wide with the picture filling it keeps
    the PNG as it is (up to Streamlit's own limit of 1,460 pixels).
    """
    with st.container(width=width):
        st.image(png, width="stretch")
