"""Malformed input stops at the edge of the app: a 404 or a 400, never a database error (issue 10, item 6).

Rules no view should have to remember:
- ``<int:…>`` in a route is always a row id, so a number beyond the INTEGER column
  (``types.MAX_ID``) matches no route: a 404, not PostgreSQL's "integer out of range";
- an id in a form is a ``RowIdField``: a number that can name no row fails like a word;
- PostgreSQL refuses NUL bytes in text and nobody types one, so a request carrying one in
  its path, query string or form is a 400 before any view runs.

The admin's own ids and forms are checked in ``admin_views.base``, its filters in
``admin_views.filters``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map
from wtforms import IntegerField

from lms.models.types import MAX_ID, is_row_id


class RowIdConverter(IntegerConverter):
    """``int``, bounded by the id column: replaces Werkzeug's for every route of the app."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class RowIdField(IntegerField):
    """An id posted in a form: beyond the id column it is no choice, as a word is."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not is_row_id(self.data):
            self.data = None
            raise ValueError(_("Not a valid choice."))


def refuse_nul_bytes() -> None:
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in pairs):
        abort(400)


def init_app(app: Flask) -> None:
    """Call before any route is registered: a rule picks its converters when it is added."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_nul_bytes)
