"""AppTest: the Classify page shows an uploaded file's name as it is, never read as Markdown."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_demo.markdown_text import plain

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
NAME = "**big** [offer](http://evil.example) `x`_1.jpg"  # emphasis, a link, code
NOT_A_PHOTO = "<b>x</b> *broken*.jpg"


def _photo() -> bytes:
    scene = np.full((400, 300, 3), 210, np.uint8)
    scene[40:360, 90:210] = (30, 40, 90)
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    return out.getvalue()


def test_file_names_are_shown_as_text(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FMNIST_CATALOGUE_DB", str(tmp_path / "catalogue.sqlite3"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("fmnist_demo/pages/classify.py").run()
    at.file_uploader[0].set_value(
        [(NAME, _photo(), "image/jpeg"), (NOT_A_PHOTO, b"not a picture", "image/jpeg")]
    )
    at.run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    assert f"**{plain(NAME)}**" in shown
    assert not any(NAME in value for value in shown)  # never the raw Markdown
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"**{plain(NOT_A_PHOTO)}**: ")
