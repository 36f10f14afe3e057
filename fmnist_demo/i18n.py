"""The words people read, in English and বাংলা: gettext message catalogues and the visitor's language.

Every sentence a person sees comes through `_()` or `ngettext()`, in the pages and in the package's
errors alike; constants that are translated later are marked with `N_()`. The words live in one
catalogue per language, `fmnist_demo/locale/<lang>/LC_MESSAGES/fmnist_demo.po` (translators' tools
open it), compiled for the app to `assets/locale/<lang>/LC_MESSAGES/fmnist_demo.mo`:

    python -m fmnist_demo.i18n extract   # new and changed messages from the code into both .po
    python -m fmnist_demo.i18n compile   # .po -> .mo (run after editing a .po)

Both commands need Babel (a development requirement); the app itself reads the .mo files with
Python's own `gettext`. The language belongs to a visitor: the page layer sets it at the top of
every run, in a context variable, so each visitor's script thread keeps its own.
"""

from __future__ import annotations

import contextvars
import functools
import gettext
import re
import sys
from collections.abc import Callable
from pathlib import Path

from fmnist_demo.assets import ASSETS_DIR

DOMAIN = "fmnist_demo"
LANGUAGES = {"en": "English", "bn": "বাংলা"}  # each in its own script, as a picker shows them
DEFAULT_LANGUAGE = "en"
SOURCE_DIR = Path(__file__).resolve().parent / "locale"  # the .po files people edit
COMPILED_DIR = ASSETS_DIR / "locale"  # the .mo files the app reads
FONT_PATH = ASSETS_DIR / "fonts" / "NotoSansBengali-Regular.ttf"  # Bengali in figures
PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # str.format fields: "{right} of {total}"

# The language set in this context (the entry sets it on every run; a test or an export may set
# it for a while); None where nothing has set it, as in a widget callback's fresh thread.
_language: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fmnist_language", default=None
)
# Where the page layer keeps each visitor's choice (their session): asked when this context has
# no language of its own, so widget callbacks and fragment reruns, which run before or without
# the entry, speak the visitor's language too. It returns None outside a visitor's run.
_source: Callable[[], str | None] | None = None


def normalise(code: str | None) -> str | None:
    """A known language code from a code or locale such as "bn", "bn-BD" or "en_GB"; else None."""
    if not code:
        return None
    base = re.split(r"[-_.@]", str(code).strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else None


def first_language(link: str | None, browser_locale: str | None) -> str:
    """The language a new visit opens in: the link's `?lang=`, else Bengali where the browser
    asks for it, else English."""
    return normalise(link) or ("bn" if normalise(browser_locale) == "bn" else DEFAULT_LANGUAGE)


def set_language(code: str | None) -> str:
    """Make code the language of this thread's messages (unknown codes mean English)."""
    chosen = normalise(code) or DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


def use_language_source(source: Callable[[], str | None] | None) -> None:
    """Ask source() for the language first (the page layer passes the visitor's session)."""
    global _source
    _source = source


def language() -> str:
    """The language messages are given in now: "en" or "bn"."""
    chosen = _language.get()
    if chosen is None and _source is not None:
        chosen = normalise(_source())
    return chosen or DEFAULT_LANGUAGE


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language (messages stay as written when it is missing)."""
    return gettext.translation(DOMAIN, COMPILED_DIR, languages=[code], fallback=True)


def _(message: str) -> str:
    """message in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for n, in the current language."""
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark message for the catalogue without translating it yet (constants, translated on use)."""
    return message


def placeholders(text: str) -> set[str]:
    """The str.format fields of a message, e.g. {"right", "total"}."""
    return {field[1:-1] for field in PLACEHOLDER.findall(text.replace("{{", "").replace("}}", ""))}


MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def day_and_month(day: int, month: int) -> str:
    """A date as people say it, "3 May" or "৩ মে" (the year is left to the sentence)."""
    return _("{day} {month}").format(day=day, month=_(MONTHS[month - 1]))


# ---- the two commands (Babel is needed only here) -------------------------------------------

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PO_FILE = "LC_MESSAGES/" + DOMAIN + ".po"
MO_FILE = "LC_MESSAGES/" + DOMAIN + ".mo"


def extract_messages():
    """Every message marked in the code (the package and the entry), as a Babel catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    package = Path(__file__).resolve().parent
    entry = package.parent / "streamlit_app.py"
    catalog = Catalog(project="fmnist-demo", domain=DOMAIN)
    options = {"keywords": KEYWORDS, "comment_tags": ("NOTE",)}
    found = [(entry.name, *item) for item in extract_from_file("python", entry, **options)]
    for filename, *item in extract_from_dir(
        str(package), method_map=[("**.py", "python")], **options
    ):
        found.append((f"{package.name}/{filename}", *item))
    for filename, lineno, message, comments, _context in found:
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments)
    return catalog


def read_catalogue(code: str):
    """The .po catalogue of one language, as Babel reads it."""
    from babel.messages.pofile import read_po

    with open(SOURCE_DIR / code / PO_FILE, "rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def extract() -> dict[str, list[str]]:
    """Bring both .po files in line with the code: new messages added, gone ones dropped.

    English gets each new message as its own translation; Bengali gets an empty one, which the
    tests refuse until someone writes it. Returns the messages still untranslated per language.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract_messages()
    missing: dict[str, list[str]] = {}
    for code in LANGUAGES:
        path = SOURCE_DIR / code / PO_FILE
        old = read_catalogue(code) if path.is_file() else Catalog(locale=code, domain=DOMAIN)
        new = Catalog(
            locale=code,
            domain=DOMAIN,
            project="fmnist-demo",
            copyright_holder="the fmnist-demo authors",
            fuzzy=False,
        )
        for message in template:
            if not message.id:
                continue
            before = old.get(message.id)
            kept = before.string if before is not None and _complete(before.string) else None
            if isinstance(message.id, tuple):  # ngettext: one form per plural of the language
                english = message.id if code == "en" else None
                string = kept or english or ("",) * new.num_plurals
            else:
                string = kept or (message.id if code == "en" else "")
            new.add(
                message.id,
                string=string,
                locations=message.locations,
                auto_comments=message.auto_comments,
            )
            if not _complete(new.get(message.id).string):
                missing.setdefault(code, []).append(_first(message.id))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            write_po(handle, new, width=100, sort_output=False, omit_header=False)
    return missing


def compile_catalogues() -> list[Path]:
    """Write the .mo file of every language from its .po file; returns the files written."""
    from babel.messages.mofile import write_mo

    written = []
    for code in LANGUAGES:
        target = COMPILED_DIR / code / MO_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            write_mo(handle, read_catalogue(code), use_fuzzy=False)
        written.append(target)
    translations.cache_clear()
    return written


def _complete(string) -> bool:
    strings = string if isinstance(string, tuple | list) else (string,)
    return all(s and s.strip() for s in strings)


def _first(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def main(argv: list[str] | None = None) -> int:
    """`extract` or `compile`, as in the module's docstring."""
    command = (argv if argv is not None else sys.argv[1:]) or ["help"]
    if command[0] == "extract":
        missing = extract()
        for code, messages in missing.items():
            print(f"{code}: {len(messages)} message(s) without a translation")
            for message in messages:
                print("   ", message[:90])
        return 0
    if command[0] == "compile":
        for path in compile_catalogues():
            print("wrote", path)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
