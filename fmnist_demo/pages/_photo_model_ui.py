"""Page-layer wiring for the photo model in use and for teaching it from the catalogue.

`active_photo_model()` is what every visitor's Classify page classifies with: the improved model
adopted in the catalogue's database, or the shipped one. `teach_section()` draws the Catalogue
page's "Teach the model from your items". The learning itself is `fmnist_demo.trial_learning`;
it runs in the server's one training slot (shared with Train live).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import i18n
from fmnist_demo import trial_learning as tl
from fmnist_demo.assets import unseen_figures
from fmnist_demo.catalogue import CatalogueError, CatalogueStore, PhotoModelEntry
from fmnist_demo.data import NUM_CLASSES, DatasetUnavailable, kind_name
from fmnist_demo.evaluation import percent
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.pages._catalogue_ui import get_store
from fmnist_demo.pages._common import (
    dataset,
    session_id,
    shipped_card,
    shipped_photo_model,
    training_slot,
    visitor_clock,
    visitor_zone,
)
from fmnist_demo.pages._language import start_language

TEACH_JOB_KEY = "teach_job"  # this visitor's TeachJob while it runs
TEACH_FLASH_KEY = "teach_flash"  # (message, kind) to show after a run ended or a choice was made
POLL_S = 0.5  # seconds between live progress redraws
ADOPTED_TTL_S = 10  # how long one server process trusts its reading of which model is in use


# -- the photo model in use ---------------------------------------------------------------------


@st.cache_data(ttl=ADOPTED_TTL_S, show_spinner=False)
def _adopted_entry(store_url: str) -> PhotoModelEntry | None:
    # store_url keys the cache per database; the store itself is the page layer's shared one.
    return get_store().adopted_photo_model()


@st.cache_resource(show_spinner=False, max_entries=2)
def _load_improved(store_url: str, model_id: int) -> Any:
    return tl.model_from_bytes(get_store().photo_model_bytes(model_id))


def _improved_model(store_url: str, model_id: int) -> Any:
    """An improved model from the database, loaded once per server and per model id."""
    # the spinner outside the cache: its words are the visitor's, the model is everyone's
    with st.spinner(_("Loading the improved photo model…")):
        return _load_improved(store_url, model_id)


def shipped_description() -> str:
    """How the shipped photo model is named to a person, with how right it is on real photos."""
    card = shipped_card(photo=True)
    dev = unseen_figures(card).get("calibrated", {})
    if dev.get("accuracy") is None:
        return _("the shipped photo model, learnt from Fashion-MNIST and real phone photos")
    if dev.get("sure_acc") is None:
        return _(
            "the shipped photo model, learnt from Fashion-MNIST and real phone photos; right on "
            "{percent} of phone photos it never saw"
        ).format(percent=percent(dev["accuracy"]))
    return _(
        "the shipped photo model, learnt from Fashion-MNIST and real phone photos; right on "
        "{percent} of phone photos it never saw, and on {sure_percent} of those it calls sure"
    ).format(percent=percent(dev["accuracy"]), sure_percent=percent(dev["sure_acc"]))


def _in_use() -> tuple[CatalogueStore | None, PhotoModelEntry | None]:
    try:
        store = get_store()
        return store, _adopted_entry(store.url)
    except CatalogueError:
        return None, None


def active_photo_model() -> tuple[Any, str]:
    """(the photo model every visitor classifies with, how to name it in plain words).

    The improved model adopted in the catalogue, else the shipped one; when the database cannot
    be read or the improved model cannot be loaded, the shipped one (nothing is lost).
    """
    store, entry = _in_use()
    if store is not None and entry is not None:
        try:
            model = _improved_model(store.url, entry.id)
            return model, tl.describe(entry.card, visitor_zone())
        except Exception:  # a damaged blob or a database gone meanwhile: the shipped model
            pass
    return shipped_photo_model(), shipped_description()


def _forget_in_use() -> None:
    _adopted_entry.clear()


# -- actions --------------------------------------------------------------------------------------


def _in_visitor_language(callback: Callable[..., None]) -> Callable[..., None]:
    """A button's callback, run in the visitor's language.

    Callbacks run before the page's script, so before the entry has set this run's language.
    """

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> None:
        start_language()
        callback(*args, **kwargs)

    return run


def _flash(message: str, kind: str = "success") -> None:
    st.session_state[TEACH_FLASH_KEY] = (message, kind)


@_in_visitor_language
def _start_teaching() -> None:
    """The Teach button: start this visitor's teaching in the server's one slot.

    It improves the photo model in use (the adopted one, else the shipped one).
    """
    from fmnist_demo.model import ModelUnavailable

    try:
        store = get_store()
        entry = store.adopted_photo_model()
        if entry is None:
            base, base_name = shipped_photo_model(), "shipped"
        else:
            base, base_name = _improved_model(store.url, entry.id), f"improved model {entry.id}"
        replay = tl.load_replay()
    except (CatalogueError, OSError, ModelUnavailable) as exc:
        _flash(_("The teaching could not start: {reason}").format(reason=exc), "error")
        return
    try:
        (x_train, y_train), _test = dataset()
        fashion = (x_train, y_train)
    except DatasetUnavailable:  # the replay of real photos still keeps what it knew
        fashion = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))

    def run(progress: Any, cancel: Any) -> tuple[int, tl.TeachOutcome]:
        return tl.teach_from_store(
            store, base, base_name, replay, fashion, progress=progress, cancel=cancel
        )

    job = tl.TeachJob(run)
    slot = training_slot()
    if slot.start(f"teach:{session_id()}", job):
        st.session_state[TEACH_JOB_KEY] = job
    elif slot.started_at:
        _flash(
            _(
                "The server is already teaching or training a model (started at {time}); "
                "only one runs at a time so that it stays fast. Please try again in a few minutes."
            ).format(time=visitor_clock(slot.started_at)),
            "info",
        )
    else:
        _flash(
            _(
                "The server is already teaching or training a model (started a moment ago); "
                "only one runs at a time so that it stays fast. Please try again in a few minutes."
            ),
            "info",
        )


def _stop_teaching() -> None:
    job = st.session_state.get(TEACH_JOB_KEY)
    if job is not None:
        job.stop()


def _collect() -> None:
    """Once this visitor's teaching has ended, say how it went."""
    job = st.session_state.get(TEACH_JOB_KEY)
    if job is None or not job.done.is_set():
        return
    del st.session_state[TEACH_JOB_KEY]
    _forget_in_use()
    if job.stopped:
        _flash(_("Teaching was stopped. Nothing changed: the photo model in use stays."), "info")
    elif job.error:
        _flash(
            _(
                "Teaching did not finish: {reason} Nothing changed: the photo model in use stays."
            ).format(reason=job.error),
            "error",
        )
    else:
        _model_id, outcome = job.outcome
        sentence = tl.comparison_sentence(outcome.after, outcome.before)
        if outcome.better:
            _flash(
                _("Done. {comparison} It is now the photo model for every visitor.").format(
                    comparison=sentence
                ),
                "success",
            )
        else:
            _flash(
                _(
                    "Done. {comparison} It is not better, so the photo model in use stays; you "
                    "can still choose it below."
                ).format(comparison=sentence),
                "info",
            )


@_in_visitor_language
def _adopt(model_id: int | None) -> None:
    try:
        get_store().adopt_photo_model(model_id)
    except CatalogueError as exc:
        _flash(
            _("The photo model in use could not be changed: {reason}").format(reason=exc), "error"
        )
        return
    _forget_in_use()
    if model_id is None:
        _flash(_("Back to the shipped photo model for every visitor."), "success")
    else:
        _flash(_("The improved model is now the photo model for every visitor."), "success")


# -- the section ----------------------------------------------------------------------------------


def _slot_if_loaded() -> Any:
    """The server's training slot, or None when no training or teaching can have started yet.

    The slot lives in `fmnist_demo.training`, which imports TensorFlow; until something has
    imported it, nothing can be running, and the Catalogue page need not wait for TensorFlow.
    """
    if "fmnist_demo.training" not in sys.modules:
        return None
    return training_slot()


def _counts_rows(ready: tl.Readiness) -> list[dict[str, Any]]:
    return [
        {
            _("Kind"): kind_name(k),
            _("To learn from"): int(ready.learn[k]),
            _("Held back"): int(ready.held[k]),
        }
        for k in range(NUM_CLASSES)
    ]


@st.fragment(run_every=POLL_S)
def _live() -> None:
    """The running teaching's progress and a Stop button, redrawn twice a second."""
    job = st.session_state.get(TEACH_JOB_KEY)
    if job is None:
        return
    if job.done.is_set():
        st.rerun()  # the whole page: show the outcome
    p = job.latest
    if p is None:
        st.progress(0.0, text=_("Getting ready: reading your items…"))
    elif p.stage == "saving":
        st.progress(1.0, text=_("Measuring and keeping the improved model…"))
    else:
        st.progress(
            p.fraction,
            text=_("Learning: round {round} of {rounds}, {seconds} s so far").format(
                round=p.epoch, rounds=p.epochs, seconds=f"{p.elapsed_s:.0f}"
            ),
        )
    st.button(_("Stop"), key="teach_stop", icon=":material/stop_circle:", on_click=_stop_teaching)


def _result(entry: PhotoModelEntry, changing: bool) -> None:
    """The newest improved model's before/after, and the choice to use it or go back."""
    card = entry.card
    before, after = tl.Score.from_dict(card["before"]), tl.Score.from_dict(card["after"])
    day = entry.created_at.astimezone(visitor_zone())
    st.markdown(
        _(
            "**Latest teaching** ({date} at {time}, from {count} of your items): {comparison}"
        ).format(
            date=i18n.day_and_month(day.day, day.month),
            time=visitor_clock(entry.created_at),
            count=card["records_learnt"],
            comparison=tl.comparison_sentence(after, before),
        )
    )
    if before.total and after.total:
        st.caption(
            _(
                "Before: {before} right; after: {after} right, on items held back from learning "
                "(every {nth} item), so neither model had learnt from them."
            ).format(
                before=percent(before.accuracy),
                after=percent(after.accuracy),
                nth=tl.ordinal(tl.HOLD_OUT_EVERY),
            )
        )
    changed = int(card.get("changed_while_learning") or 0)
    if changed:
        st.caption(
            ngettext(
                "{count} of your items was edited or deleted while it learnt: it learnt from "
                "it as it was, and the figures use it as it is now. Teach again to include the "
                "change.",
                "{count} of your items were edited or deleted while it learnt: it learnt from "
                "them as they were, and the figures use them as they are now. Teach again to "
                "include the change.",
                changed,
            ).format(count=changed)
        )
    st.dataframe(
        tl.per_kind_rows(after, before), hide_index=True, key="teach_per_kind", width="stretch"
    )
    if entry.adopted:
        st.success(
            _("This improved model is the photo model every visitor uses."),
            icon=":material/check_circle:",
        )
    elif changing:
        st.caption(
            _(
                "It was not better on the held-back items, so it is not in use. You may still "
                "choose it, for example if it does better on the kinds that matter most to you."
            )
        )
        st.button(
            _("Use this improved model"),
            key="teach_use",
            icon=":material/check_circle:",
            on_click=_adopt,
            args=(entry.id,),
        )


def teach_section(store: CatalogueStore, changing: bool) -> None:
    """The Catalogue page's "Teach the model from your items"."""
    _collect()
    st.subheader(_("Teach the model from your items"))
    st.caption(
        _(
            "Every item you keep is a real photo of your own stock with the kind a person "
            "confirmed. The photo model can learn from them, while going over what it learnt "
            "before so that it does not forget. Every {nth} item is held back to check, fairly, "
            "whether it got better."
        ).format(nth=tl.ordinal(tl.HOLD_OUT_EVERY))
    )
    flash = st.session_state.pop(TEACH_FLASH_KEY, None)
    if flash is not None:
        message, kind = flash
        {"success": st.success, "info": st.info, "error": st.error}[kind](message)

    records = tl.teach_records(store.teaching_rows())
    ready = tl.readiness(records)
    entries = store.photo_models()
    in_use = next((e for e in entries if e.adopted), None)
    description = tl.describe(in_use.card, visitor_zone()) if in_use else shipped_description()
    in_use_text = _("Photo model in use: **{description}**").format(description=description)
    st.markdown(f":material/photo_camera: {in_use_text}")

    with st.expander(
        _("Your confirmed items: {learn} to learn from, {held} held back").format(
            learn=int(ready.learn.sum()), held=int(ready.held.sum())
        ),
        icon=":material/checklist:",
    ):
        st.dataframe(_counts_rows(ready), hide_index=True, key="teach_counts", width="stretch")
    needs = ready.needs()
    if needs:
        st.info(needs, icon=":material/hourglass_empty:")
    else:
        missing, few = ready.missing_kinds(), ready.few_kinds()
        if missing:
            st.caption(
                _(
                    "Never confirmed yet: {kinds}. The model keeps what it already knew about "
                    "these kinds but learns nothing new about them."
                ).format(kinds=", ".join(missing))
            )
        if few:
            st.caption(
                _(
                    "Only a few so far: {kinds}. A few more of each would help it learn them."
                ).format(kinds=", ".join(few))
            )

    mine = st.session_state.get(TEACH_JOB_KEY)
    slot = _slot_if_loaded()
    if mine is not None:
        _live()
    else:
        busy = slot is not None and slot.busy
        if busy and slot.started_at:
            st.info(
                _(
                    "The server is teaching or training a model for someone right now (started "
                    "at {time}). Only one runs at a time so that it stays fast; please try again "
                    "in a few minutes."
                ).format(time=visitor_clock(slot.started_at)),
                icon=":material/hourglass_top:",
            )
        elif busy:
            st.info(
                _(
                    "The server is teaching or training a model for someone right now (started "
                    "a moment ago). Only one runs at a time so that it stays fast; please try "
                    "again in a few minutes."
                ),
                icon=":material/hourglass_top:",
            )
        if not changing:
            locked = _("Teaching the model needs the staff passcode.")
            st.caption(f":material/lock: {locked}")
        st.button(
            _("Teach the model"),
            key="teach_start",
            type="primary",
            icon=":material/school:",
            disabled=busy or not changing or not ready.ready,
            on_click=_start_teaching,
            help=_("About a minute. Every visitor keeps using the model in use meanwhile."),
        )

    if entries:
        _result(entries[0], changing)
    if in_use is not None and changing:
        st.button(
            _("Go back to the shipped model"),
            key="teach_back",
            icon=":material/undo:",
            on_click=_adopt,
            args=(None,),
        )
