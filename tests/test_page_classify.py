"""AppTest of the Classify page: uploads and the camera give a result per photo, bad files a plain
error, and reruns reuse the results kept in the session."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card
from fmnist_demo.data import CLASS_NAMES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")  # AppTest resolves relative paths against this test file
PAGE = "fmnist_demo/pages/classify.py"
DEV_PHOTOS = Path(os.environ.get("FMNIST_PHOTOS_DIR", "/work/shared/real-photos"))


def _photo_bytes() -> bytes:
    """A real dev photo when the folder is there, else a drawn one (dark item, light floor)."""
    real = DEV_PHOTOS / "1_pants_001.jpg"
    if real.is_file():
        return real.read_bytes()
    scene = np.full((400, 300, 3), 210, np.uint8)
    scene[40:360, 90:210] = (30, 40, 90)
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def _verdicts(at: AppTest) -> list[str]:
    """The text of every verdict (confident or not)."""
    return [e.value for e in at.success] + [e.value for e in at.warning]


def test_page_shows_the_active_model_and_the_inputs(page):
    captions = " ".join(c.value for c in page.caption)
    assert "Active model" in captions
    real = read_card(PHOTO_MODEL_PATH)["real_photo_accuracy"]["accuracy"]
    assert f"right on {real:.0%} of real phone photos" in captions  # honest about real photos
    assert page.file_uploader(key="classify_upload").accept_multiple_files
    assert len(page.camera_input) == 1
    tips = " ".join(i.value for i in page.info)  # before any photo: how to take a good one
    assert "plain background" in tips and "one shoe from the side" in tips


def test_upload_a_photo_and_a_non_image(page):
    page.file_uploader(key="classify_upload").set_value(
        [
            ("trousers.jpg", _photo_bytes(), "image/jpeg"),
            ("notes.jpg", b"shopping list: socks, a shirt\n" * 10, "image/jpeg"),
        ]
    )
    page.run()
    assert not page.exception
    errors = [e.value for e in page.error]
    assert len(errors) == 1 and "notes.jpg" in errors[0] and "not a picture" in errors[0]
    verdicts = _verdicts(page)
    assert len(verdicts) == 1
    assert any(name in verdicts[0] for name in CLASS_NAMES)
    assert len(page.get("vega_lite_chart")) == 1  # the ten-class probability chart
    results = page.session_state["classify_results"]
    assert len(results) == 2

    page.run()  # a rerun reuses the session's results
    assert not page.exception
    assert len(page.session_state["classify_results"]) == 2
    assert _verdicts(page) == verdicts


def test_camera_photo_is_classified(page):
    page.camera_input(key="classify_camera").set_value(("shot.jpg", _photo_bytes(), "image/jpeg"))
    page.run()
    assert not page.exception
    assert not page.error
    assert len(_verdicts(page)) == 1


def test_a_shoe_says_shoe_or_not_apart_from_which_kind(page):
    boot = DEV_PHOTOS / "9_shoes_007.jpg"  # an ankle boot from the side, like the dataset's
    if not boot.is_file():
        pytest.skip("the development photos are not here (set FMNIST_PHOTOS_DIR)")
    page.file_uploader(key="classify_upload").set_value(
        [
            ("boot.jpg", boot.read_bytes(), "image/jpeg"),
            ("trousers.jpg", _photo_bytes(), "image/jpeg"),
        ]
    )
    page.run()
    assert not page.exception
    notes = [e.value for e in page.info if "A shoe" in e.value]
    assert len(notes) == 1  # for the boot, not for the trousers
    assert "of the probability is on the three kinds of shoe" in notes[0]
    assert "which kind" in notes[0]
    assert "photograph one shoe from the side" in notes[0]
    results = page.session_state["classify_results"]
    boot_result = next(r for (file_id, _), r in results.items() if r.footwear)
    assert f"{boot_result.footwear_probability:.0%}" in notes[0]
