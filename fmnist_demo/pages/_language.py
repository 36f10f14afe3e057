"""The visitor's language: English or বাংলা, kept for the visit and in the URL (`?lang=bn`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fmnist_demo import i18n
from fmnist_demo.i18n import LANGUAGES, _, first_language, set_language

LANG_KEY = "lang"  # session state: the language code this visitor reads
LANG_PARAM = "lang"  # query parameter: a shared link opens in the same language


def session_language() -> str | None:
    """This visitor's chosen language, or None outside a visitor's run (a background thread)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(LANG_KEY)


i18n.use_language_source(session_language)  # callbacks and fragments follow the visitor too


def start_language() -> str:
    """Set this run's language before anything is drawn: the visit's choice, else the link's
    `?lang=`, else the browser's language where it is Bengali, else English."""
    state = st.session_state
    if LANG_KEY not in state:
        state[LANG_KEY] = first_language(st.query_params.get(LANG_PARAM), st.context.locale)
    return set_language(state[LANG_KEY])


def in_visitor_language(run: Callable[..., Any]) -> Callable[..., Any]:
    """A button's callback or a fragment, run in the visitor's language: the one way to set it
    where the entry has not (callbacks run before the page's script; a fragment's own reruns run
    only the fragment)."""

    @functools.wraps(run)
    def in_language(*args: Any, **kwargs: Any) -> Any:
        start_language()
        return run(*args, **kwargs)

    return in_language


def language_picker() -> None:
    """The English / বাংলা switch in the sidebar; the link keeps the choice (page changes drop
    the URL's query parameters, so it is written back on every run)."""
    st.sidebar.segmented_control(
        _("Language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANG_KEY,
        required=True,
    )
    chosen = set_language(st.session_state[LANG_KEY])
    if st.query_params.get(LANG_PARAM) != chosen:
        st.query_params[LANG_PARAM] = chosen
