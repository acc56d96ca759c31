"""Links to the app's own pages that services store in notifications or send by mail.

Built from endpoint names, here only, so renaming or moving a route moves every link
with it instead of leaving a dead "/xp" written into eight services (issue 11, item 6).
A notification keeps the page's path, as the bell and the digest have always read it;
mail gets the full URL on ``BASE_URL``, never the request's Host header. Both work in a
job as in a request: the URL map is bound without a request and without SERVER_NAME.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def path_for(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` (e.g. ``"learner.module_page", module_id=7`` → ``/modules/7``).

    Raises werkzeug's BuildError for an endpoint that no longer exists or a missing value,
    so a renamed route fails the tests of every service linking to it.
    """
    return current_app.url_map.bind("", script_name="/").build(endpoint, values)


def url_for_mail(endpoint: str, **values: Any) -> str:
    """The full URL of ``endpoint`` on ``BASE_URL``, for links in email."""
    return current_app.config["BASE_URL"] + path_for(endpoint, **values)
