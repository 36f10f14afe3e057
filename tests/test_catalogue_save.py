"""AppTest of saving from the Classify page: save_controls with one and with several items, on
SQLite and PostgreSQL; the staff passcode; what the session keeps; all of it in Bengali."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest import open_app
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo.catalogue import DB_ENV_VAR, CatalogueStore
from fmnist_demo.pages._catalogue_ui import item_key, table_key

PREFIX = "classify-save"


def _classified(count: int, file_name: str = "item-{i}.png", lang: str = "en") -> None:
    """A stand-in for the Classify page: `count` classified photos (or as many as the session's
    "shown" says, as when photos are removed), then save_controls; in `lang`, as the entry sets."""
    import io

    import numpy as np
    import streamlit as st
    from PIL import Image

    from fmnist_demo import i18n
    from fmnist_demo.pages._catalogue_ui import save_controls

    i18n.set_language(lang)
    items = []
    for i in range(st.session_state.get("shown", count)):
        photo = io.BytesIO()
        Image.new("RGB", (400, 300), (40 * i, 90, 160)).save(photo, format="PNG")
        items.append(
            {
                "id": f"photo-{i}",
                "predicted": 7 + i % 3,  # Sneaker, Bag, Ankle boot
                "confidence": 0.6 + 0.1 * i,
                "model_input": np.full((28, 28), 0.1 * i, dtype=np.float32),
                "photo": photo.getvalue(),
                "file_name": file_name.format(i=i),
            }
        )
    save_controls(items, key_prefix="classify-save")


def _app(count: int, secrets: dict | None = None, **kwargs) -> AppTest:
    at = AppTest.from_function(_classified, args=(count,), kwargs=kwargs, default_timeout=30)
    for name, value in (secrets or {}).items():
        at.secrets[name] = value
    at.run()
    assert not at.exception
    return at


def test_one_click_accepts_the_prediction(any_db: CatalogueStore) -> None:
    at = _app(1)
    assert at.selectbox(key=item_key(PREFIX, "photo-0", "class")).value == 7
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    assert not at.exception
    assert "record #1" in at.success[0].value
    (record,) = any_db.records()
    assert (record.predicted, record.confirmed, record.confidence) == (7, 7, 0.6)
    assert record.thumbnail[:2] == b"\xff\xd8"  # a JPEG
    assert record.image().shape == (28, 28)
    assert record.file_name == "item-0.png"

    at.run()  # a rerun does not save the item twice
    assert any_db.count() == 1
    assert not at.button
    assert "record #1" in at.success[0].value


def test_correcting_the_class_with_name_and_note(any_db: CatalogueStore) -> None:
    at = _app(1)
    at.selectbox(key=item_key(PREFIX, "photo-0", "class")).set_value(5)
    at.text_input(key=item_key(PREFIX, "photo-0", "name")).input("  SANDAL-7 ")
    at.text_input(key=item_key(PREFIX, "photo-0", "note")).input("left only")
    at.run()
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    (record,) = any_db.records()
    assert (record.predicted, record.confirmed, record.name, record.note) == (
        7,
        5,
        "SANDAL-7",
        "left only",
    )
    assert not record.accepted


def test_a_failed_save_says_so_and_keeps_what_was_typed(
    db: CatalogueStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(1)
    broken = tmp_path / "a-folder"
    broken.mkdir()
    monkeypatch.setenv(DB_ENV_VAR, str(broken))  # a folder is no database file
    at.selectbox(key=item_key(PREFIX, "photo-0", "class")).set_value(8)
    at.text_input(key=item_key(PREFIX, "photo-0", "name")).input("BAG-1")
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    assert not at.exception
    assert "The catalogue could not" in at.error[0].value
    assert "Nothing was saved; what you typed is still here" in at.error[0].value
    assert at.text_input(key=item_key(PREFIX, "photo-0", "name")).value == "BAG-1"
    assert at.selectbox(key=item_key(PREFIX, "photo-0", "class")).value == 8

    monkeypatch.setenv(DB_ENV_VAR, db.url.removeprefix("sqlite:///"))  # the disk is back
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    (record,) = db.records()
    assert (record.confirmed, record.name) == (8, "BAG-1")


def test_several_photos_are_corrected_in_one_table_and_saved_together(
    any_db: CatalogueStore,
) -> None:
    at = _app(3)
    (editor,) = at.data_editor
    assert list(editor.value["confirmed"]) == ["Sneaker", "Bag", "Ankle boot"]
    key = table_key(PREFIX, ["photo-0", "photo-1", "photo-2"])
    # Staff correct row 1 to Sandal and name it, and untick row 2.
    at.session_state[key] = {
        "edited_rows": {1: {"confirmed": "Sandal", "name": "S-1"}, 2: {"keep": False}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.button(key=f"{PREFIX}-save-all").label == "Save 2 to catalogue"
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert "Saved 2 to the catalogue" in at.success[0].value
    saved = sorted(any_db.records(), key=lambda r: r.id)
    assert [(r.predicted, r.confirmed, r.name) for r in saved] == [(7, 7, ""), (8, 5, "S-1")]

    at.run()  # a rerun does not save them twice, and the unticked photo stays out
    assert any_db.count() == 2
    assert not at.data_editor
    assert "item-0.png (#1)" in at.success[0].value


def test_a_refused_row_saves_nothing(any_db: CatalogueStore) -> None:
    at = _app(2)
    key = table_key(PREFIX, ["photo-0", "photo-1"])
    at.session_state[key] = {
        "edited_rows": {0: {"name": "two\nlines"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert "Row 1 (item-0.png)" in at.error[0].value
    assert any_db.count() == 0


def test_a_locked_catalogue_asks_for_the_passcode_before_adding(any_db: CatalogueStore) -> None:
    import uuid

    passcode = f"tulip-{uuid.uuid4().hex[:8]}"
    at = _app(1, secrets={"catalogue": {"passcode": passcode}})
    assert not [b for b in at.button if b.key == item_key(PREFIX, "photo-0", "add")]
    box = at.text_input(key=f"{PREFIX}-passcode")
    assert box.label == "Staff passcode"
    assert at.button(key=f"{PREFIX}-unlock").label == "Unlock"

    box.input("not it")
    at.button(key=f"{PREFIX}-unlock").click().run()
    assert "That is not the staff passcode" in at.error[0].value
    assert not [b for b in at.button if b.key == item_key(PREFIX, "photo-0", "add")]
    assert any_db.count() == 0


def test_the_right_passcode_then_adding_works(any_db: CatalogueStore) -> None:
    import uuid

    passcode = f"tulip-{uuid.uuid4().hex[:8]}"
    at = _app(1, secrets={"catalogue": {"passcode": passcode}})
    at.text_input(key=f"{PREFIX}-passcode").input(passcode)
    at.button(key=f"{PREFIX}-unlock").click().run()
    assert not at.exception and not at.error
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    assert "record #1" in at.success[0].value
    assert any_db.count() == 1


def test_what_the_session_keeps_goes_with_the_photos(db: CatalogueStore) -> None:
    at = _app(3)
    kept = at.session_state[f"{PREFIX}-thumbs"]
    assert sorted(kept) == ["photo-0", "photo-1", "photo-2"]
    at.session_state["shown"] = 1  # two photos removed on the Classify page
    at.run()
    assert sorted(at.session_state[f"{PREFIX}-thumbs"]) == ["photo-0"]
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    at.session_state["shown"] = 0
    at.run()
    assert at.session_state[f"{PREFIX}-thumbs"] == {}
    assert at.session_state[f"{PREFIX}-saved"] == {}
    assert db.count() == 1


def test_a_file_name_is_shown_as_text(db: CatalogueStore) -> None:
    at = _app(2, file_name="![x](javascript:alert({i})) **{i}**.png")
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    at.run()
    shown = " ".join(m.value for m in at.success)
    assert "In the catalogue" in shown
    assert "](javascript" not in shown and "![" not in shown and "**" not in shown
    assert {r.file_name for r in db.records()} == {
        "![x](javascript:alert(0)) **0**.png",
        "![x](javascript:alert(1)) **1**.png",
    }


# -- the real Classify page ---------------------------------------------------------------------

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
CLASSIFY = "fmnist_demo/pages/classify.py"


def _drawn_photo(shade: int) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    scene = np.full((400, 300, 3), 215, np.uint8)  # a dark item on a light floor
    scene[40:360, 90:210] = (shade, 40, 90)
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    return out.getvalue()


def _classify_page() -> AppTest:
    return open_app(CLASSIFY)


def _texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_saving_from_the_classify_page_with_one_photo(db: CatalogueStore) -> None:
    at = _classify_page()
    at.file_uploader(key="classify_upload").set_value(
        [("item.jpg", _drawn_photo(30), "image/jpeg")]
    )
    at.run()
    (add,) = [b for b in at.button if b.label.startswith("Add to catalogue as")]
    predicted = add.label.removeprefix("Add to catalogue as ")
    add.click().run()
    assert not at.exception
    assert "Saved to the catalogue as record #1" in _texts(at.success)
    (record,) = db.records()
    assert record.predicted_name == predicted and record.accepted
    assert record.image().shape == (28, 28)
    at.run()
    assert db.count() == 1


def test_saving_from_the_classify_page_with_several_photos(db: CatalogueStore) -> None:
    at = _classify_page()
    at.file_uploader(key="classify_upload").set_value(
        [(f"item-{i}.jpg", _drawn_photo(30 + 60 * i), "image/jpeg") for i in range(3)]
    )
    at.run()
    (editor,) = at.data_editor
    assert list(editor.value["file"]) == ["item-0.jpg", "item-1.jpg", "item-2.jpg"]
    at.session_state[editor.key] = {
        "edited_rows": {0: {"confirmed": "Bag", "name": "BAG-1"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="classify-save-all").click().run()
    assert not at.exception
    assert "Saved 3 to the catalogue" in _texts(at.success)
    records = {r.name: r for r in db.records()}
    assert records["BAG-1"].confirmed == 8
    assert db.count() == 3


# -- in Bengali ---------------------------------------------------------------------------------


def test_one_photo_in_bengali(db: CatalogueStore, bengali) -> None:
    at = _app(1, file_name="ছবি-{i}", lang="bn")
    assert latin_words(at) == []
    kind = at.selectbox(key=item_key(PREFIX, "photo-0", "class"))
    assert (kind.label, kind.options[7], kind.value) == ("ধরন", "স্নিকার", 7)
    add = at.button(key=item_key(PREFIX, "photo-0", "add"))
    assert add.label == "স্নিকার হিসেবে ক্যাটালগে যোগ করুন"
    kind.set_value(5).run()
    assert add.label != at.button(key=item_key(PREFIX, "photo-0", "add")).label
    at.button(key=item_key(PREFIX, "photo-0", "add")).click().run()
    assert not at.exception
    assert at.success[0].value == "ক্যাটালগে রেকর্ড #1 হিসেবে সংরক্ষিত হয়েছে।"
    at.run()
    assert at.success[0].value.startswith("ক্যাটালগে রেকর্ড #1 হিসেবে আছে।")
    assert latin_words(at) == []
    (record,) = db.records()
    assert (record.predicted, record.confirmed) == (7, 5)


def test_several_photos_in_bengali(db: CatalogueStore, bengali) -> None:
    at = _app(3, file_name="ছবি-{i}", lang="bn")
    assert latin_words(at) == []
    (editor,) = at.data_editor
    assert list(editor.value["confirmed"]) == ["স্নিকার", "ব্যাগ", "অ্যাঙ্কেল বুট"]
    at.session_state[table_key(PREFIX, ["photo-0", "photo-1", "photo-2"])] = {
        "edited_rows": {1: {"confirmed": "স্যান্ডেল", "name": "৫"}, 2: {"keep": False}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.button(key=f"{PREFIX}-save-all").label == "2টি ক্যাটালগে সংরক্ষণ করুন"
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert at.success[0].value == "2টি ক্যাটালগে সংরক্ষিত হয়েছে, রেকর্ড #1, #2 হিসেবে।"
    at.run()
    assert latin_words(at) == []
    assert "ছবি-0 (#1), ছবি-1 (#2)" in at.success[0].value
    saved = sorted(db.records(), key=lambda r: r.id)
    assert [(r.predicted, r.confirmed, r.name) for r in saved] == [(7, 7, ""), (8, 5, "৫")]


def test_a_locked_catalogue_in_bengali(db: CatalogueStore, bengali) -> None:
    import uuid

    at = _app(1, secrets={"catalogue": {"passcode": f"tulip-{uuid.uuid4().hex[:8]}"}}, lang="bn")
    assert at.text_input(key=f"{PREFIX}-passcode").label == "কর্মীদের পাসকোড"
    assert "ক্যাটালগে যোগ করতে কর্মীদের পাসকোড লাগে।" in " ".join(m.value for m in at.markdown)
    assert latin_words(at) == []
