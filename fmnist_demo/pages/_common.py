"""Page-layer wiring shared by the pages: cached dataset and models, the active model, the slot.

Package modules never import Streamlit; this is where their results meet Streamlit's caches and
each visitor's session state. Keras is imported lazily so pages that only show data stay light.

A cache decorator's `show_spinner` text is fixed when the module is imported, so the shared loads
below say what they do with an `st.spinner` inside the cached function instead: it runs only on a
miss, in the script thread of the visitor who waits for it, in their language.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo.assets import DEFAULT_MODEL_PATH, PHOTO_MODEL_PATH, read_card
from fmnist_demo.data import TRAIN_SIZE, DatasetUnavailable, load_fashion_mnist
from fmnist_demo.formatting import clock, percent
from fmnist_demo.i18n import _, ngettext

USER_MODEL_KEY = "user_model"  # this visitor's trained model: a dict, see remember_user_model()
MODEL_CHOICE_KEY = "model_choice"  # "shipped" or "yours" on Results; training sets "yours"
PHOTO_CHOICE_KEY = "photo_model_choice"  # the same on Classify: training leaves it alone
MODEL_GONE_KEY = "user_model_gone"  # set when the page's URL names a model the server no longer has
MODEL_PARAM = "model"  # query parameter holding the token of this browser's trained model
KEEP_MODELS = 8  # trained models kept for reloads, as weights: 0.4 or 1.6 MB (128 or 512 units)
KEEP_MODEL_S = 2 * 3600  # ... each for two hours after it was last used
JOB_KEY = "train_job"  # this visitor's TrainingJob while it runs
# The token this browser's model will be kept under, chosen when its first training starts: it
# goes into the address at once, and the training slot records it as the training's owner, so a
# reload during the training finds the training (and, when it ends, its model) as its own.
TOKEN_KEY = "model_token"
RESULT_KEY = "train_result"  # the outcome of this visitor's last training: a dict


@st.cache_resource(show_spinner=False)
def dataset() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The dataset arrays, loaded once per server and shared read-only by all visitors."""
    with st.spinner(_("Loading the 70,000 Fashion-MNIST images…")):
        return load_fashion_mnist()


def dataset_problem(exc: DatasetUnavailable) -> str:
    """What to tell a person when the images are missing."""
    return _("The Fashion-MNIST images are not available. {problem}").format(problem=exc)


def dataset_or_message() -> tuple | None:
    """The dataset, or None after telling the person in plain words why it is missing."""
    try:
        return dataset()
    except DatasetUnavailable as exc:
        st.error(dataset_problem(exc), icon=":material/error:")
        return None


@st.cache_resource(show_spinner=False)
def shipped_model() -> Any:
    """The shipped chapter model (128 hidden units), shared read-only."""
    with st.spinner(_("Loading the shipped model…")):
        from fmnist_demo.model import load_default_model

        return load_default_model()


@st.cache_resource(show_spinner=False)
def shipped_photo_model() -> Any:
    """The shipped model for real photos, shared read-only."""
    with st.spinner(_("Loading the shipped photo model…")):
        from fmnist_demo.model import load_photo_model

        return load_photo_model()


@st.cache_data(show_spinner=False)
def shipped_card(photo: bool = False) -> dict:
    """The model card of a shipped model, with "is_photo_model" added."""
    is_photo = photo and PHOTO_MODEL_PATH.is_file()
    return {
        **read_card(PHOTO_MODEL_PATH if is_photo else DEFAULT_MODEL_PATH),
        "is_photo_model": is_photo,
    }


@dataclass
class ActiveModel:
    """The model a page classifies with, and how to name it to a person."""

    loaded: Any
    label: str
    kind: str  # "shipped" or "yours"
    # the shipped model is loaded (and TensorFlow imported) only when a page first asks for it:
    # Results shows the shipped model's answers without it
    load: Callable[[], Any] | None = None

    @property
    def model(self) -> Any:
        """The Keras model, loaded now if it was left for later."""
        if self.loaded is None and self.load is not None:
            self.loaded = self.load()
        return self.loaded


class UserModelStore:
    """Visitors' trained models under random tokens, so a page reload finds them again.

    Bounded: at most `capacity` models, each dropped `ttl_s` seconds after it was last used,
    the least recently used first when full. Shared by every session, hence the lock. A model is
    kept as its weights (0.4 MB for 128 hidden units), not as the Keras model with its optimiser
    and compiled functions (several MB), and made again when a reload needs it (`with_model`).
    """

    def __init__(
        self,
        capacity: int = KEEP_MODELS,
        ttl_s: float = KEEP_MODEL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity, self.ttl_s, self._now = capacity, ttl_s, now
        self._items: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for token in [t for t, (used, _info) in self._items.items() if now - used > self.ttl_s]:
            del self._items[token]

    def put(self, token: str, info: dict) -> None:
        """Keep (or replace) the model under token, evicting the least recently used if full."""
        now = self._now()
        if info.get("model") is not None:
            info = {**info, "model": None, "weights": info["model"].get_weights()}
        with self._lock:
            self._expire(now)
            self._items[token] = (now, info)
            self._items.move_to_end(token)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, token: str) -> dict | None:
        """The model info kept under token (its clock restarts), or None when it is gone; its
        "model" is None until `with_model` makes it from the "weights"."""
        now = self._now()
        with self._lock:
            self._expire(now)
            if token not in self._items:
                return None
            self._items[token] = (now, self._items[token][1])
            self._items.move_to_end(token)
            return self._items[token][1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


@st.cache_resource
def user_model_store() -> UserModelStore:
    """The server's one store of visitors' trained models."""
    return UserModelStore()


def visitor_zone() -> dt.tzinfo | None:
    """The visitor's time zone from their browser; None means the server's own."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = st.context.timezone
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = st.context.timezone_offset  # minutes behind UTC, as JavaScript counts them
    if offset is not None:
        return dt.timezone(-dt.timedelta(minutes=offset))
    return None  # astimezone(None): the server's local zone


def visitor_clock(when: dt.datetime | float) -> str:
    """A moment (aware datetime or a time.time() value) as '14:05' in the visitor's time."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.fromtimestamp(when, dt.UTC)
    return clock(when, visitor_zone())


def model_token() -> str:
    """The token this browser's trained model is kept under: its model's, or a new one kept for
    the model its training will make."""
    state = st.session_state
    info = state.get(USER_MODEL_KEY)
    if info is not None and info.get("token"):
        return info["token"]
    if TOKEN_KEY not in state:
        state[TOKEN_KEY] = secrets.token_urlsafe(12)
    return state[TOKEN_KEY]


def own_token() -> str | None:
    """This browser's model token if it has one yet (a model, or a training started), else None."""
    info = st.session_state.get(USER_MODEL_KEY)
    if info is not None and info.get("token"):
        return info["token"]
    return st.session_state.get(TOKEN_KEY)


def keep_model_across_reloads() -> None:
    """Keep this browser's model token in the page's URL, or restore the model a reload lost.

    Called by the entry on every run: page changes drop the URL's query parameters, so the token
    is written back each time; a fresh session (a reload) finds its model again through it, or
    its training still running (or ended and not yet collected) in the server's slot.
    """
    state = st.session_state
    info = state.get(USER_MODEL_KEY)
    token = st.query_params.get(MODEL_PARAM)
    if info is not None:
        if info.get("token"):
            if token != info["token"]:
                st.query_params[MODEL_PARAM] = info["token"]
            store = user_model_store()
            if store.get(info["token"]) is None:  # in use here, so kept (again) for a reload
                store.put(info["token"], info)
        return
    if JOB_KEY in state and state.get(TOKEN_KEY):  # training here, its model not made yet
        if token != state[TOKEN_KEY]:
            st.query_params[MODEL_PARAM] = state[TOKEN_KEY]
        return
    if not token:
        return
    found = user_model_store().get(token)
    if found is None:
        job = training_slot().job_of(token)
        if job is not None:  # a reload while this browser's training runs: it is still ours
            state[TOKEN_KEY] = token
            state[JOB_KEY] = job
            return
        state[MODEL_GONE_KEY] = True
        del st.query_params[MODEL_PARAM]
        return
    state[USER_MODEL_KEY] = found
    state.setdefault(MODEL_CHOICE_KEY, "yours")
    if found.get("result") is not None:  # how its training went, for Train live to show again
        state.setdefault(RESULT_KEY, found["result"])


def with_model(info: dict) -> dict:
    """Model info with its Keras model, made from the kept weights after a reload if need be."""
    if info.get("model") is not None or "weights" not in info:
        return info
    from fmnist_demo.model import build_model

    model = build_model(int(info["hidden_units"]))
    model.set_weights(info["weights"])
    return {k: v for k, v in info.items() if k != "weights"} | {"model": model}


def user_model_in_session() -> dict | None:
    """This visitor's trained model info from the session, its model made if it was restored."""
    info = st.session_state.get(USER_MODEL_KEY)
    if info is not None and info.get("model") is None:
        info = st.session_state[USER_MODEL_KEY] = with_model(info)
    return info


def current_user_model(say_if_gone: bool = True) -> dict | None:
    """This visitor's trained model info, restored after a reload when possible, else None.

    The dict holds "model", "token", "trained_at" ('14:05', the visitor's time), "hidden_units",
    "epochs", "samples", "train_accuracy" and "test_accuracy" (shares in [0, 1] or None).
    When the page's address named a model the server no longer keeps, says so (say_if_gone).
    """
    collect_training()
    keep_model_across_reloads()
    info = user_model_in_session()
    if info is None and say_if_gone and st.session_state.get(MODEL_GONE_KEY):
        hours = KEEP_MODEL_S // 3600
        st.info(
            ngettext(
                "The model you trained earlier is no longer kept: the server keeps a trained "
                "model for {hours} hour after it was last used, in the browser it was trained "
                "in. The shipped model is used instead; train a new one on **{page}** whenever "
                "you like.",
                "The model you trained earlier is no longer kept: the server keeps a trained "
                "model for {hours} hours after it was last used, in the browser it was trained "
                "in. The shipped model is used instead; train a new one on **{page}** whenever "
                "you like.",
                hours,
            ).format(hours=hours, page=_("Train live")),
            icon=":material/history:",
        )
    return info


def session_id() -> str:
    """A stable id for this visitor's session."""
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex
    return st.session_state["session_id"]


def remember_user_model(
    model: Any,
    *,
    hidden_units: int,
    epochs: int,
    train_acc: float | None,
    test_acc: float | None,
    samples: int = TRAIN_SIZE,
    result: dict | None = None,
) -> None:
    """Keep this visitor's trained model (session, server store, URL) and show it on Results.

    Classify keeps the shipped photo model until the visitor picks theirs there.
    """
    token = model_token()
    info = {
        "model": model,
        "token": token,
        "trained_at": visitor_clock(time.time()),
        "hidden_units": hidden_units,
        "epochs": epochs,
        "samples": samples,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "result": result,  # how the training went (a few numbers an epoch), shown after a reload
    }
    st.session_state[USER_MODEL_KEY] = info
    st.session_state.pop(MODEL_GONE_KEY, None)
    st.session_state[MODEL_CHOICE_KEY] = "yours"
    user_model_store().put(token, info)
    st.query_params[MODEL_PARAM] = token


def collect_training() -> None:
    """Once this visitor's background training has ended, keep its outcome in their session."""
    job = st.session_state.get(JOB_KEY)
    if job is None or not job.done.is_set():
        return
    del st.session_state[JOB_KEY]
    from fmnist_demo.model import accuracy

    if job.trainer.model is None:  # failed before the model was built
        # NOTE: said when training stopped for a reason nobody knows: "stopped because of: unknown"
        st.session_state[RESULT_KEY] = {"history": [], "error": job.error or _("unknown")}
        return
    result = job.result()
    (x_test, y_test) = dataset()[1]
    test_acc = accuracy(result.model, x_test, y_test) if result.history else None
    st.session_state[RESULT_KEY] = {
        "history": [
            {"epoch": h.epoch, "loss": h.loss, "accuracy": h.accuracy, "seconds": h.seconds}
            for h in result.history
        ],
        "reason": result.stop_reason.value,
        "abandoned": job.abandoned,
        "error": job.error,
        "message": result.message,
        "seconds": result.seconds,
        "report_share": job.trainer.report_share,
        "hidden_units": result.settings.hidden_units,
        "target": result.settings.target_accuracy,
        "samples": job.samples,
        "test_accuracy": test_acc,
    }
    if result.history:
        remember_user_model(
            result.model,
            hidden_units=result.settings.hidden_units,
            epochs=result.epochs_done,
            train_acc=result.final_accuracy,
            test_acc=test_acc,
            samples=job.samples,
            result=st.session_state[RESULT_KEY],
        )


def user_model_label(info: dict) -> str:
    """'your model, trained at 14:05, right on 87 % of the test pictures'."""
    acc = info.get("test_accuracy")
    if acc is None:
        return _("your model, trained at {time}").format(time=info["trained_at"])
    return _("your model, trained at {time}, right on {accuracy} of the test pictures").format(
        time=info["trained_at"], accuracy=percent(acc)
    )


def _shipped_label(photo: bool) -> str:
    card = shipped_card(photo)
    acc = card.get("test_accuracy")
    name = _("shipped photo model") if card["is_photo_model"] else _("shipped model")
    real = card.get("real_photo_accuracy", {}).get("accuracy")
    # on real phone photos it does worse than on the test set: say so
    if acc is not None and real is not None:
        return _(
            "{model}, right on {accuracy} of the test pictures and {real} of real phone photos "
            "in our trial"
        ).format(model=name, accuracy=percent(acc), real=percent(real))
    if acc is not None:
        return _("{model}, right on {accuracy} of the test pictures").format(
            model=name, accuracy=percent(acc)
        )
    if real is not None:
        return _("{model}, right on {real} of real phone photos in our trial").format(
            model=name, real=percent(real)
        )
    return name


def _choose(photo: bool, key: str) -> ActiveModel:
    user = current_user_model()
    shipped = ActiveModel(loaded=None, label=_shipped_label(photo), kind="shipped")
    choice_key = PHOTO_CHOICE_KEY if photo else MODEL_CHOICE_KEY
    choice = st.session_state.get(choice_key, "shipped")
    if user is not None:
        labels = {
            "shipped": shipped.label.capitalize(),
            "yours": user_model_label(user).capitalize(),
        }

        def _keep_choice() -> None:
            st.session_state[choice_key] = st.session_state[key]

        # The widget's own state is dropped when the page changes; choice_key survives.
        st.session_state[key] = choice
        choice = st.radio(
            _("Model in use"),
            options=["yours", "shipped"],
            format_func=labels.get,
            key=key,
            horizontal=True,
            on_change=_keep_choice,
        )
    if choice == "yours" and user is not None:
        label = user_model_label(user)
        st.caption(
            ":material/model_training: " + _("Active model: **{model}**").format(model=label)
        )
        return ActiveModel(loaded=user["model"], label=label, kind="yours")
    st.caption(
        ":material/inventory_2: " + _("Active model: **{model}**").format(model=shipped.label)
    )
    shipped.load = shipped_photo_model if photo else shipped_model
    return shipped


def chapter_model_choice(key: str) -> ActiveModel:
    """Show which model is active (the shipped chapter model or the visitor's) and return it."""
    return _choose(False, key)


def photo_model_choice(key: str) -> ActiveModel:
    """Like chapter_model_choice, with the shipped photo model as the shipped choice."""
    return _choose(True, key)


PRELOAD_ENV = "FMNIST_PRELOAD_TENSORFLOW"  # "0": do not import TensorFlow before a page needs it


@st.cache_resource(show_spinner=False)
def preload_tensorflow() -> threading.Thread | None:
    """Import TensorFlow and Keras once per server in a background thread, started after the
    first page has been shown, so that the first visit to Train live, Results or Classify does
    not wait several seconds for it. A page that needs it meanwhile waits for the same import."""
    if os.environ.get(PRELOAD_ENV, "1") == "0":
        return None

    def load() -> None:
        import fmnist_demo.model  # noqa: F401  (TensorFlow and Keras)

    thread = threading.Thread(target=load, name="fmnist-preload", daemon=True)
    thread.start()
    return thread


NARROW_PX = 640  # Streamlit stacks columns below this window width: a phone
TAP_PX = 44  # the smallest thing a finger taps reliably (Apple's and W3C's guidance)
# What a person taps in the app, by the test ids and roles Streamlit gives them: buttons (also
# download, form, file and camera buttons), segmented and pill choices, radio options,
# checkboxes and toggles, select boxes, tabs, expanders and page links (on the page and in the
# sidebar's navigation). Streamlit's own small helpers (a "?" beside a label, a heading's link,
# a picture's full-screen button, the camera's "learn how to allow access" link) are left as
# they are.
TAP_TARGETS = ", ".join(
    [
        ".stButton button",
        ".stDownloadButton button",
        ".stFormSubmitButton button",
        ".stLinkButton a",
        ".stPopover button",
        '[data-testid="stButtonGroup"] button',
        '[data-testid="stFileUploader"] button',
        '[data-testid="stCameraInput"] button',
        '[data-testid="stRadioOption"]',
        '[data-testid="stCheckbox"] label',
        '[data-testid="stSelectbox"] [role="group"]',
        '[data-testid="stMultiSelect"] [role="group"]',
        '[role="tab"]',
        '[data-testid="stExpander"] summary',
        '[data-testid="stPageLink-NavLink"]',
        '[data-testid="stSidebarNavLink"]',
    ]
)


def tap_targets() -> None:
    """Make every button, choice and link of the app at least TAP_PX tall on a phone.

    Called by the entry on every run, so every page gets it; at a desk nothing changes.
    """
    st.html(
        f"<style>@media (max-width: {NARROW_PX}px) {{ {TAP_TARGETS} {{ min-height: {TAP_PX}px;"
        " box-sizing: border-box; align-items: center; } }</style>"
    )


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


@st.cache_resource
def training_slot() -> Any:
    """The server-wide slot that lets one training or teaching run at a time."""
    from fmnist_demo.jobs import JobSlot

    return JobSlot()
