"""The message catalogues and the language choice: every message translated in both languages,
with the same placeholders; the catalogues in step with the code and with their compiled form;
every page in Bengali with no English left for a person to read."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from apptest import open_app
from babel.messages.mofile import read_mo
from i18n_check import latin_words
from streamlit.testing.v1 import AppTest

from fmnist_demo import i18n
from fmnist_demo.data import kind_name, kind_names

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PAGES = [
    "fmnist_demo/pages/home.py",
    "fmnist_demo/pages/browse.py",
    "fmnist_demo/pages/train_live.py",
    "fmnist_demo/pages/results.py",
    "fmnist_demo/pages/quiz.py",
    "fmnist_demo/pages/classify.py",
    "fmnist_demo/pages/catalogue.py",
]


def messages(code: str) -> list:
    return [m for m in i18n.read_catalogue(code) if m.id]


def strings(message) -> tuple[str, ...]:
    text = message.string
    return tuple(text) if isinstance(text, tuple | list) else (text,)


def ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_message_has_a_translation(code):
    empty = [ids(m)[0] for m in messages(code) if not all(s.strip() for s in strings(m))]
    assert empty == [], f"{len(empty)} message(s) without a {code} translation"
    assert not [ids(m)[0] for m in messages(code) if m.fuzzy], "fuzzy translations are not used"


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_placeholders_are_the_same_in_every_language(code):
    differ = []
    for m in messages(code):
        wanted = set().union(*(i18n.placeholders(text) for text in ids(m)))
        forms = [i18n.placeholders(text) for text in strings(m)]
        # each form uses only the message's own fields, and together they use all of them
        if any(form - wanted for form in forms) or set().union(*forms) != wanted:
            differ.append((ids(m)[0], strings(m)))
    assert differ == []


def test_both_catalogues_hold_exactly_the_messages_in_the_code():
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.extract_messages() if m.id}
    for code in i18n.LANGUAGES:
        in_file = {ids(m)[0] for m in messages(code)}
        assert in_code - in_file == set(), f"{code}: run python -m fmnist_demo.i18n extract"
        assert in_file - in_code == set(), f"{code}: stale messages, run ... extract"


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_the_compiled_catalogue_matches_its_source(code):
    with open(i18n.COMPILED_DIR / code / i18n.MO_FILE, "rb") as handle:
        compiled = {ids(m): strings(m) for m in read_mo(handle) if m.id}
    source = {ids(m): strings(m) for m in messages(code)}
    assert compiled == source, "run python -m fmnist_demo.i18n compile"


def test_english_reads_as_written_and_bengali_is_in_bengali_script(bengali):
    assert i18n.language() == "bn"
    assert kind_names()[0] == "টি-শার্ট/টপ" and kind_name(9) == "অ্যাঙ্কেল বুট"
    assert i18n.day_and_month(3, 5) == "3 মে"
    i18n.set_language("en")
    assert kind_name(9) == "Ankle boot" and i18n.day_and_month(3, 5) == "3 May"


def test_the_chapter_keeps_its_english_class_names_for_code_and_files(bengali):
    from fmnist_demo.data import CLASS_NAMES

    assert CLASS_NAMES[0] == "T-shirt/top"  # the dataset's names: CSV columns, model cards


def test_a_visit_opens_in_the_links_language_else_the_browsers():
    assert i18n.first_language("bn", "en-US") == "bn"
    assert i18n.first_language("en", "bn-BD") == "en"
    assert i18n.first_language(None, "bn-IN") == "bn"
    assert i18n.first_language("", "en-GB") == "en"
    assert i18n.first_language("fr", None) == "en"  # an unknown code: English
    assert i18n.normalise("bn_BD.UTF-8") == "bn"


def test_a_missing_catalogue_leaves_messages_as_written(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "COMPILED_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert isinstance(i18n.translations("bn"), gettext.NullTranslations)
        i18n.set_language("bn")
        assert i18n._("Home") == "Home"
    finally:
        i18n.set_language("en")
        monkeypatch.undo()
        i18n.translations.cache_clear()


def open_page(page: str, lang: str | None = "bn") -> AppTest:
    return open_app(page, lang=lang)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_bengali_has_no_english_left(page, fmnist):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "bn"
    assert latin_words(at) == []


def test_the_language_switch_changes_the_page_and_the_link(fmnist):
    at = open_page(PAGES[0], lang=None)
    assert at.session_state["lang"] == "en"
    english_title = at.title[0].value
    switch = at.sidebar.get("button_group")[0]
    switch.set_value("bn").run()
    assert not at.exception
    assert at.query_params["lang"] == ["bn"] or at.query_params["lang"] == "bn"
    assert at.title[0].value != english_title and latin_words(at) == []
    at.switch_page(PAGES[1]).run()  # the choice is kept for the visit
    assert at.session_state["lang"] == "bn" and latin_words(at) == []
