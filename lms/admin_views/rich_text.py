"""Rich text in admin forms (issue 14, item 2): a module's or a reward's description, a changelog
entry's text are edited with the same editor as a section's content (``static/js/editor.js``).

``RichTextField`` is a textarea the editor takes over; what it submits is sanitized as it
arrives (``services.rich_text.clean``), so a view saves it as any other field. A view with
such a field mixes in ``RichTextMixin``: its pages load the editor and its words.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request, url_for
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.widgets import TextArea

from lms.admin_views.editor_words import editor_words
from lms.admin_views.module_builder import editor_settings
from lms.models import Module
from lms.services import rich_text

EDITOR_HEIGHT = 280  # pixels: a description is shorter than a section


class RichTextArea(TextArea):
    """The textarea with the editor's settings on it (``data-lms-editor``)."""

    def __call__(self, field: RichTextField, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-lms-editor", field.editor_settings())
        return super().__call__(field, **kwargs)


class RichTextField(TextAreaField):
    """Sanitized HTML in, and an older plain-text value shown to the editor with its line breaks.

    ``module`` (set by the view) is where pasted and inserted pictures are stored; with none
    a picture can still be linked by its address.
    """

    widget = RichTextArea()
    module: Module | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if valuelist:
            self.data = rich_text.clean(self.data)

    def _value(self) -> str:
        return rich_text.editable(self.data)

    def editor_settings(self) -> str:
        return rich_text_settings(self.module)


def rich_text_settings(module: Module | None) -> str:
    """The editor's settings for a textarea of rich text (``data-lms-editor``); pictures are
    uploaded to ``module``, or only linked by their address when there is none yet."""
    return json.dumps({**json.loads(editor_settings(module)), "height": EDITOR_HEIGHT})


class RichTextMixin:
    """Loads the editor on the view's form pages; the admin base page renders ``editor_words``."""

    editor_words = staticmethod(editor_words)

    @staticmethod
    def _on_form_page() -> bool:
        return (request.endpoint or "").endswith((".create_view", ".edit_view"))

    @property
    def extra_css(self) -> list[str]:
        return [url_for("static", filename="vendor/jodit/jodit.min.css")] if self._on_form_page() else []

    @property
    def extra_js(self) -> list[str]:
        if not self._on_form_page():
            return []
        return [url_for("static", filename="vendor/jodit/jodit.min.js"), url_for("static", filename="js/editor.js")]


def rich_text_formatter(view: Any, context: Any, model: Any, name: str) -> Markup:
    """A details page shows the text as learners see it."""
    return rich_text.as_html(getattr(model, name))
