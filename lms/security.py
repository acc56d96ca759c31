"""Security headers on every response (issue 10), from one ``after_request`` hook.

- ``Content-Security-Policy``: scripts only from this site. Learner, sign-in, error and
  verification pages carry no inline script, so they get ``script-src 'self'``: an
  injected ``<script>`` or ``onclick`` does not run. The admin (Flask-Admin 2.2's
  Bootstrap 4 templates) needs inline script: its delete buttons confirm with
  ``onclick``, list actions run from ``onclick`` and ``javascript:`` links, inline forms
  add rows the same way. A nonce cannot cover event handlers, so the admin keeps
  ``'unsafe-inline'`` for scripts and relies on Jinja's autoescaping; everything else
  is as strict as on the learner pages. Inline ``style`` attributes are allowed
  everywhere (progress bars set their width with one; CSS cannot run script).
  Images may come from any https host (authored sections link them, issue 5); frames
  only from the two video players ``services.content.video_embed`` produces and the
  hosted players the site is configured for (Cloudflare Stream, TargetVideo; issue 16);
  video from this site, or from the S3 bucket its presigned links lead to.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no page can be framed
  (clickjacking of the admin by a same-site page).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``
  (a reset or invite token in a URL never leaves in a Referer), and HSTS for a year when
  ``BASE_URL`` is https.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from lms.services.content import VIMEO_PLAYER, YOUTUBE_PLAYER
from lms.services.video import player_origins

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: https:",
    "frame-src": f"{YOUTUBE_PLAYER} {VIMEO_PLAYER}",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def directives_for(config: Mapping[str, Any]) -> dict[str, str]:
    """The directives with the app's own video hosts: its players' frames and its bucket's media."""
    directives = dict(_DIRECTIVES)
    players = player_origins(config)
    if players:
        directives["frame-src"] = " ".join((directives["frame-src"], *players))
    if config.get("STORAGE_BACKEND") == "s3":
        directives["media-src"] = f"'self' {_bucket_origin(config)}"
    return directives


def _bucket_origin(config: Mapping[str, Any]) -> str:
    endpoint = urlsplit(config.get("S3_ENDPOINT_URL") or "")
    if endpoint.scheme and endpoint.netloc:
        return f"{endpoint.scheme}://{endpoint.netloc}"
    return "https://*.amazonaws.com"


# Where the video settings are at their defaults (no hosted players, local storage).
PAGE_POLICY = _policy(_DIRECTIVES)
ADMIN_POLICY = _policy({**_DIRECTIVES, "script-src": "'self' 'unsafe-inline'"})
HSTS = "max-age=31536000"
_VIDEO_SETTINGS = ("CLOUDFLARE_STREAM_SUBDOMAIN", "TARGETVIDEO_EMBED_URL", "STORAGE_BACKEND", "S3_ENDPOINT_URL")


@lru_cache(maxsize=8)
def _policies(settings: tuple[tuple[str, Any], ...]) -> tuple[str, str]:
    """The page and admin policies for these video settings; read from the config at each
    response (cheaply, cached), so they follow the configuration the app runs with."""
    directives = directives_for(dict(settings))
    return _policy(directives), _policy({**directives, "script-src": "'self' 'unsafe-inline'"})


def init_app(app: Flask) -> None:
    """Register the hook; call after ``init_admin``, whose URL marks the admin pages."""
    admin_urls = tuple(admin.url for admin in app.extensions.get("admin", []))

    def in_admin(path: str) -> bool:
        return any(path == url or path.startswith(f"{url}/") for url in admin_urls)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        config = current_app.config
        page_policy, admin_policy = _policies(tuple((key, config.get(key)) for key in _VIDEO_SETTINGS))
        headers.setdefault("Content-Security-Policy", admin_policy if in_admin(request.path) else page_policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if current_app.config["BASE_URL"].startswith("https://"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
