"""People's own text (a record's name, a note, a file name) made safe to put inside Markdown.

Streamlit draws `st.markdown`, captions and alert boxes as Markdown, so a name such as
"**SALE** <b>" or "www.shop.com" would show as bold, HTML or a link. `plain()` escapes it so it
shows as typed, on one line. No Streamlit here; html_views.py beside it builds the HTML views.
"""

from __future__ import annotations

import re

# What Streamlit's Markdown could read, inside a line, as emphasis, code, a link, an image, HTML,
# a table, strike-through, maths, an icon or a colour: a backslash before each makes it plain text
# (CommonMark escapes any ASCII punctuation). Line breaks are folded to spaces first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!#|~$:])")


# Web and mail addresses become links by themselves (GitHub-flavoured Markdown), escaped or not:
# an invisible zero-width space after "://", "www" and "@" keeps them text.
_AUTOLINKS = re.compile(r"(:(?=//)|(?<![^\W_])www(?=\.)|@)", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: str) -> str:
    """User text (a record's name, note, a file name) made safe to put inside Markdown."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINKS.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, text)
