"""AppTest of the Classify page: each of the three verdicts (sure, not sure, not one of the ten
kinds), bad files in plain words, a camera photo named for a person, the visitor's own model as a
comparison only, and reruns reusing the results kept in the session."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_demo import photo
from fmnist_demo.data import CLASS_NAMES, kind_name
from fmnist_demo.pages._save_controls import item_key
from fmnist_demo.pages._user_model_ui import USER_MODEL_KEY
from fmnist_demo.user_model import UserModel

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")  # AppTest resolves relative paths against this test file
PAGE = "fmnist_demo/pages/classify.py"
DEV_PHOTOS = Path(os.environ.get("FMNIST_PHOTOS_DIR", "missing"))
OTHER_ITEMS = Path(os.environ.get("FMNIST_OTHER_DIR", "missing"))


def _dev_photo(name: str, folder: Path = DEV_PHOTOS) -> bytes:
    path = folder / name
    if not path.is_file():
        pytest.skip(f"{name} is not here (set FMNIST_PHOTOS_DIR and FMNIST_OTHER_DIR)")
    return path.read_bytes()


def _drawn_photo() -> bytes:
    """A drawn scene: a tall dark item on a light floor."""
    scene = np.full((400, 300, 3), 210, np.uint8)
    scene[40:360, 90:210] = (30, 40, 90)
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "JPEG")
    return out.getvalue()


def _bars() -> bytes:
    """A camera test pattern: seven colour bars."""
    colours = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192)]
    colours += [(192, 0, 0), (0, 0, 192)]
    scene = np.repeat(np.array(colours, np.uint8)[None], 360, axis=0).repeat(70, axis=1)
    out = io.BytesIO()
    Image.fromarray(scene).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def page() -> AppTest:
    return open_app(PAGE)


def _upload(page: AppTest, *files: tuple[str, bytes]) -> None:
    page.file_uploader[0].set_value([(name, data, "image/jpeg") for name, data in files])
    page.run()
    assert not page.exception


def test_page_names_the_photo_model_and_how_right_it_is(page):
    from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card, unseen_figures
    from fmnist_demo.formatting import percent

    captions = " ".join(c.value for c in page.caption)
    dev = unseen_figures(read_card(PHOTO_MODEL_PATH))["calibrated"]
    assert "Photo model in use" in captions
    assert f"right on {percent(dev['accuracy'])} of phone photos it never saw" in captions
    assert page.file_uploader[0].accept_multiple_files
    assert len(page.camera_input) == 1
    tips = " ".join(i.value for i in page.info)  # before any photo: how to take a good one
    assert "plain background" in tips and "one shoe from the side" in tips
    assert not page.toggle  # no comparison offered before the visitor has trained a model


def test_clear_trousers_are_sure(page):
    _upload(page, ("trousers.jpg", _dev_photo("1_pants_001.jpg")))
    assert [s.value for s in page.success] == [page.success[0].value]
    assert "**Trouser** — sure (" in page.success[0].value
    assert not page.warning and not page.error
    bars = [h.value for h in page.html if "fm-probs" in h.value]
    assert len(bars) == 1 and "fm-row fm-top" in bars[0]  # all ten kinds, trousers marked
    assert re.search(r"fm-top[^>]*><span class=\"fm-name\">Trouser<", bars[0])
    assert not page.get("vega_lite_chart")  # no chart library to load on a phone


def test_a_hat_and_a_test_pattern_are_not_given_a_sure_verdict(page):
    _upload(page, ("hat.jpg", _dev_photo("dev_hat_001.jpg", OTHER_ITEMS)), ("bars.png", _bars()))
    assert not page.success  # never a confident "Bag"
    words = " ".join(e.value for e in [*page.info, *page.warning])
    assert "does not look like any of the ten kinds I know" in words or "Not sure" in words
    results = page.session_state["classify_results"]
    assert all(r.verdict.value != "sure" for r in results.values())


def test_an_in_between_case_is_unsure(page):
    from fmnist_demo.photo_model import PhotoResult, Verdict

    _upload(page, ("trousers.jpg", _dev_photo("1_pants_001.jpg")))
    result = next(iter(page.session_state["classify_results"].values()))
    # halfway between trousers and a dress: the model's own probabilities for both, averaged
    blend = (result.probabilities + np.roll(result.probabilities, 2)) / 2
    between = PhotoResult(prepared=result.prepared, probabilities=blend, other=result.other)
    assert between.verdict is Verdict.UNSURE
    page.session_state["classify_results"] = {
        key: between for key in page.session_state["classify_results"]
    }
    page.run()
    assert not page.success
    unsure = page.warning[0].value
    assert unsure.startswith("**Not sure.** Best guess **") and "then **" in unsure


def test_a_shown_not_one_of_the_ten_lists_the_kinds(page):
    from fmnist_demo.data import CLASS_NAMES
    from fmnist_demo.photo_model import OTHER_AT, PhotoResult

    _upload(page, ("thing.jpg", _drawn_photo()))
    key, result = next(iter(page.session_state["classify_results"].items()))
    kinds = result.probabilities * (1 - OTHER_AT - 0.05)
    none = PhotoResult(prepared=result.prepared, probabilities=kinds, other=OTHER_AT + 0.05)
    page.session_state["classify_results"] = {key: none}
    page.run()
    words = " ".join(i.value for i in page.info)
    assert "does not look like any of the ten kinds I know" in words
    assert all(name in words for name in CLASS_NAMES)
    assert not page.success and not page.warning


def _file_ids(at: AppTest) -> dict[str, str]:
    """File name -> file id, for the photos kept in the visit."""
    return {e.name: file_id for file_id, e in at.session_state["classify_visit"].photos.items()}


def _pick(at: AppTest, file_id: str):
    return at.pills(key=item_key("classify", file_id, "pick"))


def _ticks(at: AppTest) -> dict[str, bool]:
    """Save ticks shown: item id -> ticked."""
    return {
        c.key.removeprefix("classify-").removesuffix("-keep"): c.value
        for c in at.checkbox
        if c.key and c.key.endswith("-keep")
    }


def _folded(at: AppTest) -> list:
    """The folded photo cards (not the page's "How it works", nor a photo's "Why this answer?")."""
    return [e for e in at.expander if e.label not in ("How it works", "Why this answer?")]


SURE, UNSURE, HAT = "1_pants_009.jpg", "3_dress_037.jpg", "dev_hat_004.jpg"


def _three(at: AppTest) -> dict[str, str]:
    """A sure pair of trousers, a not-sure dress and a hat, uploaded together."""
    _upload(
        at,
        ("trousers.jpg", _dev_photo(SURE)),
        ("dress.jpg", _dev_photo(UNSURE)),
        ("hat.jpg", _dev_photo(HAT, OTHER_ITEMS)),
    )
    ids = _file_ids(at)
    results = {k[0]: v for k, v in at.session_state["classify_results"].items()}
    assert results[ids["trousers.jpg"]].verdict.value == "sure"
    assert results[ids["dress.jpg"]].verdict.value == "unsure"
    assert results[ids["hat.jpg"]].verdict.value != "sure"
    return ids


def test_only_a_sure_verdict_is_ticked_and_a_not_sure_one_asks_for_one_tap(page, db):
    from fmnist_demo.catalogue_saving import ANOTHER

    ids = _three(page)
    results = {k[0]: v for k, v in page.session_state["classify_results"].items()}
    assert _ticks(page) == {ids["trousers.jpg"]: True}  # the dress waits for a tap; the hat too
    assert page.button(key="classify-save-all").label == "Save 1 to catalogue"
    dress = _pick(page, ids["dress.jpg"])
    offered = results[ids["dress.jpg"]].offered
    assert dress.value is None and dress.options == [
        *(kind_name(k) for k in offered),
        "Another kind…",
        "None of the ten",
    ]
    hat = _pick(page, ids["hat.jpg"])
    assert hat.value is None
    assert not set(hat.options) & set(CLASS_NAMES)  # a hat shows no kind until one is chosen
    # one tap on the dress's best guess ticks it; "another kind" opens all ten for the hat
    dress.set_value(offered[0]).run()
    _pick(page, ids["hat.jpg"]).set_value(ANOTHER).run()
    ten = page.pills(key=item_key("classify", ids["hat.jpg"], "another"))
    assert ten.options == list(CLASS_NAMES) and ten.value is None
    assert _ticks(page) == {ids["trousers.jpg"]: True, ids["dress.jpg"]: True}
    assert page.button(key="classify-save-all").label == "Save 2 to catalogue"
    page.button(key="classify-save-all").click().run()
    assert not page.exception
    assert sorted((r.predicted, r.confirmed) for r in db.records()) == sorted(
        [(1, 1), (results[ids["dress.jpg"]].predicted, offered[0])]
    )
    assert ids["hat.jpg"] not in _ticks(page)  # still there, unsaved


def test_a_hat_is_never_ticked_whatever_its_verdict(page, db):
    from fmnist_demo.photo_model import PhotoResult

    ids = _three(page)
    results = page.session_state["classify_results"]
    # a hat the model was merely "not sure" about (best guess Shirt) is not ticked either
    (hat_key,) = [key for key in results if key[0] == ids["hat.jpg"]]
    shirt = np.full(10, 0.03, np.float32)
    shirt[6] = 0.69
    results[hat_key] = PhotoResult(results[hat_key].prepared, shirt, other=0.04)
    page.run()
    assert ids["hat.jpg"] not in _ticks(page)
    assert _pick(page, ids["hat.jpg"]).value is None
    page.button(key="classify-save-all").click().run()
    assert [r.confirmed for r in db.records()] == [1]  # the trousers only


def test_saved_means_the_view_changes_at_once_and_says_who_left_what_out(page, db):
    ids = _three(page)
    page.checkbox(key=item_key("classify", ids["trousers.jpg"], "keep")).uncheck().run()
    _pick(page, ids["dress.jpg"]).set_value(3).run()  # Dress
    captions = " ".join(c.value for c in page.caption)
    assert "Left out by you: trousers.jpg." in captions
    assert "as it found none of the ten kinds: hat.jpg." in captions
    page.button(key="classify-save-all").click().run()  # one tap, one run
    assert not page.exception
    assert [r.confirmed for r in db.records()] == [3]
    assert "Saved 1 to the catalogue as record #1." in [s.value for s in page.success]
    assert not [b for b in page.button if b.key == "classify-save-all"]  # nothing left ticked
    assert not [p for p in page.pills if p.key == item_key("classify", ids["dress.jpg"], "pick")]
    words = " ".join(m.value for m in [*page.success, *page.markdown, *page.caption])
    assert "In the catalogue as record #1" in words
    captions = " ".join(c.value for c in page.caption)
    assert "Left out by you: trousers.jpg." in captions  # the person's doing
    assert "as it found none of the ten kinds: hat.jpg." in captions  # the app's
    assert "you unticked" not in captions
    page.run()
    assert db.count() == 1  # never twice


def test_a_database_that_cannot_save_keeps_the_items_to_save_later(page, db, tmp_path, monkeypatch):
    from fmnist_demo.catalogue_database import DB_ENV_VAR

    ids = _three(page)
    page.text_input(key=item_key("classify", ids["trousers.jpg"], "name")).input("TR-1").run()
    broken = tmp_path / "a-folder"
    broken.mkdir()
    monkeypatch.setenv(DB_ENV_VAR, str(broken))  # the database is down
    page.button(key="classify-save-all").click().run()
    assert not page.exception
    (error,) = [e.value for e in page.error]
    assert "cannot save just now" in error and "Nothing is lost" in error
    assert page.button(key="classify-save-all").label == "Try again: save 1 to catalogue"
    assert _ticks(page) == {ids["trousers.jpg"]: True}
    page.run()  # still there on the next tap elsewhere
    assert "cannot save just now" in " ".join(e.value for e in page.error)
    monkeypatch.setenv(DB_ENV_VAR, db.url.removeprefix("sqlite:///"))  # it answers again
    page.button(key="classify-save-all").click().run()
    assert [(r.confirmed, r.name) for r in db.records()] == [(1, "TR-1")]
    assert not page.error


def test_the_newest_photo_comes_first_and_the_others_fold(page):
    _upload(page, ("trousers.jpg", _dev_photo(SURE)))
    assert not page.file_uploader[0].value  # taken in: the uploader is ready for the next
    _upload(page, ("dress.jpg", _dev_photo(UNSURE)))
    names = [m.value for m in page.markdown if m.value.startswith("**")]
    assert names[0] == "**dress.jpg**"  # the newest, unfolded, first
    (folded,) = _folded(page)
    assert folded.label.startswith("**trousers.jpg** · Trouser, sure · to save as Trouser")


def test_another_page_and_back_keeps_the_photos_and_the_choices(page):
    ids = _three(page)
    _pick(page, ids["dress.jpg"]).set_value(3).run()
    page.text_input(key=item_key("classify", ids["dress.jpg"], "name")).input("D-7").run()
    page.switch_page("fmnist_demo/pages/home.py").run()
    page.switch_page(PAGE).run()
    assert not page.exception
    assert len(_folded(page)) == 2 and any(m.value == "**hat.jpg**" for m in page.markdown)
    assert _pick(page, ids["dress.jpg"]).value == 3
    assert page.text_input(key=item_key("classify", ids["dress.jpg"], "name")).value == "D-7"
    assert page.button(key="classify-save-all").label == "Save 2 to catalogue"


def test_a_reload_brings_back_the_verdicts_not_yet_saved(page):
    ids = _three(page)
    _pick(page, ids["dress.jpg"]).set_value(3).run()
    token = page.query_params["photos"]
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params["photos"] = token  # a reload: a new session, the same address
    again.switch_page(PAGE).run()
    assert not again.exception
    assert len(_folded(again)) == 2
    shown = " ".join(e.label for e in _folded(again))
    assert "trousers.jpg" in shown and "dress.jpg" in shown
    assert _pick(again, ids["dress.jpg"]).value == 3
    assert again.button(key="classify-save-all").label == "Save 2 to catalogue"
    stranger = AppTest.from_file(APP, default_timeout=120)
    stranger.query_params["photos"] = "not-a-kept-token"
    stranger.switch_page(PAGE).run()
    assert not stranger.exception and not _folded(stranger)


def test_a_photos_bars_add_up_with_none_of_the_ten(page):
    _upload(page, ("hat.jpg", _dev_photo(HAT, OTHER_ITEMS)))
    (bars,) = [h.value for h in page.html if "fm-probs" in h.value]
    widths = [float(w) for w in re.findall(r'style="width:([\d.]+)%"', bars)]
    assert len(widths) == 11 and "None of the ten kinds" in bars
    assert sum(widths) == pytest.approx(100.0, abs=0.5)


def test_bad_files_get_plain_words(page):
    _upload(
        page,
        ("notes.txt", b"shopping list: socks, a shirt\n" * 10),
        ("drawing.ppm", b"P6 4 4 255\n" + bytes(48)),
        ("thing.jpg", _drawn_photo()),
    )
    errors = [e.value for e in page.error]
    assert len(errors) == 2
    assert "notes.txt" in errors[0] and photo.FORMAT_NAMES in errors[0]
    assert "drawing.ppm" in errors[1] and photo.FORMAT_NAMES in errors[1]
    assert len(page.session_state["classify_results"]) == 3
    page.run()  # a rerun reuses the session's results
    assert not page.exception and len(page.session_state["classify_results"]) == 3


def test_camera_photo_is_named_for_a_person(page):
    page.camera_input[0].set_value(("shot.jpg", _drawn_photo(), "image/jpeg"))
    page.run()
    assert not page.exception and not page.error
    names = [m.value for m in page.markdown if m.value.startswith("**Camera photo, ")]
    assert len(names) == 1 and re.fullmatch(r"\*\*Camera photo, \d\d\\?:\d\d\*\*", names[0])


def _your_model() -> UserModel:
    """A model the visitor trained at 14:05, as Train live keeps it; untrained, so its answers
    differ from the photo model's."""
    from fmnist_demo.model import build_model

    return UserModel(
        model=build_model(128),
        token="t0",
        trained_at="14:05",
        hidden_units=128,
        epochs=1,
        samples=600,
        train_accuracy=0.5,
        test_accuracy=0.5,
    )


def test_your_model_is_a_comparison_not_a_replacement(page, fmnist):
    page.session_state[USER_MODEL_KEY] = _your_model()
    page.run()
    toggle = page.toggle(key="classify_compare")
    assert "trained at 14:05" in toggle.label and toggle.value is False
    _upload(page, ("trousers.jpg", _drawn_photo()))
    captions = " ".join(c.value for c in page.caption)
    assert "Your model (trained at 14:05) says" not in captions  # off until asked
    before = {k: v for k, v in page.session_state["classify_results"].items()}
    page.toggle(key="classify_compare").set_value(True)
    page.run()
    assert not page.exception
    captions = " ".join(c.value for c in page.caption)
    assert "Your model (trained at 14:05) says" in captions
    results = page.session_state["classify_results"]
    photo_key = next(k for k in results if k[1].startswith("photo"))
    assert results[photo_key] is before[photo_key]  # the verdict still comes from the photo model


# -- in Bengali ---------------------------------------------------------------------------------

# The visitor's own file names ("notes.txt", "thing.jpg") are shown as they were given
FILE_NAME_WORDS = {"trousers", "jpg", "notes", "txt", "thing"}


@pytest.fixture
def bengali_page(bengali) -> AppTest:
    """The page opened in Bengali, with this thread in Bengali too (the `bengali` fixture):
    AppTest formats the widgets' values (format_func) in the test's own thread."""
    return open_app(PAGE, lang="bn")


def _latin(at: AppTest) -> list[str]:
    from i18n_check import ALLOWED, latin_words

    return latin_words(at, ALLOWED | FILE_NAME_WORDS)  # a file's name is the visitor's own word


def test_the_page_in_bengali_a_real_photo_and_a_file_that_is_not_one(bengali_page):
    from fmnist_demo import i18n

    at = bengali_page
    assert at.title[0].value == "ছবি চেনানো"
    assert _latin(at) == []
    tips = " ".join(i.value for i in at.info)
    assert "পরামর্শ: জিনিসটি এমন একরঙা পটভূমিতে" in tips and "জুতার জন্য পরামর্শ" in tips
    _upload(
        at,
        ("trousers.jpg", _dev_photo("1_pants_001.jpg")),
        ("notes.txt", b"shopping list: socks, a shirt\n" * 10),
    )
    assert _latin(at) == []
    (sure,) = [s.value for s in at.success]
    assert sure.startswith("**ট্রাউজার** — নিশ্চিত (")
    (error,) = [e.value for e in at.error]
    assert error.startswith("**notes.txt**: এই ফাইলটি এমন কোনো ছবি নয় যা এই অ্যাপ পড়তে পারে।")
    assert error.endswith("JPEG, PNG, WebP, AVIF, GIF, BMP বা TIFF।")
    captions = " ".join(c.value for c in at.caption)
    assert "ব্যবহৃত ছবির মডেল: সঙ্গে দেওয়া ছবির মডেল" in captions
    # the visitor changes the language: the same file's message in the new one, nothing redone
    kept = dict(at.session_state["classify_results"])
    at.session_state["lang"] = "en"
    at.run()  # the widgets' values are read in the language of the page being left
    i18n.set_language("en")
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("**notes.txt**: This file is not a picture this app can read.")
    assert at.success[0].value.startswith("**Trouser** — sure (")
    photo_keys = [k for k, v in kept.items() if not isinstance(v, str)]
    assert all(at.session_state["classify_results"][k] is kept[k] for k in photo_keys)


def test_unsure_shoes_and_none_of_the_ten_in_bengali(bengali_page):
    from fmnist_demo.photo_model import OTHER_AT, PhotoResult

    at = bengali_page
    _upload(at, ("thing.jpg", _drawn_photo()))
    key, result = next(iter(at.session_state["classify_results"].items()))
    shoes = np.full(10, 0.01, np.float32)
    # a sneaker, a sandal or a bag: kind unsure, and not surely a shoe (68 %, see the sure shoe)
    shoes[[5, 7, 9, 8]] = (0.28, 0.38, 0.02, 0.25)
    at.session_state["classify_results"] = {
        key: PhotoResult(prepared=result.prepared, probabilities=shoes, other=0.0)
    }
    at.run()
    assert not at.exception and _latin(at) == []
    unsure = at.warning[0].value
    assert unsure.startswith("**নিশ্চিত নয়।** সবচেয়ে সম্ভাব্য উত্তর **স্নিকার** (38\u00a0%), তারপর ")
    assert "**স্যান্ডেল** (28\u00a0%)" in unsure and "জুতার জন্য পরামর্শ" in unsure
    captions = " ".join(c.value for c in at.caption)
    assert "**জুতা: 68\u00a0%** (তিন ধরনের জুতার সম্ভাবনা যোগ করে)" in captions
    none = PhotoResult(
        prepared=result.prepared,
        probabilities=result.probabilities * (1 - OTHER_AT - 0.05),
        other=OTHER_AT + 0.05,
    )
    at.session_state["classify_results"] = {key: none}
    at.run()
    assert not at.exception and _latin(at) == []
    words = " ".join(i.value for i in at.info)
    assert "**এটি আমার চেনা দশ ধরনের কোনোটিই নয় বলে মনে হচ্ছে** (35\u00a0% নিশ্চিত" in words
    assert "টি-শার্ট/টপ, ট্রাউজার, পুলওভার, ড্রেস, কোট, স্যান্ডেল, শার্ট, স্নিকার, ব্যাগ, " in words


def test_a_camera_photo_and_your_model_in_bengali(bengali_page):
    at = bengali_page
    at.session_state[USER_MODEL_KEY] = _your_model()
    at.run()
    toggle = at.toggle(key="classify_compare")
    assert toggle.label == "আপনার মডেলের সঙ্গে মিলিয়ে দেখুন (14:05-এ “চোখের সামনে শেখানো” পাতায় শেখানো)"
    toggle.set_value(True)
    at.camera_input[0].set_value(("shot.jpg", _drawn_photo(), "image/jpeg"))
    at.run()
    assert not at.exception and not at.error
    assert _latin(at) == []
    names = [m.value for m in at.markdown if m.value.startswith("**ক্যামেরার ছবি, ")]
    assert len(names) == 1 and re.fullmatch(r"\*\*ক্যামেরার ছবি, \d\d\\?:\d\d\*\*", names[0])
    captions = " ".join(c.value for c in at.caption)
    assert "আপনার মডেল (14:05-এ শেখানো) বলছে **" in captions


SURE_SHOE_PHOTO = "5_shoes_001.jpg"  # a development sandal: surely a shoe, not which kind


def _sure_shoe(at: AppTest):
    _upload(at, ("thing.jpg", _dev_photo(SURE_SHOE_PHOTO)))  # a name the Latin check knows
    (result,) = [r for r in at.session_state["classify_results"].values() if r is not None]
    assert result.sure_shoe and set(result.offered) == {5, 7, 9}
    return result


def test_a_sure_shoe_of_an_unsure_kind_says_both(page):
    from fmnist_demo.formatting import confidence

    result = _sure_shoe(page)
    (said,) = [w.value for w in page.warning]
    percent = confidence(result.footwear_probability)
    assert said.startswith(f"**A shoe** — sure ({percent}). **Which kind** — not sure: tap one.")
    assert "Best guess" not in said and "one shoe from the side" in said
    assert not page.success  # never a green tick for the kind


def test_a_sure_shoe_of_an_unsure_kind_in_bengali(bengali_page):
    from fmnist_demo.formatting import confidence

    at = bengali_page
    result = _sure_shoe(at)
    (said,) = [w.value for w in at.warning]
    percent = confidence(result.footwear_probability)
    expected = f"**জুতা** — নিশ্চিত ({percent})। **কোন ধরনের** — নিশ্চিত নয়: একটিতে চাপুন।"
    assert said.startswith(expected)
    assert _latin(at) == []
