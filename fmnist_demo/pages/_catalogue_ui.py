"""Page-layer wiring of the catalogue: the shared store, the staff lock, "Add to catalogue", charts.

The store is made once per database URL and shared by all visitors (`st.cache_resource`): the
SQL connection from `.streamlit/secrets.toml` ([connections.sql]) when there is one, else the
local SQLite file (`$FMNIST_CATALOGUE_DB`). With a staff passcode in the secrets
([catalogue] passcode = "..."), adding, editing, deleting and downloading need it once per visit.
What a visitor types stays in their widgets, so a failed save loses nothing. Every word shown
comes from the message catalogue (`_()`), kinds through `kind_name()`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import catalogue
from fmnist_demo.catalogue import CatalogueError, CatalogueStore
from fmnist_demo.catalogue_access import Outcome, PasscodeGate, passcode_digest
from fmnist_demo.data import NUM_CLASSES, kind_name
from fmnist_demo.i18n import _, ngettext

UNLOCKED_KEY = "catalogue_unlocked"  # the digest of the passcode this visit was unlocked with
VISITOR_KEY = "catalogue_visitor"  # this visit's name at the passcode gate (its own waits)


# -- the shared store ---------------------------------------------------------------------------


# The [connections.sql] keys that say where the database is (as st.connection("sql") reads them).
SQL_PARAMS = (
    "url",
    "dialect",
    "driver",
    "username",
    "password",
    "host",
    "port",
    "database",
    "query",
)


def _secret_section(*path: str) -> Any:
    """A section of the app's secrets (e.g. "connections", "sql"), or None without one."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section: Any = st.secrets
        for name in path:
            section = section.get(name) if isinstance(section, Mapping) else None
            if section is None:
                return None
    except (KeyError, AttributeError, FileNotFoundError):
        return None
    return section


def sql_connection_params() -> dict[str, Any] | None:
    """The [connections.sql] section of .streamlit/secrets.toml, or None without one."""
    section = _secret_section("connections", "sql")
    if not section:
        return None
    return {
        key: dict(value) if isinstance(value, Mapping) else value
        for key, value in section.items()
        if key in SQL_PARAMS
    }


@st.cache_resource(show_spinner=False)
def _store_for_url(url: str) -> CatalogueStore:
    return CatalogueStore(url)


@st.cache_resource(show_spinner=False)
def _store_for_engine(_engine: Any, engine_key: str) -> CatalogueStore:
    return CatalogueStore(_engine)


def get_store() -> CatalogueStore:
    """The catalogue store shared by all visitors; raises CatalogueError in plain words."""
    params = sql_connection_params()
    if params:
        try:
            # The parameters are passed on so the connection and its cache key follow st.secrets.
            # pool_pre_ping: hosted PostgreSQL drops idle connections; each is tested before use.
            engine = st.connection("sql", type="sql", pool_pre_ping=True, **params).engine
        except ImportError as exc:
            raise catalogue.CatalogueUnavailable(
                _(
                    "The catalogue database set in the app's secrets needs a driver that is not "
                    "installed ({module}): add it to {file}, e.g. {package}."
                ).format(module=exc.name, file="requirements.txt", package="psycopg2-binary")
            ) from exc
        except Exception as exc:  # a bad URL or setting; its text may hold the password
            raise catalogue.CatalogueUnavailable(
                _(
                    "The catalogue database set in the app's secrets cannot be used: check "
                    "{section} ({error})."
                ).format(section="[connections.sql]", error=type(exc).__name__)
            ) from exc
        return _store_for_engine(engine, f"{engine.url!r}#{id(engine)}")
    return _store_for_url(catalogue.default_url())


# -- who may change the catalogue ---------------------------------------------------------------


def staff_passcode() -> str | None:
    """The staff passcode from the secrets ([catalogue] passcode), or None when none is set."""
    section = _secret_section("catalogue")
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
    wait = attempt.wait_s
    if attempt.outcome is Outcome.IN_LINE:
        st.warning(
            ngettext(
                "Many wrong passcodes have been tried on this app lately, so tries take turns. "
                "Try again in {n} second: you keep your place in line.",
                "Many wrong passcodes have been tried on this app lately, so tries take turns. "
                "Try again in {n} seconds: you keep your place in line.",
                wait,
            ).format(n=wait),
            icon=":material/hourglass_top:",
        )
    elif attempt.outcome is Outcome.TOO_SOON:
        st.warning(
            ngettext(
                "A wrong passcode was tried moments ago, so tries are paused: wait {n} second, "
                "then try again.",
                "A wrong passcode was tried moments ago, so tries are paused: wait {n} seconds, "
                "then try again.",
                wait,
            ).format(n=wait),
            icon=":material/hourglass_top:",
        )
    else:
        st.error(
            ngettext(
                "That is not the staff passcode. You can try again in {n} second.",
                "That is not the staff passcode. You can try again in {n} seconds.",
                wait,
            ).format(n=wait),
            icon=":material/lock:",
        )


# -- text shown to people -----------------------------------------------------------------------

# What Streamlit's Markdown could read, inside a line, as emphasis, code, a link, an image, HTML,
# a table, strike-through, maths, an icon or a colour: a backslash before each makes it plain text
# (CommonMark escapes any ASCII punctuation). Line breaks are folded to spaces first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!#|~$:])")


# Web and mail addresses become links by themselves (GitHub-flavoured Markdown), escaped or not:
# an invisible zero-width space after "://", "www" and "@" keeps them text.
_AUTOLINKS = re.compile(r"(:(?=//)|(?<![^\W_])www(?=\.)|@)", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: str) -> str:
    """User text (a record's name, note, a file name) made safe to put inside Markdown."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINKS.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, text)


# -- saving from the Classify page --------------------------------------------------------------
# Each photo's card carries its own controls (`item_controls`): the kind as big buttons to tap,
# "Save" ticked only for a sure verdict or a kind the person chose, a name and a note. One "Save"
# button below them (`save_controls`) adds the ticked ones and says who left the others out.

ANOTHER = "another"  # the kind buttons' "another kind": all ten behind it
NONE = "none"  # ... and "none of the ten kinds"
PARTS = ("pick", "another", "keep", "name", "note")  # an item's widgets, see item_key()

# Tap targets a finger can hit (at least 44 px tall) for the kind buttons and the Save tick.
CHOICE_CSS = """<style>
div[class*="st-key-"][class*="-choose"] button{min-height:48px;font-size:1rem;padding:0 1rem}
div[class*="st-key-"][class*="-choose"] [data-testid="stCheckbox"] label{min-height:44px;
 align-items:center}
</style>"""


@dataclass(frozen=True)
class ItemStatus:
    """Where one classified item stands: its kind, whether the next Save adds it, and why not."""

    kind: int | None  # the kind it would be saved as; None while no kind is chosen
    record: int | None = None  # its record number once saved
    left_out: str | None = None  # None (to save or saved), "choose" or "no_kind" (the app's
    # doing: not sure and no kind tapped yet, or none of the ten kinds), "marked_none" or
    # "unticked" (the person's doing)

    @property
    def saving(self) -> bool:
        """Whether the next Save adds it."""
        return self.record is None and self.left_out is None and self.kind is not None

    @property
    def left_out_by_app(self) -> bool:
        """Whether the app, not the person, left it unticked."""
        return self.left_out in ("choose", "no_kind")


def _state(item: dict, key_prefix: str) -> dict:
    """The item's choices, kept by the page (item["state"], restored after a reload) or here."""
    state = item.get("state")
    if state is None:
        state = st.session_state.setdefault(f"{key_prefix}-states", {}).setdefault(item["id"], {})
    if "pick" not in state:  # first seen: only a sure verdict comes with its kind chosen
        sure = bool(item.get("sure")) and not item.get("none_of_the_ten")
        state.update(
            pick=int(item["predicted"]) if sure else None,
            another=None,
            keep=True,
            name="",
            note="",
            record=None,
        )
    return state


def _read_widgets(item: dict, key_prefix: str) -> dict:
    """The item's state with the latest taps and typing from its widgets copied in."""
    state = _state(item, key_prefix)
    for part in PARTS:
        key = item_key(key_prefix, item["id"], part)
        if key in st.session_state:
            state[part] = st.session_state[key]
    return state


def item_status(item: dict, key_prefix: str) -> ItemStatus:
    """Where the item stands now (see ItemStatus)."""
    state = _read_widgets(item, key_prefix)
    pick = state.get("pick")
    kind = state.get("another") if pick == ANOTHER else pick
    kind = None if kind in (None, NONE, ANOTHER) else int(kind)
    if state.get("record") is not None:
        return ItemStatus(kind, record=int(state["record"]))
    if kind is not None:
        return ItemStatus(kind, left_out=None if state.get("keep", True) else "unticked")
    if pick == NONE:
        return ItemStatus(None, left_out="marked_none")
    return ItemStatus(None, left_out="no_kind" if item.get("none_of_the_ten") else "choose")


def status_words(status: ItemStatus) -> str:
    """A few words on where an item stands, for a folded card's title."""
    if status.record is not None:
        return _("in the catalogue as #{record}").format(record=status.record)
    if status.saving:
        return _("to save as {kind}").format(kind=kind_name(status.kind))
    return {
        "choose": _("pick its kind"),
        "no_kind": _("not saved"),
        "marked_none": _("left out by you"),
        "unticked": _("left out by you"),
    }[status.left_out]


def _forget_gone(key_prefix: str, item_ids: set[str]) -> None:
    """Drop what the session keeps for items no longer shown (their results are gone too)."""
    for suffix in ("thumbs", "states"):
        kept = st.session_state.get(f"{key_prefix}-{suffix}", {})
        for gone in [item_id for item_id in kept if item_id not in item_ids]:
            del kept[gone]


def _thumbnail(key_prefix: str, item: dict) -> bytes | None:
    """The item's JPEG thumbnail, made once per item and kept in the session while it is shown."""
    thumbs = st.session_state.setdefault(f"{key_prefix}-thumbs", {})
    if item["id"] not in thumbs:
        try:
            photo = item.get("photo")
            pixels = None if photo is not None else catalogue.model_input_bytes(item["model_input"])
            thumbs[item["id"]] = catalogue.thumbnail_for(photo, pixels)
        except CatalogueError:
            thumbs[item["id"]] = None
    return thumbs[item["id"]]


def on_a_phone() -> bool:
    """True when the visitor's browser says it is a phone ("Mobi" in its user agent)."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except (AttributeError, RuntimeError):  # no browser, e.g. a script run
        return False
    return "Mobi" in agent


def item_key(key_prefix: str, item_id: str, part: str) -> str:
    """The widget key of one part of an item's controls ("pick", "keep", "name", ...)."""
    return f"{key_prefix}-{item_id}-{part}"


def _entry(
    key_prefix: str, item: dict, confirmed: Any, name: Any, note: Any
) -> catalogue.NewRecord:
    return catalogue.new_record(
        predicted=int(item["predicted"]),
        confidence=float(item["confidence"]),
        confirmed=confirmed,
        name=name,
        note=note,
        model_input=np.asarray(item["model_input"]),
        thumbnail=_thumbnail(key_prefix, item),
        file_name=item.get("file_name") or "",
    )


def item_controls(item: dict, key_prefix: str) -> None:
    """One item's save controls, under its verdict: the kind to tap, the Save tick, name, note.

    A sure verdict comes with its kind chosen and ticked; a not-sure one offers its kinds
    (item["offered"], best first) as big buttons, with "another kind" (all ten) and "none of
    the ten" behind them, and is ticked once a kind is tapped; an item of none of the ten kinds
    shows no kind until one is picked. Saved, it says its record number. Locked (a staff passcode
    not yet given), nothing: the save box below asks for the passcode.
    """
    state = _read_widgets(item, key_prefix)
    if state.get("record") is not None:
        st.success(
            _("In the catalogue as record #{record}. See it on the Catalogue page.").format(
                record=state["record"]
            ),
            icon=":material/inventory:",
        )
        return
    if not may_change():
        return
    for (
        part
    ) in PARTS:  # set before the widgets are made: a reload or a page change brings them back
        key = item_key(key_prefix, item["id"], part)
        if key not in st.session_state:
            st.session_state[key] = state[part]
    other = bool(item.get("none_of_the_ten"))
    if other:
        options, label = (
            [ANOTHER],
            _("None of the ten kinds, so it is not saved. If it is one of them, pick its kind:"),
        )
    elif item.get("sure"):
        options, label = [int(item["predicted"]), ANOTHER, NONE], _("Kind")
    else:
        offered = item.get("offered") or (int(item["predicted"]),)
        options = [*(int(k) for k in offered), ANOTHER, NONE]
        label = _("Not sure: which kind is it? One tap:")
    words = {
        ANOTHER: _("It is one of the ten…") if other else _("Another kind…"),
        NONE: _("None of the ten"),
    }
    with st.container(key=f"{key_prefix}-{item['id']}-choose"):
        st.html(CHOICE_CSS)
        pick = st.pills(
            label,
            options,
            format_func=lambda option: words[option] if option in words else kind_name(option),
            key=item_key(key_prefix, item["id"], "pick"),
        )
        if pick == ANOTHER:
            st.pills(
                _("Which of the ten kinds?"),
                range(NUM_CLASSES),
                format_func=kind_name,
                key=item_key(key_prefix, item["id"], "another"),
            )
        status = item_status(item, key_prefix)
        if status.kind is not None:
            st.checkbox(
                _("Save as {kind}").format(kind=kind_name(status.kind)),
                key=item_key(key_prefix, item["id"], "keep"),
            )
        name, note = st.columns(2)
        name.text_input(
            _("Name or SKU (optional)"),
            max_chars=catalogue.NAME_MAX_CHARS,
            key=item_key(key_prefix, item["id"], "name"),
        )
        note.text_input(
            _("Note (optional)"),
            max_chars=catalogue.NOTE_MAX_CHARS,
            key=item_key(key_prefix, item["id"], "note"),
        )
    _read_widgets(item, key_prefix)


def _file_label(item: dict) -> str:
    """The item's file name as Markdown-safe text, or a word for a photo without one."""
    return plain(item.get("file_name") or _("photo"))


def _outcome_key(key_prefix: str) -> str:
    return f"{key_prefix}-outcome"


def _save_now(items: list[dict], key_prefix: str) -> None:
    """The Save button's callback: add every ticked item in one go, before the page is redrawn,
    so the redrawn page shows them saved at once; on a failure nothing is lost."""
    saving, problems = [], []
    for item in items:
        status = item_status(item, key_prefix)
        if not status.saving:
            continue
        state = _state(item, key_prefix)
        try:
            saving.append(
                (item, _entry(key_prefix, item, status.kind, state["name"], state["note"]))
            )
        except CatalogueError as exc:
            problems.append(_("{file}: {problem}").format(file=_file_label(item), problem=exc))
    outcome = _outcome_key(key_prefix)
    if problems:
        st.session_state[outcome] = (
            "error",
            _("Nothing was saved. {problems}").format(problems=" ".join(problems)),
        )
        return
    try:
        ids = get_store().add_many([entry for _item, entry in saving])
    except CatalogueError as exc:
        st.session_state[outcome] = (
            "error",
            ngettext(
                "The catalogue cannot save just now: {problem} Nothing is lost: the {n} item "
                "stays here, ticked, to save later in this visit. Tap Save again in a moment.",
                "The catalogue cannot save just now: {problem} Nothing is lost: the {n} items "
                "stay here, ticked, to save later in this visit. Tap Save again in a moment.",
                len(saving),
            ).format(problem=exc, n=len(saving)),
        )
        return
    for (item, _record), record_id in zip(saving, ids, strict=True):
        _state(item, key_prefix)["record"] = int(record_id)
    st.session_state[outcome] = ("saved", [int(record_id) for record_id in ids])


def _listed(items: list[dict]) -> str:
    return ", ".join(_file_label(item) for item in items)


def save_controls(items: list[dict], key_prefix: str) -> list[int]:
    """The save box under the cards: what will be saved, who left what out, and one Save button.

    Each item is a dict: "id" (a stable str), "predicted" (0-9), "confidence" (0-1), "sure"
    (a sure verdict), "offered" (the kinds a not-sure verdict offers, best first),
    "none_of_the_ten", "model_input" ((28, 28) float32 in [0, 1]), "photo" (bytes, a PIL image or
    an array, or None), "file_name" and, optionally, "state" (a dict the page keeps for it, e.g.
    across reloads). Its controls are drawn by `item_controls` in its card. Saving happens in the
    button's callback, so the page is redrawn with the items saved; a database that cannot save
    leaves them all ticked, with a plain message, to save later in the visit. With a staff
    passcode set, a visitor who has not unlocked sees the "Staff passcode" box instead. Returns
    the record ids saved for the items.
    """
    _forget_gone(key_prefix, {item["id"] for item in items})
    statuses = [(item, item_status(item, key_prefix)) for item in items]
    saved_ids = [status.record for _item, status in statuses if status.record is not None]
    if not items:
        return []
    with st.container(border=True, key=f"{key_prefix}-save-box"):
        st.markdown("**" + _("Add to catalogue") + "**")
        if not may_change():
            unlock_controls(key_prefix, _("Adding to the catalogue needs the staff passcode."))
            return saved_ids
        outcome = st.session_state.pop(_outcome_key(key_prefix), None)
        if outcome and outcome[0] == "saved":
            numbers = ", ".join(f"#{record_id}" for record_id in outcome[1])
            st.success(
                ngettext(
                    "Saved {n} to the catalogue as record {numbers}.",
                    "Saved {n} to the catalogue as records {numbers}.",
                    len(outcome[1]),
                ).format(n=len(outcome[1]), numbers=numbers),
                icon=":material/inventory:",
            )
        elif outcome:
            st.error(outcome[1], icon=":material/error:")
        done = [(item, s) for item, s in statuses if s.record is not None]
        if done and not (outcome and outcome[0] == "saved"):
            listed = ", ".join(f"{_file_label(item)} (#{s.record})" for item, s in done)
            st.caption(_("In the catalogue: {items}.").format(items=listed))
        by = {
            why: [item for item, s in statuses if s.left_out == why]
            for why in ("choose", "no_kind", "marked_none", "unticked")
        }
        if by["choose"]:
            words = _(
                "Not ticked by the app, as it was not sure: tap the kind of {items} to save them."
            ).format(items=_listed(by["choose"]))
            st.caption(f":material/touch_app: {words}")
        if by["no_kind"]:
            words = _("Not ticked by the app, as it found none of the ten kinds: {items}.").format(
                items=_listed(by["no_kind"])
            )
            st.caption(f":material/block: {words}")
        if by["marked_none"] or by["unticked"]:
            words = _("Left out by you: {items}.").format(
                items=_listed(by["marked_none"] + by["unticked"])
            )
            st.caption(f":material/remove_done: {words}")
        ticked = [item for item, s in statuses if s.saving]
        if not ticked:
            return saved_ids
        failed = bool(outcome and outcome[0] == "error")
        label = (
            ngettext(
                "Try again: save {n} to catalogue", "Try again: save {n} to catalogue", len(ticked)
            )
            if failed
            else ngettext("Save {n} to catalogue", "Save {n} to catalogue", len(ticked))
        ).format(n=len(ticked))
        if failed:  # the message stays until a save goes through
            st.session_state[_outcome_key(key_prefix)] = outcome
        st.button(
            label,
            type="primary",
            icon=":material/refresh:" if failed else ":material/save:",
            on_click=_save_now,
            args=(items, key_prefix),
            key=f"{key_prefix}-save-all",
        )
    return saved_ids
