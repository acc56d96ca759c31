"""URLs that are the same on every request, built once per process (issue 12, item 1).

A static file's address or a page's without arguments depends on nothing of the request
but the path the app is mounted at; ``url_for`` still walks the URL map for it each time,
and the top bar of every page shows twenty of them. ``fixed_urls()`` is a mapping per
mount point, kept on the app, that asks ``url_for`` once per key and remembers the answer:
``fixed_urls["learner.home"]`` for a page, ``fixed_urls["static", "css/mojster.css"]`` for a
file of a static endpoint. The templates get it as ``fixed_urls`` (``lms.auth.context``).
"""

from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.routing import BuildError

_CACHE = "lms.fixed_urls"


class FixedUrls(dict[str | tuple[str, str], str]):
    """``url_for`` answers by endpoint, or by (static endpoint, file name), asked at first use."""

    def __missing__(self, key: str | tuple[str, str]) -> str:
        try:
            url = url_for(key[0], filename=key[1]) if isinstance(key, tuple) else url_for(key)
        except BuildError as error:
            # Jinja reads a subscript's LookupError as "undefined" and would print nothing.
            raise RuntimeError(f"no URL for {key!r}: {error}") from error
        self[key] = url
        return url


def fixed_urls() -> FixedUrls:
    """The request's mount point's cache (a request context is required)."""
    caches: dict[str, FixedUrls] = current_app.extensions.setdefault(_CACHE, {})
    root = request.script_root
    urls = caches.get(root)
    if urls is None:
        urls = caches[root] = FixedUrls()
    return urls
