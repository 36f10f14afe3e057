"""Classify a photo: camera or uploads -> the item found, what the model sees, ten probabilities."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_demo import photo
from fmnist_demo.data import CLASS_NAMES
from fmnist_demo.pages._catalogue_ui import save_controls
from fmnist_demo.pages._common import photo_model_choice
from fmnist_demo.photo_model import PhotoResult, classify_photo
from fmnist_demo.plots import class_probability_chart

RESULTS_KEY = "classify_results"  # {(file id, model label): PhotoResult or an error message}
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "avif"]
TIP = (
    "Tip: lay the item flat on a plain background that contrasts with it (a dark item on a light "
    "sheet, a light item on a dark floor), and keep the whole item in the frame."
)
SHOE_TIP = (
    "Tip for shoes: photograph one shoe from the side on a plain background, as in a shop's "
    "product photo; that is how Fashion-MNIST shows shoes. A pair seen from above is often given "
    "the wrong kind."
)

if RESULTS_KEY not in st.session_state:
    st.session_state[RESULTS_KEY] = {}


def photo_controls() -> list[tuple[str, str, bytes]]:
    """Camera and upload widgets -> [(file id, file name, bytes)] of every photo given."""
    camera_tab, upload_tab = st.tabs(["Camera", "Upload photos"])
    with camera_tab:
        shot = st.camera_input("Hold the item in front of the camera", key="classify_camera")
    with upload_tab:
        uploads = st.file_uploader(
            "Photos of clothes, shoes or bags (from a phone too)",
            type=UPLOAD_TYPES,
            accept_multiple_files=True,
            key="classify_upload",
        )
    files = ([shot] if shot is not None else []) + list(uploads or [])
    return [(f.file_id, f.name, f.getvalue()) for f in files]


def forget_removed(file_ids: set[str]) -> None:
    """Drop kept results of photos no longer given, so the session does not grow without end."""
    results = st.session_state[RESULTS_KEY]
    for key in [key for key in results if key[0] not in file_ids]:
        del results[key]


def result_for(file_id: str, data: bytes, model: Any, model_label: str) -> PhotoResult | str:
    """The photo's result, computed once per file and model and kept in the session."""
    results = st.session_state[RESULTS_KEY]
    key = (file_id, model_label)
    if key not in results:
        try:
            results[key] = classify_photo(model, data)
        except photo.PhotoError as exc:
            results[key] = str(exc)
    return results[key]


def shoe_note(result: PhotoResult) -> None:
    """For shoes: "a shoe" is far surer than which kind, on real photos; say both."""
    text = (
        f"**A shoe**: {result.footwear_probability:.0%} of the probability is on the three kinds "
        "of shoe. On phone photos, *shoe or not* comes out far more reliably than *which kind*, "
        "so check the kind."
    )
    if result.confident:  # the unsure verdict already carries the shoe tip
        text += f"\n\n{SHOE_TIP}"
    st.info(text, icon=":material/steps:")


def show_result(name: str, result: PhotoResult) -> None:
    """The photo, what the model sees, the verdict and the probability chart."""
    top, second = CLASS_NAMES[result.predicted], CLASS_NAMES[result.runner_up]
    with st.container(border=True):
        st.markdown(f"**{name}**")
        left, middle, right = st.columns([2, 2, 3])
        left.image(result.prepared.preview, caption="Your photo", width="stretch")
        middle.image(
            photo.enlarge(result.prepared.model_input),
            caption="What the model sees (28 × 28, light item on black)",
            width="stretch",
        )
        with right:
            if not result.prepared.separated:
                st.info(
                    "The item could not be told apart from the background, so the model was "
                    "shown the whole photo.",
                    icon=":material/crop_free:",
                )
            if result.confident:
                st.success(
                    f"**{top}** — {result.confidence:.0%} confident", icon=":material/check:"
                )
            else:
                second_p = float(result.probabilities[result.runner_up])
                tip = SHOE_TIP if result.footwear else TIP
                st.warning(
                    f"The model is not sure: its best guess is **{top}** at only "
                    f"{result.confidence:.0%}, then **{second}** at {second_p:.0%}.\n\n{tip}",
                    icon=":material/help:",
                )
            if result.footwear:
                shoe_note(result)
            st.altair_chart(class_probability_chart(result.probabilities), width="stretch")


st.title("Classify a photo")
st.write(
    "Take a photo of a piece of clothing, a shoe or a bag, or upload several. The app finds the "
    "item, removes the background and shrinks it to 28 × 28 pixels, light on black, the way the "
    "Fashion-MNIST images were made; then the model names it."
)
active = photo_model_choice(key="classify_model")
photos = photo_controls()
forget_removed({file_id for file_id, _, _ in photos})
if not photos:
    st.info(f"{TIP}\n\n{SHOE_TIP}", icon=":material/lightbulb:")

catalogue_items: list[dict] = []  # plain dicts for the catalogue's "save" controls, see below
for file_id, name, data in photos:
    outcome = result_for(file_id, data, active.model, active.label)
    if isinstance(outcome, str):
        st.error(f"**{name}**: {outcome}", icon=":material/broken_image:")
        continue
    show_result(name, outcome)
    catalogue_items.append(
        {
            "id": file_id,
            "predicted": outcome.predicted,
            "confidence": outcome.confidence,
            "model_input": outcome.prepared.model_input,
            "photo": data,
            "file_name": name,
        }
    )

# Keep what was classified: accept or correct each prediction and add it to the catalogue.
if catalogue_items:
    save_controls(catalogue_items, key_prefix="classify")
