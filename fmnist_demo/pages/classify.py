"""Classify a photo: camera or uploads -> the verdict first, then what the model saw and why."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_demo import photo
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.evaluation import confidence
from fmnist_demo.pages._catalogue_ui import save_controls
from fmnist_demo.pages._common import current_user_model, visitor_now
from fmnist_demo.pages._photo_model_ui import active_photo_model
from fmnist_demo.photo_model import PhotoResult, Verdict, classify_photo
from fmnist_demo.plots import class_probability_chart

RESULTS_KEY = "classify_results"  # {(file id, "photo" or "yours"): PhotoResult or an error text}
SHOT_TIMES_KEY = "classify_shot_times"  # {file id: "14:05"}, when each camera photo was taken
COMPARE_KEY = "classify_compare"
KNOWN_KINDS = ", ".join(CLASS_NAMES)
TIP = (
    "Tip: lay the item flat on a plain background that contrasts with it (a dark item on a light "
    "sheet, a light item on a dark floor), and keep the whole item in the frame."
)
SHOE_TIP = (
    "Tip for shoes: photograph one shoe from the side on a plain background, as in a shop's "
    "product photo; that is how Fashion-MNIST shows shoes. A pair seen from above is often given "
    "the wrong kind."
)

for _key, _empty in ((RESULTS_KEY, {}), (SHOT_TIMES_KEY, {})):
    if _key not in st.session_state:
        st.session_state[_key] = _empty


def photo_controls() -> list[tuple[str, str, bytes]]:
    """Camera and upload widgets -> [(file id, name for a person, bytes)] of every photo given."""
    camera_tab, upload_tab = st.tabs(["Camera", "Upload photos"])
    with camera_tab:
        # 480 lines is all the pipeline uses (it works on at most 480 pixels), and is quick to send
        shot = st.camera_input(
            "Hold the item in front of the camera", key="classify_camera", resolution="480p"
        )
    with upload_tab:
        uploads = st.file_uploader(
            "Photos of clothes, shoes or bags (from a phone too)",
            type=None,  # anything is accepted here; the pipeline names the formats it reads
            accept_multiple_files=True,
            key="classify_upload",
            help=f"Picture files: {photo.FORMAT_NAMES}.",
        )
    given = []
    if shot is not None:
        times = st.session_state[SHOT_TIMES_KEY]
        taken = times.setdefault(shot.file_id, visitor_now().strftime("%H:%M"))
        given.append((shot.file_id, f"Camera photo, {taken}", shot.getvalue()))
    given += [(f.file_id, f.name, f.getvalue()) for f in uploads or []]
    return given


def forget_removed(file_ids: set[str]) -> None:
    """Drop kept results of photos no longer given, so the session does not grow without end."""
    for store in (st.session_state[RESULTS_KEY], st.session_state[SHOT_TIMES_KEY]):
        for key in [k for k in store if (k[0] if isinstance(k, tuple) else k) not in file_ids]:
            del store[key]


def result_for(file_id: str, data: bytes, model: Any, which: str) -> PhotoResult | str:
    """The photo's result, computed once per file and model and kept in the session."""
    results = st.session_state[RESULTS_KEY]
    key = (file_id, which)
    if key not in results:
        try:
            results[key] = classify_photo(model, data)
        except photo.PhotoError as exc:
            results[key] = str(exc)
    return results[key]


def verdict_box(result: PhotoResult) -> None:
    """The verdict in plain words: sure, not sure (with the runner-up and a tip), or none."""
    top, second = CLASS_NAMES[result.predicted], CLASS_NAMES[result.runner_up]
    verdict = result.verdict
    if verdict is Verdict.OTHER:
        st.info(
            "**This does not look like any of the ten kinds I know** "
            f"({confidence(result.other)} sure it is none of them).\n\n"
            f"I know only these: {KNOWN_KINDS}. A hat, a face, a wall or a pattern is none of "
            "them.",
            icon=":material/block:",
        )
    elif verdict is Verdict.SURE:
        st.success(f"**{top}** — sure ({confidence(result.confidence)})", icon=":material/check:")
    else:
        second_p = float(result.probabilities[result.runner_up])
        tip = SHOE_TIP if result.footwear else TIP
        st.warning(
            f"**Not sure.** Best guess **{top}** ({confidence(result.confidence)}), then "
            f"**{second}** ({confidence(second_p)}).\n\n{tip}",
            icon=":material/help:",
        )
    if result.footwear and verdict is not Verdict.OTHER:
        text = (
            f"**A shoe: {confidence(result.footwear_probability)}** (the three kinds of shoe "
            "added up). On phone photos, *shoe or not* comes out far more reliably than *which "
            "kind*, so check the kind."
        )
        if verdict is Verdict.SURE:  # the unsure verdict already carries the shoe tip
            text += f"\n\n{SHOE_TIP}"
        st.caption(text)


def comparison(result: PhotoResult | str, user: dict) -> None:
    """One line: what the visitor's own model (trained on Train live) says about the photo."""
    who = f"Your model (trained at {user['trained_at']})"
    if isinstance(result, str):
        return
    st.caption(
        f":material/compare_arrows: {who} says **{CLASS_NAMES[result.predicted]}** "
        f"({confidence(result.confidence)}). It learnt from the dataset's pictures only, so on "
        "photos the photo model above is the one to trust."
    )


def show_result(name: str, result: PhotoResult, yours: PhotoResult | str | None, user: Any) -> None:
    """The verdict first (on a phone too), then the photo, what the model saw and all ten kinds."""
    with st.container(border=True):
        st.markdown(f"**{name}**")
        verdict_box(result)
        if yours is not None:
            comparison(yours, user)
        if not result.prepared.separated:
            st.caption(
                ":material/crop_free: The item could not be told apart from the background, "
                "so the model was shown the whole photo."
            )
        shown, seen, chart = st.columns([2, 1, 3], vertical_alignment="center")
        shown.image(result.prepared.preview, caption="Your photo", width=220)
        seen.image(
            photo.enlarge(result.prepared.model_input, 4),
            caption="What the model sees: 28 × 28, light on black",
            width=112,
        )
        with chart:
            st.altair_chart(class_probability_chart(result.probabilities), width="stretch")


st.title("Classify a photo")
st.write(
    "Take a photo of a piece of clothing, a shoe or a bag, or upload several. The app finds the "
    "item, removes the background and shrinks it to 28 × 28 pixels, light on black, the way the "
    "Fashion-MNIST images were made; then the model names it, and says plainly when it is not "
    "sure or when the item is none of the ten kinds it knows."
)
model, description = active_photo_model()  # an improved model adopted in the catalogue, or ours
st.caption(f":material/inventory_2: Photo model in use: {description}.")
user = current_user_model()
compare = False
if user is not None:
    compare = st.toggle(
        f"Compare with your model (trained at {user['trained_at']} on Train live)",
        key=COMPARE_KEY,
        help="Your model learnt from the dataset's pictures only; its answer is shown beside the "
        "photo model's, for comparison.",
    )
photos = photo_controls()
forget_removed({file_id for file_id, _, _ in photos})
if not photos:
    st.info(f"{TIP}\n\n{SHOE_TIP}", icon=":material/lightbulb:")

catalogue_items: list[dict] = []  # plain dicts for the catalogue's "save" controls, see below
for file_id, name, data in photos:
    outcome = result_for(file_id, data, model, f"photo {id(model)}")  # a new model: new answers
    if isinstance(outcome, str):
        st.error(f"**{name}**: {outcome}", icon=":material/broken_image:")
        continue
    yours = None
    if compare and user is not None:  # keyed by training time: a new model gets fresh answers
        yours = result_for(file_id, data, user["model"], f"yours {user['trained_at']}")
    show_result(name, outcome, yours, user)
    catalogue_items.append(
        {
            "id": file_id,
            "predicted": outcome.predicted,
            "confidence": outcome.confidence,
            "model_input": np.asarray(outcome.prepared.model_input),
            "photo": data,
            "file_name": name,
        }
    )

# Keep what was classified: accept or correct each prediction and add it to the catalogue.
if catalogue_items:
    save_controls(catalogue_items, key_prefix="classify")
