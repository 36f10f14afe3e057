"""Page-layer wiring of the catalogue: the shared store, the staff lock, "Add to catalogue", charts.

The store is made once per database URL and shared by all visitors (`st.cache_resource`): the
SQL connection from `.streamlit/secrets.toml` ([connections.sql]) when there is one, else the
local SQLite file (`$FMNIST_CATALOGUE_DB`). With a staff passcode in the secrets
([catalogue] passcode = "..."), adding, editing, deleting and downloading need it once per visit.
What a visitor types stays in their widgets, so a failed save loses nothing. Every word shown
comes from the message catalogue (`_()`), kinds through `kind_name()`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import catalogue
from fmnist_demo.catalogue import CatalogueError, CatalogueStore
from fmnist_demo.catalogue_access import Outcome, PasscodeGate, passcode_digest
from fmnist_demo.data import NUM_CLASSES, kind_name, kind_names
from fmnist_demo.evaluation import confidence
from fmnist_demo.i18n import _, ngettext

UNLOCKED_KEY = "catalogue_unlocked"  # the digest of the passcode this visit was unlocked with


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
    # One gate per passcode for the whole server: wrong tries in one tab slow down every tab.
    return PasscodeGate()


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
    attempt = gate.check(entered or "", passcode)
    if attempt.right:
        st.session_state[UNLOCKED_KEY] = passcode_digest(passcode)
        st.rerun()
    wait = attempt.wait_s
    if attempt.outcome is Outcome.TOO_SOON:
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


def _saved(key_prefix: str) -> dict[str, int]:
    """This visitor's saved items under a prefix: item id -> record id."""
    return st.session_state.setdefault(f"{key_prefix}-saved", {})


def _forget_gone(key_prefix: str, item_ids: set[str]) -> None:
    """Drop what the session keeps for items no longer shown (their results are gone too)."""
    for suffix in ("thumbs", "saved"):
        kept = st.session_state.get(f"{key_prefix}-{suffix}", {})
        for gone in [item_id for item_id in kept if item_id not in item_ids]:
            del kept[gone]
    skipped = st.session_state.get(f"{key_prefix}-skipped")
    if skipped:
        skipped &= item_ids


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
    """The widget key of one part ("class", "name", "note", "add") of a single item's controls."""
    return f"{key_prefix}-{item_id}-{part}"


def table_key(key_prefix: str, item_ids: Sequence[str]) -> str:
    """The data editor's key for a set of items (a new set starts with fresh edits)."""
    digest = hashlib.sha1("\n".join(item_ids).encode("utf-8")).hexdigest()[:10]
    return f"{key_prefix}-table-{digest}"


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


def _save(key_prefix: str, saving: list[tuple[dict, catalogue.NewRecord]]) -> list[int] | None:
    """Save entries in one go; None after showing why it failed (the widgets keep their values)."""
    try:
        ids = get_store().add_many([entry for _item, entry in saving])
    except CatalogueError as exc:
        st.error(
            _(
                "{problem} Nothing was saved; what you typed is still here, so try again in a "
                "moment."
            ).format(problem=exc),
            icon=":material/error:",
        )
        return None
    saved = _saved(key_prefix)
    for (item, _record), record_id in zip(saving, ids, strict=True):
        saved[item["id"]] = record_id
    return ids


def _single_controls(item: dict, key_prefix: str) -> list[int]:
    saved = _saved(key_prefix)
    if item["id"] in saved:
        st.success(
            _("In the catalogue as record #{record}. See it on the Catalogue page.").format(
                record=saved[item["id"]]
            ),
            icon=":material/inventory:",
        )
        return [saved[item["id"]]]
    predicted = int(item["predicted"])
    if item.get("none_of_the_ten"):
        st.caption(
            _(
                "The model thinks this is none of the ten kinds it knows. Add it only if it is one "
                "of them: pick its kind first."
            )
        )
    left, right = st.columns(2)
    confirmed = left.selectbox(
        _("Kind"),
        options=range(NUM_CLASSES),
        index=predicted,
        format_func=kind_name,
        help=_("Keep the model's answer, or pick the right kind if the model was wrong."),
        key=item_key(key_prefix, item["id"], "class"),
    )
    name = right.text_input(
        _("Name or SKU (optional)"),
        max_chars=catalogue.NAME_MAX_CHARS,
        key=item_key(key_prefix, item["id"], "name"),
    )
    note = st.text_input(
        _("Note (optional)"),
        max_chars=catalogue.NOTE_MAX_CHARS,
        key=item_key(key_prefix, item["id"], "note"),
    )
    corrected = confirmed != predicted
    label = _("Add to catalogue as {kind}").format(kind=kind_name(confirmed))
    if not st.button(
        label,
        type="primary",
        icon=":material/edit:" if corrected else ":material/check:",
        key=item_key(key_prefix, item["id"], "add"),
    ):
        return []
    try:
        entry = _entry(key_prefix, item, confirmed, name, note)
    except CatalogueError as exc:
        st.error(str(exc), icon=":material/error:")
        return []
    ids = _save(key_prefix, [(item, entry)])
    if ids is None:
        return []
    st.success(
        _("Saved to the catalogue as record #{record}.").format(record=ids[0]),
        icon=":material/inventory:",
    )
    return ids


def _file_label(item: dict) -> str:
    """The item's file name as Markdown-safe text, or a word for a photo without one."""
    return plain(item.get("file_name") or _("photo"))


def _table_controls(items: list[dict], key_prefix: str) -> list[int]:
    saved = _saved(key_prefix)
    skipped = st.session_state.setdefault(f"{key_prefix}-skipped", set())
    done = [item for item in items if item["id"] in saved]
    done_ids = [saved[item["id"]] for item in done]
    if done:
        listed = ", ".join(f"{_file_label(item)} (#{saved[item['id']]})" for item in done)
        st.success(
            _("In the catalogue: {items}.").format(items=listed), icon=":material/inventory:"
        )
    todo = [item for item in items if item["id"] not in saved and item["id"] not in skipped]
    if not todo:
        if skipped & {item["id"] for item in items}:
            st.caption(_("The photos you unticked were not saved."))
        return done_ids
    # Kinds by name in the visitor's language; catalogue.class_label reads a name in any language
    # back, so a table filled in before a switch of language still saves.
    rows = [
        {
            "keep": not item.get("none_of_the_ten", False),  # no kind was suggested for it
            "photo": catalogue.thumbnail_data_url(_thumbnail(key_prefix, item)),
            "file": item.get("file_name") or "",
            "predicted": kind_name(int(item["predicted"])),
            # "71 %", "over 99 %": the words the verdict above and the records table use
            "confidence": confidence(float(item["confidence"])),
            "confirmed": kind_name(int(item["predicted"])),
            "name": "",
            "note": "",
        }
        for item in todo
    ]
    st.caption(_("Correct the kind where the model was wrong, add names, untick photos to skip."))
    if any(item.get("none_of_the_ten") for item in todo):
        st.caption(
            _(
                "Photos the model took for none of the ten kinds are not ticked: tick one only "
                "if it is one of the ten, and pick its kind."
            )
        )
    # On a phone the columns staff fill in come first, before the table runs off the right edge.
    order = (
        ("keep", "photo", "confirmed", "name", "predicted", "confidence", "note", "file")
        if on_a_phone()
        else ("keep", "photo", "file", "predicted", "confidence", "confirmed", "name", "note")
    )
    edited = st.data_editor(
        rows,
        column_order=order,
        column_config={
            "photo": st.column_config.ImageColumn(_("Photo"), width="small"),
            "file": st.column_config.TextColumn(_("File"), disabled=True),
            "predicted": st.column_config.TextColumn(_("Model says"), disabled=True),
            "confidence": st.column_config.TextColumn(_("Confidence"), disabled=True),
            "confirmed": st.column_config.SelectboxColumn(
                _("Kind"), options=kind_names(), required=True
            ),
            "name": st.column_config.TextColumn(
                _("Name or SKU"), max_chars=catalogue.NAME_MAX_CHARS
            ),
            "note": st.column_config.TextColumn(_("Note"), max_chars=catalogue.NOTE_MAX_CHARS),
            "keep": st.column_config.CheckboxColumn(_("Save"), default=True),
        },
        disabled=["photo", "file", "predicted", "confidence"],
        hide_index=True,
        num_rows="fixed",
        row_height=48,
        key=table_key(key_prefix, [item["id"] for item in todo]),
    )
    kept = [(item, row) for item, row in zip(todo, edited, strict=True) if row.get("keep")]
    label = ngettext("Save {n} to catalogue", "Save {n} to catalogue", len(kept)).format(
        n=len(kept)
    )
    if not st.button(
        label,
        type="primary",
        icon=":material/save:",
        disabled=not kept,
        key=f"{key_prefix}-save-all",
    ):
        return done_ids
    saving, problems = [], []
    for number, (item, row) in enumerate(kept, start=1):
        try:
            saving.append(
                (
                    item,
                    _entry(
                        key_prefix, item, row.get("confirmed"), row.get("name"), row.get("note")
                    ),
                )
            )
        except CatalogueError as exc:
            problems.append(
                _("Row {number} ({file}): {problem}").format(
                    number=number, file=_file_label(item), problem=exc
                )
            )
    if problems:
        st.error(
            _("Nothing was saved. {problems}").format(problems=" ".join(problems)),
            icon=":material/error:",
        )
        return done_ids
    ids = _save(key_prefix, saving)
    if ids is None:
        return done_ids
    skipped.update(item["id"] for item in todo if item["id"] not in saved)
    numbers = ", ".join(f"#{record_id}" for record_id in ids)
    st.success(
        ngettext(
            "Saved {n} to the catalogue as record {numbers}.",
            "Saved {n} to the catalogue as records {numbers}.",
            len(ids),
        ).format(n=len(ids), numbers=numbers),
        icon=":material/inventory:",
    )
    return [saved[item["id"]] for item in items if item["id"] in saved]


def save_controls(items: list[dict], key_prefix: str) -> list[int]:
    """Draw "Add to catalogue" for classified items; return the record ids saved for them.

    Each item is a dict: "id" (a stable str), "predicted" (0-9), "confidence" (0-1),
    "model_input" ((28, 28) float32 in [0, 1]), "photo" (the photo's bytes or a PIL image, or
    None), "file_name" (kept with the record) and, optionally, "none_of_the_ten" (True when the
    model said the item is none of the kinds it knows: such an item is not ticked for saving, as
    no kind the catalogue offers was suggested for it). One item gets a class select box, name,
    note and an Add button; several get one editable table and a "Save all" button. Saved items are
    remembered in the session, so a rerun never saves them twice; what is kept for items no longer
    passed in is dropped. With a staff passcode set, a visitor who has not unlocked sees the
    "Staff passcode" box instead. Widget keys: `item_key(...)`, `table_key(...)` and
    `f"{key_prefix}-passcode"` / `f"{key_prefix}-unlock"`.
    """
    _forget_gone(key_prefix, {item["id"] for item in items})
    if not items:
        return []
    with st.container(border=True):
        st.markdown("**" + _("Add to catalogue") + "**")
        if not may_change():
            saved = _saved(key_prefix)
            unlock_controls(key_prefix, _("Adding to the catalogue needs the staff passcode."))
            return [saved[item["id"]] for item in items if item["id"] in saved]
        if len(items) == 1:
            return _single_controls(items[0], key_prefix)
        return _table_controls(items, key_prefix)
