"""Pictures the learner pages show: a module's cover, a reward's image.

Both fall back to one neutral placeholder, so every card of a list looks alike whether
or not HR uploaded a picture; both may be cached for an hour (a new upload gets a new
storage key, so a cached old picture is never shown for it).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import send_file
from werkzeug.wrappers import Response

from lms.storage import get_storage

PLACEHOLDER = Path(__file__).resolve().parent.parent / "static" / "img" / "cover-placeholder.svg"
MAX_AGE = 3600


def image_response(storage_key: str | None) -> Response:
    """The stored picture, or the placeholder when there is none."""
    if storage_key is None:
        return send_file(PLACEHOLDER, mimetype="image/svg+xml", max_age=MAX_AGE)
    mimetype = mimetypes.guess_type(storage_key)[0] or "application/octet-stream"
    return get_storage().send(storage_key, mimetype=mimetype, max_age=MAX_AGE)
