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
  only from the two video players ``services.content.video_embed`` produces.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no page can be framed
  (clickjacking of the admin by a same-site page).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``
  (a reset or invite token in a URL never leaves in a Referer), and HSTS for a year when
  ``BASE_URL`` is https.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from lms.services.content import VIMEO_PLAYER, YOUTUBE_PLAYER

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


PAGE_POLICY = _policy(_DIRECTIVES)
ADMIN_POLICY = _policy({**_DIRECTIVES, "script-src": "'self' 'unsafe-inline'"})
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Register the hook; call after ``init_admin``, whose URL marks the admin pages."""
    admin_urls = tuple(admin.url for admin in app.extensions.get("admin", []))

    def in_admin(path: str) -> bool:
        return any(path == url or path.startswith(f"{url}/") for url in admin_urls)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", ADMIN_POLICY if in_admin(request.path) else PAGE_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if current_app.config["BASE_URL"].startswith("https://"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
