"""The staff lock: who may add, change, delete and download catalogue records.

With a staff passcode in the app's secrets ([catalogue] passcode = "..."), anyone can look, but
changing the catalogue needs the passcode once per visit (each browser tab is a visit). The
passcode box (`unlock_controls`) checks tries at the server's one gate per passcode
(catalogue_access.py: waits after wrong tries, tries taking turns); `may_change` says whether this
visit is unlocked, `lock_again` forgets it. Without a passcode, everyone may change everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import streamlit as st

from fmnist_demo.catalogue_access import Outcome, PasscodeGate, passcode_digest
from fmnist_demo.i18n import _
from fmnist_demo.pages._catalogue_store import app_secret

UNLOCKED_KEY = "catalogue_unlocked"  # the digest of the passcode this visit was unlocked with
VISITOR_KEY = "catalogue_visitor"  # this visit's name at the passcode gate (its own waits)


def staff_passcode() -> str | None:
    """The staff passcode from the secrets ([catalogue] passcode), or None when none is set."""
    section = app_secret("catalogue")
    passcode = section.get("passcode") if isinstance(section, Mapping) else None
    if passcode is None or not str(passcode).strip():
        return None
    return str(passcode)


@st.cache_resource(show_spinner=False)
def _gate(digest: str) -> PasscodeGate:
    # One gate per passcode for the whole server: each visit waits on its own, and the server
    # takes a bounded number of wrong tries an hour from all of them together.
    return PasscodeGate()


def _visitor() -> str:
    """This visit's name at the gate: random, kept in the session (each tab is a visit)."""
    return st.session_state.setdefault(VISITOR_KEY, uuid.uuid4().hex)


def may_change() -> bool:
    """True when this visitor may add, edit, delete and download (no passcode, or unlocked)."""
    passcode = staff_passcode()
    if passcode is None:
        return True
    return st.session_state.get(UNLOCKED_KEY) == passcode_digest(passcode)


def lock_again() -> None:
    """Forget this visit's unlock (for a shared phone or desk)."""
    st.session_state.pop(UNLOCKED_KEY, None)


def unlock_controls(key: str, why: str) -> None:
    """The "Staff passcode" box and "Unlock" button; unlocks this visit and reruns when right.

    `why` is one sentence, already translated, saying what the passcode is needed for.
    """
    passcode = staff_passcode()
    if passcode is None:
        return
    with st.form(key=f"{key}-unlock-form", clear_on_submit=True, border=False):
        st.markdown(f":material/lock: {why}")
        # No help tooltip: its button would share the label, and a page (or a test) looking
        # for the field by its label must find exactly one thing.
        entered = st.text_input(_("Staff passcode"), type="password", key=f"{key}-passcode")
        st.caption(_("Ask whoever runs the trial. Once unlocked, it stays so for this visit."))
        submitted = st.form_submit_button(
            _("Unlock"), icon=":material/lock_open:", key=f"{key}-unlock"
        )
    if not submitted:
        return
    gate = _gate(passcode_digest(passcode))
    attempt = gate.check(entered or "", passcode, visitor=_visitor())
    if attempt.right:
        st.session_state[UNLOCKED_KEY] = passcode_digest(passcode)
        st.rerun()
    if attempt.outcome is Outcome.WRONG:
        st.error(attempt.sentence(), icon=":material/lock:")
    else:  # refused before comparing: wait, or take turns
        st.warning(attempt.sentence(), icon=":material/hourglass_top:")


def access_note() -> None:
    """Who may change the catalogue, in one line."""
    if staff_passcode() is None:
        text = _(
            "Anyone who can open this app can add, change, delete and download records: no "
            "staff passcode is set."
        )
        st.caption(f":material/lock_open: {text}")
    elif may_change():
        note, button = st.columns([4, 1], vertical_alignment="center")
        text = _("Unlocked for this visit: you can change records.")
        note.caption(f":material/lock_open: {text}")
        button.button(_("Lock"), icon=":material/lock:", on_click=lock_again, key="cat_lock")
    else:
        text = _(
            "Anyone can look. Adding, changing, deleting and downloading records need the staff "
            "passcode."
        )
        st.caption(f":material/lock: {text}")
