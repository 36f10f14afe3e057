"""TensorFlow imported in the background once per server, after the first page is on the screen,
so that the first visit to Train live, Results or Classify does not wait several seconds for it."""

from __future__ import annotations

import os
import threading

import streamlit as st

PRELOAD_ENV = "FMNIST_PRELOAD_TENSORFLOW"  # "0": do not import TensorFlow before a page needs it


@st.cache_resource(show_spinner=False)
def preload_tensorflow() -> threading.Thread | None:
    """Import TensorFlow and Keras once per server in a background thread, started after the
    first page has been shown, so that the first visit to Train live, Results or Classify does
    not wait several seconds for it. A page that needs it meanwhile waits for the same import."""
    if os.environ.get(PRELOAD_ENV, "1") == "0":
        return None

    def load() -> None:
        from fmnist_demo.plots import settle_ipython_check

        settle_ipython_check()  # before Keras imports IPython: a page may be drawing a figure
        import fmnist_demo.model  # noqa: F401  (TensorFlow and Keras)

    thread = threading.Thread(target=load, name="fmnist-preload", daemon=True)
    thread.start()
    return thread
