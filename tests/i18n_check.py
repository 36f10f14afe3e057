"""What a person reads on a page run by AppTest, and the Latin-letter words among it.

Every string a page sends to the browser (titles, text, labels, help, options, placeholders,
messages) is collected from the elements' messages; a page in Bengali passes when the only Latin
words left are proper names, units and file formats.
"""

from __future__ import annotations

import json
import re

from google.protobuf.message import Message

# Names and units a Bengali text keeps in Latin letters, as Bengali writing does.
ALLOWED = {
    "Fashion-MNIST", "MNIST", "Keras", "TensorFlow", "Streamlit", "PostgreSQL", "SQLite", "Zalando",
    "CSV", "JPEG", "JPG", "PNG", "WebP", "HEIC", "HEIF", "GIF", "BMP", "TIFF", "MPO", "AVIF",
    "English", "MB", "GB", "KB", "px", "ms", "CC0", "CC", "relu", "softmax", "adam", "Dense",
    "Flatten", "ReLU",
}  # fmt: skip
SKIP_FIELDS = {
    "id", "form_id", "icon", "type", "url", "key", "page_script_hash", "spec", "data", "tag",
    "page", "anchor", "dataset", "vega_lite_chart", "selection_mode", "component_name",
    "deck_json", "format", "options_format", "step", "theme", "autocomplete", "uuid", "styles",
    "code_text", "language", "column_order", "editing_mode", "divider", "deferred_file_id",
}  # fmt: skip
# Icons, emoji short codes, Markdown colour and badge markers (":blue[", ":green-badge["): no words
ICON = re.compile(r":material/[a-z0-9_]+:|:[a-z_]+:|:[a-z]+(?:-background|-badge)?\[")
LINK = re.compile(r"https?://\S+|\]\([^)]*\)")  # addresses and the targets of Markdown links
CODE = re.compile(r"<(style|script)\b.*?</\1>|`[^`]*`", re.S | re.I)  # styles, code spans
TAG = re.compile(r"<[^>]+>")  # HTML tags and their attributes
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*(?:-[A-Za-z0-9]+)*")


def strings_of(message: Message) -> list[str]:
    """Every text field of a protobuf message and the messages inside it."""
    found: list[str] = []
    for field, value in message.ListFields():
        if field.name == "spec" and isinstance(value, str):  # a chart: its titles and labels
            found.extend(chart_words(value))
            continue
        if field.name == "columns" and isinstance(value, str):  # a table's column settings
            found.extend(column_words(value))
            continue
        if field.name in SKIP_FIELDS:
            continue
        single = isinstance(value, str | bytes | Message) or not hasattr(value, "__iter__")
        values = [value] if single else value
        for item in values:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, Message):
                found.extend(strings_of(item))
    return found


def chart_words(spec: str) -> list[str]:
    """The titles, axis titles and label texts of a Vega-Lite chart's JSON."""
    try:
        tree = json.loads(spec)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name in {"title", "text", "subtitle"} and isinstance(value, str):
                    found.append(value)
                elif name in {"title", "text"} and isinstance(value, list):
                    found.extend(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found


def column_words(settings: str) -> list[str]:
    """The column titles and help texts of a table's column settings (JSON)."""
    try:
        columns = json.loads(settings)
    except ValueError:
        return []
    found = []
    for column in columns.values() if isinstance(columns, dict) else []:
        if isinstance(column, dict):
            found.extend(
                v for k, v in column.items() if k in {"label", "help"} and isinstance(v, str)
            )
    return found


def visible_texts(at) -> list[str]:
    """Every string the page's elements carry, in order."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            texts.extend(strings_of(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


def latin_words(at, allowed: set[str] = ALLOWED) -> list[str]:
    """The Latin-letter words a person would read on the page, proper names and units aside."""
    words = []
    for text in visible_texts(at):
        text = TAG.sub(" ", CODE.sub(" ", text))
        text = LINK.sub(" ", ICON.sub(" ", text))
        words.extend(w for w in WORD.findall(text) if w not in allowed)
    return words
