"""The server's one training slot (one training or teaching run at a time), and the id a visitor's
session holds it under."""

from __future__ import annotations

import uuid

import streamlit as st

from fmnist_demo.jobs import JobSlot


@st.cache_resource
def training_slot() -> JobSlot:
    """The server-wide slot that lets one training or teaching run at a time."""
    return JobSlot()


def session_id() -> str:
    """A stable id for this visitor's session."""
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex
    return st.session_state["session_id"]
