"""``/favicon.ico``: browsers ask for it on every site, signed in or not (issue 14, item 7).

The pages link ``static/favicon.svg`` themselves; this answers the browsers and tools that
ask for the conventional path anyway, with the same picture, instead of a 404 in every log.
"""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("favicon", __name__)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(current_app.static_folder or "", "favicon.svg", mimetype="image/svg+xml", max_age=86400)
