"""Long authored text shown to learners as formatted text (issue 14, item 2): a module's
description, a reward's description, a platform changelog entry's text.

They are edited with the rich-text editor and stored as HTML the section sanitizer
(``content.sanitize_html``) keeps, so a script typed into a description never reaches a
learner. Values written before the editor existed, and values written by code that knows no
HTML (a suggestion converted into a module copies its plain description), are plain text: a
value with no tag is such text, escaped and shown with its line breaks. What a template shows
is sanitized again on the way out, so even a row written around the forms is safe to show.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from lms.services import content

# What only markup has: a value that opens with a tag ("<p>", as the editor and ``clean`` write),
# a closing tag ("</b>"), or a tag that never closes ("<br>", "<hr/>", "<img src=...>"). Plain text
# of an older row may name a key or a placeholder ("press <Enter>", "<name>"): that alone is text,
# and so is "a < b".
_OPENING = re.compile(r"\s*<[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_MARKUP = re.compile(r"</[a-zA-Z][a-zA-Z0-9]*\s*>|<(br|hr|img)(\s[^<>]*)?/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n")
# Elements that show something without any words in them.
_WORDLESS = ("<img", "<hr")


def is_html(value: str | None) -> bool:
    """Whether a stored value is the editor's HTML rather than plain text of an older row."""
    return bool(value) and (_OPENING.match(value or "") is not None or _MARKUP.search(value or "") is not None)


def _paragraphs(text: str) -> Markup:
    """Plain text as HTML: blank lines part paragraphs, single line breaks stay ``<br>``."""
    blocks = [block.strip() for block in _BLANK_LINES.split(text.replace("\r\n", "\n").strip())]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(block).splitlines())) for block in blocks if block
    )


def editable(value: str | None) -> str:
    """The value as the editor opens it: HTML, with an older plain-text value's line breaks kept."""
    value = value or ""
    return value if is_html(value) else str(_paragraphs(value))


def clean(value: str | None) -> str:
    """What is saved: sanitized HTML, or "" when nothing would show (the editor's empty ``<p><br></p>``)."""
    html = content.sanitize_html(editable(value))
    if not content.plain_text(html) and not any(tag in html for tag in _WORDLESS):
        return ""
    return html


def as_html(value: str | None) -> Markup:
    """The value for a page: sanitized HTML; plain text escaped, with its line breaks."""
    value = value or ""
    if not is_html(value):
        return _paragraphs(value)
    return Markup(content.sanitize_html(value))  # noqa: S704 - sanitized on this line


def as_text(value: str | None) -> str:
    """The value's words without markup, for a short summary on a card or in a list."""
    value = value or ""
    return content.plain_text(value) if is_html(value) else " ".join(value.split())
