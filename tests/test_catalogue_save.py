"""AppTest of saving from the Classify page: save_controls with one and with several items, on
SQLite and PostgreSQL; the staff passcode; what the session keeps; all of it in Bengali."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest import open_app
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo.catalogue import CatalogueStore
from fmnist_demo.catalogue_database import DB_ENV_VAR
from fmnist_demo.catalogue_saving import ANOTHER
from fmnist_demo.pages._save_controls import item_key

PREFIX = "classify-save"


def _classified(count: int, file_name: str = "item-{i}.png", lang: str = "en") -> None:
    """A stand-in for the Classify page: `count` classified photos (or as many as the session's
    "shown" says, as when photos are removed), each with its controls, then the save box; in
    `lang`, as the entry sets. Photo 0 got a sure verdict, the others a not-sure one."""
    import io

    import numpy as np
    import streamlit as st
    from PIL import Image

    from fmnist_demo import i18n
    from fmnist_demo.catalogue_saving import ClassifiedItem
    from fmnist_demo.pages._save_controls import item_controls, save_controls

    i18n.set_language(lang)
    items = []
    for i in range(st.session_state.get("shown", count)):
        photo = io.BytesIO()
        Image.new("RGB", (400, 300), (40 * i, 90, 160)).save(photo, format="PNG")
        items.append(
            ClassifiedItem(
                id=f"photo-{i}",
                predicted=7 + i % 3,  # Sneaker, Bag, Ankle boot
                confidence=0.6 + 0.1 * i,
                sure=i == 0,
                offered=(7 + i % 3, 5),  # ..., then Sandal
                model_input=np.full((28, 28), 0.1 * i, dtype=np.float32),
                photo=photo.getvalue(),
                file_name=file_name.format(i=i),
            )
        )
    for item in items:
        item_controls(item, key_prefix="classify-save")
    save_controls(items, key_prefix="classify-save")


def _app(count: int, secrets: dict | None = None, **kwargs) -> AppTest:
    at = AppTest.from_function(_classified, args=(count,), kwargs=kwargs, default_timeout=30)
    for name, value in (secrets or {}).items():
        at.secrets[name] = value
    at.run()
    assert not at.exception
    return at


def _key(item_id: str, part: str) -> str:
    return item_key(PREFIX, item_id, part)


def test_one_tap_saves_a_sure_prediction(any_db: CatalogueStore) -> None:
    at = _app(1)
    assert at.pills(key=_key("photo-0", "pick")).value == 7  # sure: its kind chosen, ticked
    assert at.checkbox(key=_key("photo-0", "keep")).value is True
    at.button(key=f"{PREFIX}-save-all").click().run()
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


def test_correcting_the_kind_with_name_and_note(any_db: CatalogueStore) -> None:
    at = _app(1)
    at.pills(key=_key("photo-0", "pick")).set_value(ANOTHER).run()
    at.pills(key=_key("photo-0", "another")).set_value(5).run()  # Sandal
    assert at.checkbox(key=_key("photo-0", "keep")).label == "Save as Sandal"
    at.text_input(key=_key("photo-0", "name")).input("  SANDAL-7 ")
    at.text_input(key=_key("photo-0", "note")).input("left only")
    at.button(key=f"{PREFIX}-save-all").click().run()
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
    at.pills(key=_key("photo-0", "pick")).set_value(ANOTHER).run()
    at.pills(key=_key("photo-0", "another")).set_value(8).run()
    at.text_input(key=_key("photo-0", "name")).input("BAG-1")
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert "The catalogue cannot save just now" in at.error[0].value
    assert "Nothing is lost" in at.error[0].value
    assert at.text_input(key=_key("photo-0", "name")).value == "BAG-1"
    assert at.pills(key=_key("photo-0", "another")).value == 8

    monkeypatch.setenv(DB_ENV_VAR, db.url.removeprefix("sqlite:///"))  # the disk is back
    at.button(key=f"{PREFIX}-save-all").click().run()
    (record,) = db.records()
    assert (record.confirmed, record.name) == (8, "BAG-1")


def test_several_photos_each_with_its_kind_saved_together(any_db: CatalogueStore) -> None:
    at = _app(3)
    assert [at.pills(key=_key(f"photo-{i}", "pick")).value for i in range(3)] == [7, None, None]
    assert at.button(key=f"{PREFIX}-save-all").label == "Save 1 to catalogue"
    # Staff tap Sandal for photo 1 and name it; photo 2 (not sure) waits
    at.pills(key=_key("photo-1", "pick")).set_value(5).run()
    at.text_input(key=_key("photo-1", "name")).input("S-1").run()
    assert at.button(key=f"{PREFIX}-save-all").label == "Save 2 to catalogue"
    captions = " ".join(c.value for c in at.caption)
    assert "as it was not sure: tap the kind of item-2.png" in captions
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert "Saved 2 to the catalogue" in " ".join(m.value for m in at.success)
    saved = sorted(any_db.records(), key=lambda r: r.id)
    assert [(r.predicted, r.confirmed, r.name) for r in saved] == [(7, 7, ""), (8, 5, "S-1")]

    at.run()  # a rerun does not save them twice, and the untapped photo stays out
    assert any_db.count() == 2
    assert "item-0.png (#1)" in " ".join(c.value for c in at.caption)


def test_a_refused_entry_saves_nothing(any_db: CatalogueStore) -> None:
    at = _app(2)
    at.pills(key=_key("photo-1", "pick")).set_value(8).run()
    at.session_state[_key("photo-0", "name")] = "two\nlines"
    at.run()
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert "Nothing was saved. item-0.png:" in at.error[0].value
    assert any_db.count() == 0


def test_a_locked_catalogue_asks_for_the_passcode_before_adding(any_db: CatalogueStore) -> None:
    import uuid

    passcode = f"tulip-{uuid.uuid4().hex[:8]}"
    at = _app(1, secrets={"catalogue": {"passcode": passcode}})
    assert not [b for b in at.button if b.key == f"{PREFIX}-save-all"]
    assert not at.pills
    box = at.text_input(key=f"{PREFIX}-passcode")
    assert box.label == "Staff passcode"
    assert at.button(key=f"{PREFIX}-unlock").label == "Unlock"

    box.input("not it")
    at.button(key=f"{PREFIX}-unlock").click().run()
    assert "That is not the staff passcode" in at.error[0].value
    assert not [b for b in at.button if b.key == f"{PREFIX}-save-all"]
    assert any_db.count() == 0


def test_the_right_passcode_then_adding_works(any_db: CatalogueStore) -> None:
    import uuid

    passcode = f"tulip-{uuid.uuid4().hex[:8]}"
    at = _app(1, secrets={"catalogue": {"passcode": passcode}})
    at.text_input(key=f"{PREFIX}-passcode").input(passcode)
    at.button(key=f"{PREFIX}-unlock").click().run()
    assert not at.exception and not at.error
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert "record #1" in at.success[0].value
    assert any_db.count() == 1


def test_what_the_session_keeps_goes_with_the_photos(db: CatalogueStore) -> None:
    at = _app(3)
    at.button(key=f"{PREFIX}-save-all").click().run()  # makes photo 0's thumbnail
    assert sorted(at.session_state[f"{PREFIX}-states"]) == ["photo-0", "photo-1", "photo-2"]
    at.session_state["shown"] = 1  # two photos removed on the Classify page
    at.run()
    assert sorted(at.session_state[f"{PREFIX}-states"]) == ["photo-0"]
    at.session_state["shown"] = 0
    at.run()
    assert at.session_state[f"{PREFIX}-thumbs"] == {}
    assert at.session_state[f"{PREFIX}-states"] == {}
    assert db.count() == 1


def test_a_file_name_is_shown_as_text(db: CatalogueStore) -> None:
    at = _app(2, file_name="![x](javascript:alert({i})) **{i}**.png")
    at.pills(key=_key("photo-1", "pick")).set_value(8).run()
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    at.run()
    shown = " ".join(m.value for m in at.caption)
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
    at.file_uploader[0].set_value([("item.jpg", _drawn_photo(30), "image/jpeg")])
    at.run()
    (pick,) = [p for p in at.pills if p.key.endswith("-pick")]
    result = next(iter(at.session_state["classify_results"].values()))
    if pick.value is None:  # not sure: one tap on its best guess
        pick.set_value(result.predicted).run()
    at.button(key="classify-save-all").click().run()
    assert not at.exception
    assert "Saved 1 to the catalogue as record #1" in _texts(at.success)
    (record,) = db.records()
    assert record.predicted == result.predicted and record.accepted
    assert record.image().shape == (28, 28)
    at.run()
    assert db.count() == 1


def test_saving_from_the_classify_page_with_several_photos(db: CatalogueStore) -> None:
    at = _classify_page()
    at.file_uploader[0].set_value(
        [(f"item-{i}.jpg", _drawn_photo(30 + 60 * i), "image/jpeg") for i in range(3)]
    )
    at.run()
    picks = [p.key for p in at.pills if p.key.endswith("-pick")]
    assert len(picks) == 3
    for n, key in enumerate(picks):  # the newest a Bag, the others Trousers, whatever the verdict
        at.pills(key=key).set_value(ANOTHER).run()
        at.pills(key=key.replace("-pick", "-another")).set_value(8 if n == 0 else 1).run()
    at.text_input(key=picks[0].replace("-pick", "-name")).input("BAG-1").run()
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
    kind = at.pills(key=_key("photo-0", "pick"))
    assert (kind.label, kind.options[0], kind.value) == ("ধরন", "স্নিকার", 7)
    assert kind.options[1:] == ["অন্য ধরন…", "দশটির কোনোটিই নয়"]
    assert at.checkbox(key=_key("photo-0", "keep")).label == "স্নিকার হিসেবে সংরক্ষণ করুন"
    kind.set_value(ANOTHER).run()
    at.pills(key=_key("photo-0", "another")).set_value(5).run()
    assert at.checkbox(key=_key("photo-0", "keep")).label == "স্যান্ডেল হিসেবে সংরক্ষণ করুন"
    assert latin_words(at) == []
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("ক্যাটালগে রেকর্ড #1 হিসেবে আছে।")  # in its card
    assert at.success[1].value == "1টি ক্যাটালগে সংরক্ষিত হয়েছে, রেকর্ড #1 হিসেবে।"
    assert latin_words(at) == []
    (record,) = db.records()
    assert (record.predicted, record.confirmed) == (7, 5)


def test_several_photos_in_bengali(db: CatalogueStore, bengali) -> None:
    at = _app(3, file_name="ছবি-{i}", lang="bn")
    assert latin_words(at) == []
    pick = at.pills(key=_key("photo-1", "pick"))
    assert pick.label == "নিশ্চিত নয়: এটি কোন ধরনের? একবার ছুঁয়ে বেছে নিন:"
    assert pick.options == ["ব্যাগ", "স্যান্ডেল", "অন্য ধরন…", "দশটির কোনোটিই নয়"]
    pick.set_value(5).run()
    at.text_input(key=_key("photo-1", "name")).input("৫").run()
    assert at.button(key=f"{PREFIX}-save-all").label == "2টি ক্যাটালগে সংরক্ষণ করুন"
    captions = " ".join(c.value for c in at.caption)
    assert "অ্যাপ নিশ্চিত ছিল না, তাই টিক দেয়নি: সংরক্ষণ করতে ছবি-2-এর ধরন" in captions
    at.button(key=f"{PREFIX}-save-all").click().run()
    assert not at.exception
    assert at.success[-1].value == "2টি ক্যাটালগে সংরক্ষিত হয়েছে, রেকর্ড #1, #2 হিসেবে।"
    at.run()
    assert latin_words(at) == []
    assert "ছবি-0 (#1), ছবি-1 (#2)" in " ".join(c.value for c in at.caption)
    saved = sorted(db.records(), key=lambda r: r.id)
    assert [(r.predicted, r.confirmed, r.name) for r in saved] == [(7, 7, ""), (8, 5, "৫")]


def test_a_locked_catalogue_in_bengali(db: CatalogueStore, bengali) -> None:
    import uuid

    at = _app(1, secrets={"catalogue": {"passcode": f"tulip-{uuid.uuid4().hex[:8]}"}}, lang="bn")
    assert at.text_input(key=f"{PREFIX}-passcode").label == "কর্মীদের পাসকোড"
    assert "ক্যাটালগে যোগ করতে কর্মীদের পাসকোড লাগে।" in " ".join(m.value for m in at.markdown)
    assert latin_words(at) == []
