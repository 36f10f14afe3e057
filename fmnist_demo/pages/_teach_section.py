"""The Catalogue page's "Teach the model from your items": readiness, the Teach and Stop
buttons, the teaching's live progress, its outcome, and the kept models any of which can be chosen.

The learning itself is `fmnist_demo.trial_learning` (and the teach_* modules it names); it runs in
the server's one job slot (jobs.py, shared with Train live).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import i18n
from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_errors import CatalogueError
from fmnist_demo.catalogue_photo_models import PhotoModelEntry
from fmnist_demo.data import NUM_CLASSES, DatasetUnavailable, kind_name
from fmnist_demo.formatting import percent
from fmnist_demo.i18n import _, ngettext
from fmnist_demo.jobs import busy_sentence
from fmnist_demo.pages._catalogue_store import get_store
from fmnist_demo.pages._dataset import dataset
from fmnist_demo.pages._flash import leave_flash, show_flash, take_flash
from fmnist_demo.pages._language import in_visitor_language
from fmnist_demo.pages._photo_model_in_use import (
    ModelInUse,
    forget_in_use,
    resolve_in_use,
)
from fmnist_demo.pages._training_slot import session_id, training_slot
from fmnist_demo.pages._visitor_time import visitor_clock, visitor_zone
from fmnist_demo.taught_models import (
    ADOPTED,
    IN_USE_CHANGED,
    NOT_BETTER,
    WORSE_ON_REFERENCE,
    TaughtModelCard,
    read_card,
)
from fmnist_demo.teach_learning import load_replay
from fmnist_demo.teach_records import HOLD_OUT_EVERY, Readiness, ordinal, readiness, teach_records
from fmnist_demo.teach_scores import (
    comparison_sentence,
    load_reference,
    per_kind_rows,
    reference_sentence,
)
from fmnist_demo.trial_learning import TeachJob, TeachOutcome, teach_from_store

TEACH_JOB_KEY = "teach_job"  # this visitor's TeachJob while it runs
TEACH_FLASH_KEY = "teach_flash"  # a Flash to show after a run ended or a choice was made
POLL_S = 0.5  # seconds between live progress redraws


# -- actions --------------------------------------------------------------------------------------


def _flash(message: str, box: str = "success") -> None:
    leave_flash(TEACH_FLASH_KEY, message, box=box)


@in_visitor_language
def _start_teaching() -> None:
    """The Teach button: start this visitor's teaching in the server's one slot.

    It improves the photo model in use (the adopted one, else the shipped one).
    """
    try:
        store = get_store()
        chosen = store.photo_models.adopted_photo_model()
        in_use = resolve_in_use(store, chosen)  # a damaged chosen row: it learns from ours
        base = in_use.model
        base_name = "shipped" if in_use.shipped else f"improved model {in_use.entry.id}"
        replay, reference = load_replay(), load_reference()
    except (CatalogueError, OSError) as exc:
        _flash(_("The teaching could not start: {reason}").format(reason=exc), "error")
        return
    started_from = None if chosen is None else chosen.id  # adopted only if still in use at the end
    try:
        (x_train, y_train), _test = dataset()
        fashion = (x_train, y_train)
    except DatasetUnavailable:  # the replay of real photos still keeps what it knew
        fashion = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))

    def run(progress: Any, cancel: Any) -> tuple[int, TeachOutcome]:
        return teach_from_store(
            store,
            base,
            base_name,
            replay,
            fashion,
            progress=progress,
            cancel=cancel,
            reference=reference,
            started_from=started_from,
        )

    job = TeachJob(run)
    slot = training_slot()
    if slot.start(f"teach:{session_id()}", job):
        st.session_state[TEACH_JOB_KEY] = job
    else:
        _flash(_busy_sentence(slot), "info")


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
    forget_in_use()
    if job.stopped:
        _flash(_("Teaching was stopped. Nothing changed: the photo model in use stays."), "info")
    elif job.error:
        _flash(
            _(
                "Teaching did not finish: {reason} Nothing changed: the photo model in use stays."
            ).format(reason=_(job.error.message_id) if job.error.message_id else job.error),
            "error",
        )
    else:
        _model_id, outcome = job.outcome
        _flash(*_outcome_message(outcome.card))


def _outcome_message(card: TaughtModelCard) -> tuple[str, str]:
    """(what a finished teaching did, in plain words; the kind of box to show it in)."""
    sentence = comparison_sentence(card.after, card.before)
    verdict = card.what_became()
    if verdict == ADOPTED:
        text = _("Done. {comparison} It is now the photo model for every visitor.")
        return text.format(comparison=sentence), "success"
    if verdict == IN_USE_CHANGED:
        text = _(
            "Done. {comparison} Meanwhile someone changed the photo model in use, so their "
            "choice stays and this model was not put in use; you can still choose it below."
        )
        return text.format(comparison=sentence), "info"
    if verdict == WORSE_ON_REFERENCE and card.reference is not None:
        text = _("Done, but not put in use. {comparison} {reference}")
        reference = reference_sentence(card.reference)
        return text.format(comparison=sentence, reference=reference), "warning"
    text = _(
        "Done. {comparison} It is not better, so the photo model in use stays; you can still "
        "choose it below."
    )
    return text.format(comparison=sentence), "info"


@in_visitor_language
def _adopt(model_id: int | None) -> None:
    try:
        get_store().photo_models.adopt_photo_model(model_id)
    except CatalogueError as exc:
        _flash(
            _("The photo model in use could not be changed: {reason}").format(reason=exc), "error"
        )
        return
    forget_in_use()
    if model_id is None:
        _flash(_("Back to the shipped photo model for every visitor."), "success")
    else:
        _flash(_("The improved model is now the photo model for every visitor."), "success")


# -- the section ----------------------------------------------------------------------------------


def _busy_sentence(slot: Any) -> str:
    """What a visitor reads while the server's one job slot is taken."""
    return busy_sentence(visitor_clock(slot.started_at) if slot.started_at else None)


def _counts_rows(ready: Readiness) -> list[dict[str, Any]]:
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


def _when(moment: dt.datetime) -> str:
    """A moment as '3 May, 14:05' in the visitor's time."""
    day = moment.astimezone(visitor_zone())
    return _("{date}, {time}").format(
        date=i18n.day_and_month(day.day, day.month), time=visitor_clock(moment)
    )


def _result(entry: PhotoModelEntry, in_use: ModelInUse) -> None:
    """The newest improved model's before/after, on the held-back items and the reference set."""
    card = read_card(entry.card)
    if card is None:
        return
    before, after = card.before, card.after
    day = entry.created_at.astimezone(visitor_zone())
    st.markdown(
        _(
            "**Latest teaching** ({date} at {time}, from {count} of your items): {comparison}"
        ).format(
            date=i18n.day_and_month(day.day, day.month),
            time=visitor_clock(entry.created_at),
            count=card.records_learnt,
            comparison=comparison_sentence(after, before),
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
                nth=ordinal(HOLD_OUT_EVERY),
            )
        )
    changed = card.changed_while_learning or 0
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
        per_kind_rows(after, before), hide_index=True, key="teach_per_kind", width="stretch"
    )
    verdict = card.what_became()
    check = card.reference
    if verdict == WORSE_ON_REFERENCE and check is not None:
        st.warning(
            _("Not put in use, and it cannot be chosen. {reason}").format(
                reason=reference_sentence(check)
            ),
            icon=":material/block:",
        )
    elif check is not None:
        st.caption(
            _(
                "On the app's own reference photos ({items} labelled pictures shipped with the "
                "app, which no catalogue can change): {before} right before, {after} after."
            ).format(items=check.items, before=check.before, after=check.after)
        )
    if entry.adopted:
        if in_use.entry is not None and in_use.entry.id == entry.id:  # else the note above says
            st.success(
                _("This improved model is the photo model every visitor uses."),
                icon=":material/check_circle:",
            )
    elif verdict == IN_USE_CHANGED:
        st.caption(
            _(
                "It was better, but someone changed the photo model in use while it learnt, so "
                "their choice stayed. You may still choose it below."
            )
        )
    elif verdict == NOT_BETTER:
        st.caption(
            _(
                "It was not better on the held-back items, so it is not in use. You may still "
                "choose it, for example if it does better on the kinds that matter most to you."
            )
        )


def _what_became(entry: PhotoModelEntry, in_use: ModelInUse) -> str:
    card = read_card(entry.card)
    if card is None or (entry.adopted and in_use.problem):
        return _("Damaged: cannot be used")
    if in_use.entry is not None and entry.id == in_use.entry.id:
        return _("In use")
    return {
        ADOPTED: _("Was in use"),
        NOT_BETTER: _("Not better: kept to choose"),
        WORSE_ON_REFERENCE: _("Refused: worse on the reference photos"),
        IN_USE_CHANGED: _("Kept: the model in use had changed"),
    }[card.what_became()]


def _adoption_times(card: dict[str, Any] | None) -> str:
    times = []
    for text in (card or {}).get("adoptions") or []:
        try:
            times.append(_when(dt.datetime.fromisoformat(text)))
        except (TypeError, ValueError):
            continue
    return "; ".join(times) or "—"


def _history_rows(entries: list[PhotoModelEntry], in_use: ModelInUse) -> list[dict[str, Any]]:
    """One row per kept model, newest first: when taught, from how many, figures, what became."""
    rows = []
    for entry in entries:
        card = read_card(entry.card)
        held, reference = "—", "—"
        if card is not None:
            before, after = card.before, card.after
            held = _("{before} → {after} of {items}").format(
                before=before.total_right, after=after.total_right, items=after.total
            )
            check = card.reference
            if check is not None:
                reference = _("{before} → {after} of {items}").format(
                    before=check.before, after=check.after, items=check.items
                )
        rows.append(
            {
                # what became of it first: on a phone the columns after it run off the edge
                _("Taught"): _when(entry.created_at),
                _("What became of it"): _what_became(entry, in_use),
                _("Held-back items right"): held,
                _("Reference photos right"): reference,
                _("Items learnt from"): "—" if card is None else str(card.records_learnt),
                _("Put in use"): _adoption_times(entry.card),
            }
        )
    return rows


def _choice_label(entry: PhotoModelEntry, card: TaughtModelCard) -> str:
    return _("Taught {when}, from {count} items").format(
        when=_when(entry.created_at), count=card.records_learnt
    )


def _kept_models(entries: list[PhotoModelEntry], in_use: ModelInUse, changing: bool) -> None:
    """The short history of kept models, the choice of any of them, and the way back."""
    st.markdown(_("**Kept models** (newest first; times are yours)"))
    st.dataframe(
        _history_rows(entries, in_use), hide_index=True, key="teach_history", width="stretch"
    )
    if not changing:
        return
    # The chosen row is either in use or known to be unusable: neither is a choice to offer.
    chosen_id = None if in_use.chosen is None else in_use.chosen.id
    cards = {e.id: read_card(e.card) for e in entries}
    options = [e for e in entries if e.id != chosen_id and (card := cards[e.id]) and card.choosable]
    if options:
        # The labels themselves are the options (no format_func): they are the visitor's words.
        by_label: dict[str, int] = {}
        for entry in options:
            label = _choice_label(entry, cards[entry.id])
            by_label[label if label not in by_label else f"{label} · {entry.id}"] = entry.id
        choice = st.selectbox(_("Choose a kept model"), list(by_label), key="teach_choice")
        st.button(
            _("Use this model"),
            key="teach_use",
            icon=":material/check_circle:",
            on_click=_adopt,
            args=(by_label[choice],),
        )
    if any(card is not None and not card.choosable for card in cards.values()):
        st.caption(
            _("A model refused on the reference photos cannot be chosen: it would be worse.")
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
        ).format(nth=ordinal(HOLD_OUT_EVERY))
    )
    flash = take_flash(TEACH_FLASH_KEY)
    if flash is not None:
        show_flash(flash)

    records = teach_records(store.teaching_rows())
    ready = readiness(records)
    entries = store.photo_models.photo_models()
    in_use = resolve_in_use(store, next((e for e in entries if e.adopted), None))
    in_use_text = _("Photo model in use: **{description}**").format(description=in_use.description)
    st.markdown(f":material/photo_camera: {in_use_text}")
    if in_use.problem:
        st.warning(in_use.problem, icon=":material/warning:")
    if in_use.chosen is not None and changing:  # always reachable, even for a damaged row
        st.button(
            _("Go back to the shipped model"),
            key="teach_back",
            icon=":material/undo:",
            on_click=_adopt,
            args=(None,),
        )

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
    slot = training_slot()
    if mine is not None:
        _live()
    else:
        busy = slot.busy
        if busy:
            st.info(_busy_sentence(slot), icon=":material/hourglass_top:")
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
        _result(entries[0], in_use)  # when its card can be read
        _kept_models(entries, in_use, changing)
