"""Classify a photo: camera or uploads -> the newest verdict in view, then what the model saw.

The visit's photos are kept: in the session (a page change and back keeps them) and on the server
under a token in the address (`?photos=`), so a reload brings back the verdicts and the choices
not yet saved, for as long as trained models are kept.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from fmnist_demo import i18n, photo
from fmnist_demo.catalogue_saving import ClassifiedItem, status_words
from fmnist_demo.data import kind_name, kind_names
from fmnist_demo.formatting import confidence
from fmnist_demo.html_views import probability_bars_html
from fmnist_demo.i18n import N_, _
from fmnist_demo.markdown_text import plain
from fmnist_demo.pages._inside_ui import photo_why
from fmnist_demo.pages._photo_model_in_use import active_photo_model
from fmnist_demo.pages._save_controls import item_controls, item_status, save_controls
from fmnist_demo.pages._screen import on_a_phone
from fmnist_demo.pages._user_model_ui import current_user_model
from fmnist_demo.pages._visitor_time import visitor_clock
from fmnist_demo.photo_model import (
    PhotoResult,
    Verdict,
    classify_photo,
    classify_prepared,
)
from fmnist_demo.photo_visit import KeptPhoto, Visit
from fmnist_demo.reload_store import ReloadStore
from fmnist_demo.user_model import KEEP_MODEL_S, UserModel

# {(file id, "photo …" or "yours …"): PhotoResult, (file id, …, language): an error's words}
RESULTS_KEY = "classify_results"
SHOT_TIMES_KEY = "classify_shot_times"  # {file id: "14:05"}, when each camera photo was taken
COMPARE_KEY = "classify_compare"
ROUND_KEY = "classify_round"  # photo inputs made afresh after each batch, see take_in()
BAD_KEY = "classify_bad_files"  # [(file id, name, bytes)] of the last batch's unreadable files
TAB_KEY = "classify_tab"  # the photo tab the visitor last chose: "camera" or "upload"
TAB_WIDGET_KEY = "classify_tab_widget"  # the tabs' own state: the chosen tab's label
VISIT_KEY = "classify_visit"  # this visit's photos: a Visit
VISIT_PARAM = "photos"  # query parameter holding the token of this browser's kept photos
KEEP_VISITS = 16  # visits kept for reloads: about 0.6 MB a photo (the 480-pixel preview)
SAVE_PREFIX = "classify"
PHONE_CAMERA_WIDTH = 220  # pixels of the camera's picture on a phone (a 390-pixel-wide screen)
SHOWN_KEY = "classify_shown_newest"  # the newest photo already brought into sight
# Bring the newest card's verdict wholly into sight if it is not (a phone scrolled to the camera's
# button leaves it below the screen's edge), the card's top just under the app's header; checked
# each frame until the verdict has stood still for a second and a half (at most six seconds), as
# the pictures above it may still be settling on a slow phone. It gives up as soon as the person
# touches the page (a wheel, a touch, a press or a key), so the page never moves under their finger
# (a tap on a kind could land on another, or on nothing). A scroll event alone does not count: the
# browser sends those too when the page's height changes. Our own fixed script: no visitor's input.
SHOW_NEWEST_JS = (
    "<script>(() => { const start = performance.now(); let end = start + 6000, done = false;"
    " const events = ['wheel', 'touchstart', 'touchmove', 'pointerdown', 'keydown'];"
    " const person = () => { done = true; };"
    " events.forEach((t) => document.addEventListener(t, person, {capture: true, passive: true}));"
    " const finish = () => events.forEach((t) => document.removeEventListener(t, person, true));"
    " let last = null;"
    " const look = () => { if (done) return finish();"
    " const card = document.querySelector('.st-key-classify-newest');"
    " const said = card && card.querySelector('[data-testid=stAlert]');"
    " if (said) { const box = said.getBoundingClientRect(), now = performance.now();"
    " if (last === null || box.top !== last) end = Math.min(start + 6000, now + 1500);"
    " last = box.top;"
    " if (box.top < 0 || box.bottom > window.innerHeight)"
    " { card.style.scrollMarginTop = '64px'; card.scrollIntoView({block: 'start'}); } }"
    " if (performance.now() < end) requestAnimationFrame(look); else finish(); };"
    " requestAnimationFrame(look); })();</script>"
)
TIP = N_(
    "Tip: lay the item flat on a plain background that contrasts with it (a dark item on a light "
    "sheet, a light item on a dark floor), and keep the whole item in the frame."
)
SHOE_TIP = N_(
    "Tip for shoes: photograph one shoe from the side on a plain background, as in a shop's "
    "product photo; that is how Fashion-MNIST shows shoes. A pair seen from above is often given "
    "the wrong kind."
)

for _key, _empty in ((RESULTS_KEY, {}), (SHOT_TIMES_KEY, {}), (BAD_KEY, [])):
    if _key not in st.session_state:
        st.session_state[_key] = _empty


@st.cache_resource
def visit_store() -> ReloadStore[Visit]:
    """The server's one store of visitors' photos and choices, kept as long as trained models."""
    return ReloadStore(capacity=KEEP_VISITS, ttl_s=KEEP_MODEL_S)


def the_visit() -> Visit:
    """This visit's photos: from the session, after a reload from the server, else a new one."""
    visit = st.session_state.get(VISIT_KEY)
    token = st.query_params.get(VISIT_PARAM)
    if visit is None and token:
        visit = visit_store().get(token)  # a reload: the photos this browser had, if still kept
    if visit is None:
        visit = Visit()
    st.session_state[VISIT_KEY] = visit
    return visit


def keep_visit(visit: Visit) -> None:
    """Keep the visit's token in the address and the visit on the server, for a reload."""
    if not visit.photos:
        return
    if st.query_params.get(VISIT_PARAM) != visit.token:
        st.query_params[VISIT_PARAM] = visit.token
    store = visit_store()
    if store.get(visit.token) is None:  # the same Visit: what changes later is kept too
        store.put(visit.token, visit)


def _remember_tab(labels: dict[str, str]) -> None:
    chosen = st.session_state.get(TAB_WIDGET_KEY)
    st.session_state[TAB_KEY] = next((k for k, v in labels.items() if v == chosen), "camera")


def photo_controls() -> list[tuple[str, str, bytes]]:
    """Camera and upload widgets -> [(file id, name for a person, bytes)] of every photo given."""
    labels = {"camera": _("Camera"), "upload": _("Upload photos")}
    # A phone's own file picker offers its camera, so a phone starts on Upload. The tabs' first
    # tab stays the same all visit: it is part of the tabs' identity, and a new identity would
    # make the camera and the uploader afresh in the middle of a choice (a file picked while the
    # page reran after a tab switch went nowhere). The tab chosen last is opened again when the
    # visitor comes back to the page, or switches language, through the tabs' own state.
    start = "upload" if on_a_phone() else "camera"
    remembered = st.session_state.get(TAB_KEY)
    if remembered and st.session_state.get(TAB_WIDGET_KEY) not in labels.values():
        st.session_state[TAB_WIDGET_KEY] = labels[remembered]
    order = ["upload", "camera"] if on_a_phone() else ["camera", "upload"]
    tabs = dict(
        zip(
            order,
            st.tabs(
                [labels[k] for k in order],
                default=labels[start],
                key=TAB_WIDGET_KEY,
                on_change=_remember_tab,
                args=(labels,),
            ),
            strict=True,
        )
    )
    with tabs["camera"]:
        # 480 lines is all the pipeline uses (it works on at most 480 pixels), and is quick to send
        shot = st.camera_input(
            _("Hold the item in front of the camera"),
            key=f"classify_camera-{st.session_state.get(ROUND_KEY, 0)}",
            resolution="480p",
            # on a phone, narrower and so shorter: the verdict under it stays on the first screen
            width=PHONE_CAMERA_WIDTH if on_a_phone() else "stretch",
        )
    with tabs["upload"]:
        uploads = st.file_uploader(
            _("Photos of clothes, shoes or bags (from a phone too)"),
            type=None,  # anything is accepted here; the pipeline names the formats it reads
            accept_multiple_files=True,
            key=f"classify_upload-{st.session_state.get(ROUND_KEY, 0)}",
            help=_("Picture files: {formats}.").format(formats=_(photo.FORMAT_NAMES)),
        )
    given = []
    if shot is not None:
        times = st.session_state[SHOT_TIMES_KEY]
        taken = times.setdefault(shot.file_id, visitor_clock(time.time()))
        name = _("Camera photo, {time}").format(time=taken)
        given.append((shot.file_id, name, shot.getvalue()))
    given += [(f.file_id, f.name, f.getvalue()) for f in uploads or []]
    return given


def forget_removed(file_ids: set[str]) -> None:
    """Drop kept results of photos no longer given, so the session does not grow without end."""
    for store in (st.session_state[RESULTS_KEY], st.session_state[SHOT_TIMES_KEY]):
        for key in [k for k in store if (k[0] if isinstance(k, tuple) else k) not in file_ids]:
            del store[key]


def result_for(file_id: str, data: bytes, model: Any, which: str) -> PhotoResult | str:
    """The photo's result, computed once per file and model and kept in the session.

    A file that is no usable photo keeps its message per language, so a visitor who changes the
    language reads it in the new one.
    """
    results = st.session_state[RESULTS_KEY]
    key, said = (file_id, which), (file_id, which, i18n.language())
    if key in results:
        return results[key]
    if said not in results:
        try:
            results[key] = classify_photo(model, data)
            return results[key]
        except photo.PhotoError as exc:
            results[said] = str(exc)
    return results[said]


def verdict_box(result: PhotoResult) -> None:
    """The verdict in plain words: sure, not sure (with the runner-up and a tip), or none."""
    top, second = kind_name(result.predicted), kind_name(result.runner_up)
    verdict = result.verdict
    if verdict is Verdict.OTHER:
        st.info(
            _(
                "**This does not look like any of the ten kinds I know** ({percent} sure it is "
                "none of them).\n\nI know only these: {kinds}. A hat, a face, a wall or a pattern "
                "is none of them."
            ).format(percent=confidence(result.other), kinds=", ".join(kind_names())),
            icon=":material/block:",
        )
    elif verdict is Verdict.SURE:
        st.success(
            _("**{kind}** — sure ({percent})").format(
                kind=top, percent=confidence(result.confidence)
            ),
            icon=":material/check:",
        )
    elif result.sure_shoe:  # sure it is a shoe, not of which kind: two answers, not one
        unsure = _("**A shoe** — sure ({percent}). **Which kind** — not sure: tap one.").format(
            percent=confidence(result.footwear_probability)
        )
        st.warning(f"{unsure}\n\n{_(SHOE_TIP)}", icon=":material/help:")
    else:
        second_p = float(result.probabilities[result.runner_up])
        unsure = _(
            "**Not sure.** Best guess **{kind}** ({percent}), then **{second}** ({second_percent})."
        ).format(
            kind=top,
            percent=confidence(result.confidence),
            second=second,
            second_percent=confidence(second_p),
        )
        tip = _(SHOE_TIP) if result.footwear else _(TIP)
        st.warning(f"{unsure}\n\n{tip}", icon=":material/help:")
    if result.footwear and verdict is not Verdict.OTHER and not result.sure_shoe:
        text = _(
            "**A shoe: {percent}** (the three kinds of shoe added up). On phone photos, *shoe or "
            "not* comes out far more reliably than *which kind*, so check the kind."
        ).format(percent=confidence(result.footwear_probability))
        if verdict is Verdict.SURE:  # the unsure verdict already carries the shoe tip
            text += "\n\n" + _(SHOE_TIP)
        st.caption(text)


def comparison(result: PhotoResult | str, user: UserModel) -> None:
    """One line: what the visitor's own model (trained on Train live) says about the photo."""
    if isinstance(result, str):
        return
    text = _(
        "Your model (trained at {time}) says **{kind}** ({percent}). It learnt from the "
        "dataset's pictures only, so on photos the photo model above is the one to trust."
    ).format(
        time=user.trained_at,
        kind=kind_name(result.predicted),
        percent=confidence(result.confidence),
    )
    st.caption(f":material/compare_arrows: {text}")


def show_result(
    result: PhotoResult, yours: PhotoResult | str | None, user: Any, wide: bool = True
) -> None:
    """The verdict first (on a phone too), then the photo, what the model saw and all ten kinds:
    side by side when `wide`, else the bars under the pictures (a half-width column)."""
    verdict_box(result)
    if yours is not None:
        comparison(yours, user)
    if not result.prepared.separated:
        whole = _(
            "The item could not be told apart from the background, so the model was shown "
            "the whole photo."
        )
        st.caption(f":material/crop_free: {whole}")
    if wide:
        shown, seen, chart = st.columns([2, 1, 3], vertical_alignment="center")
    else:
        shown, seen = st.columns([2, 1], vertical_alignment="center")
        chart = st.container()
    shown.image(result.prepared.preview, caption=_("Your photo"), width=220)
    seen.image(
        photo.enlarge(result.prepared.model_input, 4),
        caption=_("What the model sees: 28 × 28, light on black"),
        width=112,
    )
    with chart:
        # the eleventh bar, "none of the ten kinds", makes the bars add up to the whole
        st.html(probability_bars_html(result.probabilities, other=result.other))


def catalogue_item(file_id: str, entry: KeptPhoto) -> ClassifiedItem:
    """A kept photo as the catalogue's save controls take it."""
    result = entry.result
    return ClassifiedItem(
        id=file_id,
        predicted=result.predicted,
        confidence=result.confidence,
        sure=result.verdict is Verdict.SURE,
        offered=result.offered,
        none_of_the_ten=result.verdict is Verdict.OTHER,
        model_input=np.asarray(result.prepared.model_input),
        photo=Image.fromarray(result.prepared.preview),  # the thumbnail is made from it
        file_name=entry.name,
        choices=entry.state,  # kept with the photo: a reload brings the choices back
    )


def photo_card(
    file_id: str,
    entry: KeptPhoto,
    item: ClassifiedItem,
    yours: Any,
    user: Any,
    visit: Visit,
    wide: bool = True,
) -> None:
    """One photo: its verdict and bars, why that answer, then its save controls and a Remove
    button. The newest photo's card is open (`wide` False): its why is folded; the others' are
    folded already (expanders do not nest)."""
    show_result(entry.result, yours, user, wide)
    photo_why(model, entry.result, fold=not wide)
    item_controls(item, SAVE_PREFIX)
    st.button(
        _("Remove from the list"),
        icon=":material/close:",
        type="tertiary",
        key=f"classify-remove-{file_id}",
        on_click=visit.remove,
        args=(file_id,),
    )


def shown_name(name: str, file_id: str) -> str:
    """A photo's name for Markdown: a file's name as plain text, the camera's as it is."""
    return name if file_id in st.session_state[SHOT_TIMES_KEY] else plain(name)


def take_in(visit: Visit, given: list[tuple[str, str, bytes]], model: Any) -> None:
    """Classify a new batch of photos given and keep the readable ones in the visit.

    Then the camera and the uploader are made afresh (a rerun): the camera is ready for the next
    shot and the uploader's list of files never pushes the newest verdict down; the cards list the
    photos. Unreadable files are remembered to say why, in the visitor's language.
    """
    results = st.session_state[RESULTS_KEY]
    which = f"photo {id(model)}"  # a new model: new answers
    for file_id, entry in visit.photos.items():  # the session's answers are the newest
        entry.result = results.get((file_id, which), entry.result)
    bad = st.session_state.setdefault(BAD_KEY, [])
    known = set(visit.photos) | {file_id for file_id, *_rest in bad}
    if not [file_id for file_id, *_rest in given if file_id not in known]:
        return
    bad.clear()
    added = False
    for file_id, name, data in given:
        outcome = result_for(file_id, data, model, which)
        if isinstance(outcome, str):
            bad.append((file_id, name, data))
        else:
            added = visit.add(file_id, name, outcome) or added
    if added:
        st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
        st.rerun()


def yours_for(file_id: str, result: PhotoResult, user: UserModel) -> PhotoResult:
    """What the visitor's own model says about a kept photo, from the picture the model saw."""
    key = (file_id, f"yours {user.trained_at}")  # a new model gets fresh answers
    results = st.session_state[RESULTS_KEY]
    if key not in results:
        results[key] = classify_prepared(user.model, result.prepared)
    return results[key]


def introduction(description: str) -> None:
    """What the page does, and how it works behind a fold."""
    st.write(
        _(
            "Take or upload a photo of a piece of clothing, a shoe or a bag: the model names its "
            "kind, and says plainly when it is not sure."
        )
    )
    with st.expander(_("How it works"), icon=":material/info:"):
        st.write(
            _(
                "Take a photo of a piece of clothing, a shoe or a bag, or upload several. The app "
                "finds the item, removes the background and shrinks it to 28 × 28 pixels, light "
                "on black, the way the Fashion-MNIST images were made; then the model names it, "
                "and says plainly when it is not sure or when the item is none of the ten kinds "
                "it knows."
            )
        )
        in_use = _("Photo model in use: {description}.").format(description=description)
        st.caption(f":material/inventory_2: {in_use}")


st.title(_("Classify a photo"))
model, description = active_photo_model()  # an improved model adopted in the catalogue, or ours
visit = the_visit()
# On a phone, once there are photos, the introduction goes to the end of the page: the camera or
# the uploader, then the newest verdict, all within the first screen (390 x 844) after each shot.
compact = on_a_phone() and bool(visit.photos)
if not compact:
    introduction(description)
user = current_user_model()
compare = False
if user is not None:
    compare = st.toggle(
        _("Compare with your model (trained at {time} on Train live)").format(time=user.trained_at),
        key=COMPARE_KEY,
        help=_(
            "Your model learnt from the dataset's pictures only; its answer is shown beside the "
            "photo model's, for comparison."
        ),
    )
given_side, newest_side = st.columns([2, 3], gap="medium")  # stacked on a phone, input first
with given_side:
    given = photo_controls()
    take_in(visit, given, model)
    for file_id, name, data in st.session_state[BAD_KEY]:
        problem = result_for(file_id, data, model, f"photo {id(model)}")
        st.error(f"**{shown_name(name, file_id)}**: {problem}", icon=":material/broken_image:")
bad_ids = {file_id for file_id, *_rest in st.session_state[BAD_KEY]}
forget_removed({file_id for file_id, *_rest in given} | set(visit.photos) | bad_ids)
keep_visit(visit)

newest_first = visit.newest_first()
items = {file_id: catalogue_item(file_id, visit.photos[file_id]) for file_id in newest_first}


def yours(file_id: str) -> PhotoResult | None:
    """The visitor's own model's answer when asked to compare, else None."""
    if not (compare and user is not None):
        return None
    return yours_for(file_id, visit.photos[file_id].result, user)


with newest_side:
    if not newest_first:
        st.info(f"{_(TIP)}\n\n{_(SHOE_TIP)}", icon=":material/lightbulb:")
    else:  # the newest verdict, where the eye is right after the photo was taken or uploaded
        newest = newest_first[0]
        entry = visit.photos[newest]
        with st.container(border=True, key="classify-newest"):
            st.markdown(f"**{shown_name(entry.name, newest)}**")
            photo_card(newest, entry, items[newest], yours(newest), user, visit, wide=False)
for file_id in newest_first[1:]:  # the others folded, newest first, each saying where it stands
    entry = visit.photos[file_id]
    result = entry.result
    verdict = {
        Verdict.SURE: _("{kind}, sure").format(kind=kind_name(result.predicted)),
        Verdict.UNSURE: _("not sure"),
        Verdict.OTHER: _("none of the ten kinds"),
    }[result.verdict]
    status = status_words(item_status(items[file_id], SAVE_PREFIX))
    label = f"**{shown_name(entry.name, file_id)}** · {verdict} · {status}"
    with st.expander(label, key=f"classify-card-{file_id}"):
        photo_card(file_id, entry, items[file_id], yours(file_id), user, visit)

# Keep what was classified: the ticked ones are added to the catalogue in one go.
if items:
    save_controls(list(items.values()), key_prefix=SAVE_PREFIX)
if compact:
    introduction(description)
if newest_first and st.session_state.get(SHOWN_KEY) != newest_first[0]:
    st.session_state[SHOWN_KEY] = newest_first[0]  # once per new photo: taps later stay put
    st.html(SHOW_NEWEST_JS, unsafe_allow_javascript=True)
