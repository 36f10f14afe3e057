"""Inside the network on the pages: the hidden units' pictures (live and finished), what the
model looks for in each kind, and why it gave one answer.

The numbers come from fmnist_demo.inside, the pictures and their words from inside_plots; here
they are put on the page with one plain sentence each, in the visitor's language.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import i18n, inside
from fmnist_demo.data import kind_name
from fmnist_demo.i18n import _
from fmnist_demo.inside_plots import (
    colour_key,
    inside_css,
    kind_pictures_html,
    units_grid_html,
    units_grid_width,
    why_html,
)
from fmnist_demo.pages._language import in_visitor_language

LIVE_GRID_KEY = "inside_live_grid"  # ((weights version, all units, language), its HTML)
KINDS_KEY = "inside_kinds"  # (the visitor's model, its KindPictures)


def _units_sentence() -> str:
    """What the units' pictures mean, in one plain sentence (two short ones)."""
    return _(
        "Each square is one hidden unit's 784 weights laid out as a 28 × 28 picture: blue pixels "
        "switch the unit on, red ones switch it off, white ones do not matter to it. Before "
        "training they are random noise; as the model learns, they turn into the shapes of "
        "clothing it has learnt to notice."
    )


def _all_units_toggle(total: int, key: str) -> bool:
    return st.toggle(
        _("Show all {n} hidden units").format(n=total),
        key=key,
        help=_("The grid shows the first {n} units; all of them learn in the same way.").format(
            n=min(inside.UNITS_SHOWN, total)
        ),
    )


LIVE_UNITS_POLL_S = 0.75  # the live grid looked at a bit more than once a second: seen changing


def live_units(job_key: str) -> None:
    """The running training's hidden units as pictures, with their sentence and "show all".

    Only the grid is redrawn while the model learns, by a fragment of its own about once a second
    (the weights change at most every WEIGHTS_EVERY_S); its PNG is written only when the
    training has handed over new weights, and the words around it are drawn once.
    """
    job = st.session_state.get(job_key)
    if job is None:
        return
    st.markdown("**" + _("What the hidden units are learning") + "**")
    st.caption(_units_sentence())
    _live_grid(job_key)
    st.html(f'<div class="fm-inside">{colour_key()}</div>')
    total = job.settings.hidden_units
    _all_units_toggle(total, "train_all_units")


@st.fragment(run_every=LIVE_UNITS_POLL_S)
@in_visitor_language
def _live_grid(job_key: str) -> None:
    """The grid of the running training's units, as of its latest weights."""
    job = st.session_state.get(job_key)
    if job is None:
        return
    weights, version = job.latest_weights()
    if weights is None:
        return
    show_all = bool(st.session_state.get("train_all_units", False))
    memo_key = (id(job), version, show_all, i18n.language())
    memo = st.session_state.get(LIVE_GRID_KEY)
    if memo is None or memo[0] != memo_key:
        pics = inside.unit_pictures(weights, None if show_all else inside.UNITS_SHOWN)
        page = units_grid_html(
            pics.pictures, pics.scale, units_grid_width(len(pics.units)), live=True
        )
        memo = (memo_key, page)
        st.session_state[LIVE_GRID_KEY] = memo
    st.html(memo[1])


def units_section(model: Any, key: str) -> None:
    """A finished model's hidden units as pictures, the first 32 or all on request."""
    try:
        kernel = inside.hidden_kernel(model)
    except inside.NoHiddenLayer:
        return
    st.caption(_units_sentence())
    show_all = _all_units_toggle(kernel.shape[1], key)
    pics = inside.unit_pictures(kernel, None if show_all else inside.UNITS_SHOWN)
    st.html(inside_css())
    st.html(units_grid_html(pics.pictures, pics.scale, units_grid_width(len(pics.units))))
    st.html(f'<div class="fm-inside">{colour_key()}</div>')


@st.cache_resource(show_spinner=False, max_entries=2)
def _shipped_kind_pictures(
    _model: Any, _x: np.ndarray, _labels: np.ndarray, _predicted: np.ndarray, name: str
) -> inside.KindPictures:
    """The shipped model's per-kind pictures, computed once per server (no words in them)."""
    return inside.kind_pictures(_model, _x, _labels, _predicted)


def kinds_section(
    model: Any, shipped: bool, x: np.ndarray, labels: np.ndarray, predicted: np.ndarray
) -> None:
    """Ten pictures: which pixels raise and lower each kind's score, on right answers."""
    if shipped:
        kp = _shipped_kind_pictures(model, x, labels, predicted, "shipped")
    else:
        memo = st.session_state.get(KINDS_KEY)
        if memo is None or memo[0] is not model:
            memo = (model, inside.kind_pictures(model, x, labels, predicted))
            st.session_state[KINDS_KEY] = memo
        kp = memo[1]
    st.write(
        _(
            "For each kind, the pixels that raise the model's score for it (blue) and those "
            "that lower it (red), averaged over up to {n} test pictures of that kind it names "
            "correctly. Black background pixels count for nothing, so only the shape of the "
            "clothing shows."
        ).format(n=inside.PER_KIND_PICTURES)
    )
    st.html(inside_css())
    st.html(kind_pictures_html(kp.pictures, kp.scale, kp.counts))
    st.caption(
        _(
            "Method: input × gradient, each pixel's value times how much the kind's score "
            "(before it is turned into a percentage) changes when that pixel brightens."
        )
    )


def why_sentence(w: inside.Why) -> str:
    """One plain sentence on what the why-picture shows."""
    if w.sure:
        return _(
            "Blue pixels pushed the model towards **{answer}**, red ones against it; the "
            "stronger the colour, the bigger the push."
        ).format(answer=kind_name(w.answer))
    return _(
        "The model was not sure. Blue pixels pushed it towards **{answer}** in the middle "
        "picture, and towards its second choice, **{second}**, in the last one; red ones "
        "pushed against."
    ).format(answer=kind_name(w.answer), second=kind_name(w.runner_up))


def why_section(
    model: Any,
    image: np.ndarray,
    probabilities: np.ndarray,
    sure_at: float = inside.SURE_AT,
    mirror: bool = False,
) -> None:
    """Why the model gave its answer for one picture: the picture and its pixels' pushes."""
    _show_why(inside.why(model, image, probabilities, sure_at=sure_at, mirror=mirror))


def _show_why(w: inside.Why) -> None:
    """The sentence and the pictures of one why."""
    st.write(why_sentence(w))
    st.html(inside_css())
    st.html(
        why_html(
            w.picture,
            w.answer,
            w.probability,
            w.towards_answer,
            w.scale,
            w.runner_up,
            w.towards_runner_up,
        )
    )


PHOTO_WHY_KEY = "inside_photo_why"  # {(model id, result id): Why} for the photos on the page
PHOTO_WHY_KEPT = 16


def photo_why(model: Any, result: Any, fold: bool = True) -> None:
    """Why the photo model gave its answer for one photo; `fold`: in an expander of its own
    (False where the photo's card is already folded: expanders do not nest).

    The photo model answers on the picture and its mirror image together, so the pixels' pushes
    are of that answer; the runner-up is shown when its verdict is not sure.
    """
    from fmnist_demo.photo_model import Verdict

    if result.verdict is Verdict.OTHER:
        return  # none of the ten kinds: there is no kind's answer to explain
    if fold:
        with st.expander(_("Why this answer?"), icon=":material/lightbulb:"):
            _photo_why(model, result)
    else:
        st.markdown("**" + _("Why this answer?") + "**")
        _photo_why(model, result)


def _photo_why(model: Any, result: Any) -> None:
    """The why of one photo, worked out once per model and photo."""
    memo = st.session_state.setdefault(PHOTO_WHY_KEY, {})
    key = (id(model), id(result))
    w = memo.get(key)
    if w is None:
        sure_at = 0.0 if result.confident else 2.0  # the verdict decides, not one line
        w = inside.why(
            model, result.prepared.model_input, result.probabilities, sure_at, mirror=True
        )
        if len(memo) >= PHOTO_WHY_KEPT:
            memo.clear()
        memo[key] = w
    _show_why(w)
