"""Classify a photo: camera or uploads -> the verdict first, then what the model saw and why."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import i18n, photo
from fmnist_demo.data import kind_name, kind_names
from fmnist_demo.evaluation import confidence
from fmnist_demo.html_views import probability_bars_html
from fmnist_demo.i18n import N_, _
from fmnist_demo.pages._catalogue_ui import plain, save_controls
from fmnist_demo.pages._common import current_user_model, visitor_clock
from fmnist_demo.pages._inside_ui import photo_why
from fmnist_demo.pages._photo_model_ui import active_photo_model
from fmnist_demo.photo_model import PhotoResult, Verdict, classify_photo

# {(file id, "photo …" or "yours …"): PhotoResult, (file id, …, language): an error's words}
RESULTS_KEY = "classify_results"
SHOT_TIMES_KEY = "classify_shot_times"  # {file id: "14:05"}, when each camera photo was taken
COMPARE_KEY = "classify_compare"
TIP = N_(
    "Tip: lay the item flat on a plain background that contrasts with it (a dark item on a light "
    "sheet, a light item on a dark floor), and keep the whole item in the frame."
)
SHOE_TIP = N_(
    "Tip for shoes: photograph one shoe from the side on a plain background, as in a shop's "
    "product photo; that is how Fashion-MNIST shows shoes. A pair seen from above is often given "
    "the wrong kind."
)

for _key, _empty in ((RESULTS_KEY, {}), (SHOT_TIMES_KEY, {})):
    if _key not in st.session_state:
        st.session_state[_key] = _empty


def photo_controls() -> list[tuple[str, str, bytes]]:
    """Camera and upload widgets -> [(file id, name for a person, bytes)] of every photo given."""
    camera_tab, upload_tab = st.tabs([_("Camera"), _("Upload photos")])
    with camera_tab:
        # 480 lines is all the pipeline uses (it works on at most 480 pixels), and is quick to send
        shot = st.camera_input(
            _("Hold the item in front of the camera"), key="classify_camera", resolution="480p"
        )
    with upload_tab:
        uploads = st.file_uploader(
            _("Photos of clothes, shoes or bags (from a phone too)"),
            type=None,  # anything is accepted here; the pipeline names the formats it reads
            accept_multiple_files=True,
            key="classify_upload",
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
    if result.footwear and verdict is not Verdict.OTHER:
        text = _(
            "**A shoe: {percent}** (the three kinds of shoe added up). On phone photos, *shoe or "
            "not* comes out far more reliably than *which kind*, so check the kind."
        ).format(percent=confidence(result.footwear_probability))
        if verdict is Verdict.SURE:  # the unsure verdict already carries the shoe tip
            text += "\n\n" + _(SHOE_TIP)
        st.caption(text)


def comparison(result: PhotoResult | str, user: dict) -> None:
    """One line: what the visitor's own model (trained on Train live) says about the photo."""
    if isinstance(result, str):
        return
    text = _(
        "Your model (trained at {time}) says **{kind}** ({percent}). It learnt from the "
        "dataset's pictures only, so on photos the photo model above is the one to trust."
    ).format(
        time=user["trained_at"],
        kind=kind_name(result.predicted),
        percent=confidence(result.confidence),
    )
    st.caption(f":material/compare_arrows: {text}")


def show_result(name: str, result: PhotoResult, yours: PhotoResult | str | None, user: Any) -> None:
    """The verdict first (on a phone too), then the photo, what the model saw and all ten kinds."""
    with st.container(border=True):
        st.markdown(f"**{plain(name)}**")  # a file name is text, never Markdown
        verdict_box(result)
        if yours is not None:
            comparison(yours, user)
        if not result.prepared.separated:
            whole = _(
                "The item could not be told apart from the background, so the model was shown "
                "the whole photo."
            )
            st.caption(f":material/crop_free: {whole}")
        shown, seen, chart = st.columns([2, 1, 3], vertical_alignment="center")
        shown.image(result.prepared.preview, caption=_("Your photo"), width=220)
        seen.image(
            photo.enlarge(result.prepared.model_input, 4),
            caption=_("What the model sees: 28 × 28, light on black"),
            width=112,
        )
        with chart:
            st.html(probability_bars_html(result.probabilities))


st.title(_("Classify a photo"))
st.write(
    _(
        "Take a photo of a piece of clothing, a shoe or a bag, or upload several. The app finds "
        "the item, removes the background and shrinks it to 28 × 28 pixels, light on black, the "
        "way the Fashion-MNIST images were made; then the model names it, and says plainly when "
        "it is not sure or when the item is none of the ten kinds it knows."
    )
)
model, description = active_photo_model()  # an improved model adopted in the catalogue, or ours
in_use = _("Photo model in use: {description}.").format(description=description)
st.caption(f":material/inventory_2: {in_use}")
user = current_user_model()
compare = False
if user is not None:
    compare = st.toggle(
        _("Compare with your model (trained at {time} on Train live)").format(
            time=user["trained_at"]
        ),
        key=COMPARE_KEY,
        help=_(
            "Your model learnt from the dataset's pictures only; its answer is shown beside the "
            "photo model's, for comparison."
        ),
    )
photos = photo_controls()
forget_removed({file_id for file_id, *_rest in photos})
if not photos:
    st.info(f"{_(TIP)}\n\n{_(SHOE_TIP)}", icon=":material/lightbulb:")

catalogue_items: list[dict] = []  # plain dicts for the catalogue's "save" controls, see below
for file_id, name, data in photos:
    outcome = result_for(file_id, data, model, f"photo {id(model)}")  # a new model: new answers
    if isinstance(outcome, str):
        st.error(f"**{plain(name)}**: {outcome}", icon=":material/broken_image:")
        continue
    yours = None
    if compare and user is not None:  # keyed by training time: a new model gets fresh answers
        yours = result_for(file_id, data, user["model"], f"yours {user['trained_at']}")
    show_result(name, outcome, yours, user)
    photo_why(model, outcome)
    catalogue_items.append(
        {
            "id": file_id,
            "predicted": outcome.predicted,
            "confidence": outcome.confidence,
            "model_input": np.asarray(outcome.prepared.model_input),
            "photo": data,
            "file_name": name,
            "none_of_the_ten": outcome.verdict is Verdict.OTHER,
        }
    )

# Keep what was classified: accept or correct each prediction and add it to the catalogue.
if catalogue_items:
    save_controls(catalogue_items, key_prefix="classify")
