"""Error pages: a clear sentence for each status, never a stack trace.

A page for a refusal (4xx) is a normal page with the top bar, rendered after a rollback:
a view may refuse after a statement failed. The page for a failure
(500) needs nothing from the database that may just have failed: on PostgreSQL a failed
statement leaves the transaction aborted, and a database that is down fails every query
(issue 10, item 6). So the session is rolled back first, and the page is rendered
straight from its template, without the context processors that read the user, their
companies and the notification bell; its language is the one the request already chose
(``auth.context`` settles it as soon as the tenant is known), else the browser's.

A stored file that a row names but the storage no longer holds (``storage.MissingFile``)
is a 404 wherever files are served, and is logged for the operators.

One error path for refusals (issue 11, item 4). A service refuses with an ``LmsError``
(``lms/errors.py``); one handler answers every refusal of the learner pages, sign-in
and verification: it rolls the request's work back, and answers with the error's own
message and a 4xx — this page, with a link back to the page the user came from, or
``{"error": "..."}`` for a script that asks for JSON (``Accept`` or an XHR). So a view
parses, calls and renders; only a view that shows the refusal on its own form (a field
error, with what the user typed) catches it itself. Flask-Admin is left alone: its views
answer their own errors (``admin_views.base.TenantModelView.handle_view_exception``).
``TenantContextError`` and ``ConfigError`` are bugs, not refusals: they stay failures (500).

The status is chosen here, per error class, not in the services: services are called
by jobs and commands too, where an HTTP status means nothing, and one table shows every
refusal's answer at a glance. A subclass answers as its nearest listed ancestor:
- 403: the rules do not let this user do it (yet). A locked module is one: the module
  is there and the request is right, but the learner has not earned it; it is not a
  conflict with the module's state (nothing about the module changes when they have).
- 404: no such thing for this user.
- 409: the current state refuses it, and the same request may succeed once the state
  changes: out of stock, used up, a balance too low. Not enough XP is one (402 is
  reserved for payments and means nothing to a browser).
- 400, the default: the request cannot be done as sent (answers of another quiz).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lms.auth.views import safe_next
from lms.errors import ConfigError, LmsError, TenantContextError
from lms.extensions import db
from lms.services import chat, comments, completion, progress, quizzes, reader, rewards, suggestions, xp
from lms.storage import MissingFile

log = logging.getLogger(__name__)

ErrorAnswer = tuple[str | dict[str, str], int]

REFUSAL_STATUS: dict[type[LmsError], int] = {
    LmsError: 400,
    progress.ModuleLocked: 403,
    rewards.RedeemNotAllowed: 403,
    suggestions.PostNotAllowed: 403,
    chat.PostNotAllowed: 403,
    chat.ConfirmNotAllowed: 403,
    comments.CommentRefused: 403,
    reader.NotInModule: 404,
    quizzes.AttemptNotFound: 404,
    rewards.RewardNotFound: 404,
    suggestions.SuggestionNotFound: 404,
    chat.RoomNotFound: 404,
    chat.MessageNotFound: 404,
    comments.CommentNotFound: 404,
    quizzes.AttemptRefused: 409,
    rewards.RewardError: 409,
    xp.NotEnoughXP: 409,
    completion.NotRenewable: 409,
}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Reload the page and try again.")),
        401: (_("Sign in needed"), _("Sign in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this.")),
        404: (_("Not found"), _("There is nothing here.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Not possible"), _("The request could not be completed.")),
        413: (_("Too large"), _("The file is larger than allowed.")),
        429: (
            _("Too many attempts"),
            _("Too many attempts in a short time. Wait a few minutes and try again."),
        ),
        500: (_("Something went wrong"), _("An error on our side stopped this. It has been logged.")),
    }


def status_of(error: LmsError) -> int:
    """The status a refusal answers with: its class's entry, else its nearest listed ancestor's."""
    return next(REFUSAL_STATUS[cls] for cls in type(error).__mro__ if cls in REFUSAL_STATUS)


def _release_session() -> None:
    """Undo the request's unfinished work, so whatever runs next starts a clean transaction.

    A connection that died cannot even roll back; that is logged, and the page still shows.
    """
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback after a failed request failed too", exc_info=True)


def _wants_json() -> bool:
    """A script's request (an XHR, or one that prefers JSON to HTML): it cannot show a page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def _way_back() -> str | None:
    """The page of ours the user came from, to return to after a refused form; None when
    there is none, it is another site's, or it is this very page."""
    if not request.referrer:
        return None
    came_from = urlsplit(request.referrer)
    if f"{came_from.scheme}://{came_from.netloc}/" != request.host_url or came_from.path == request.path:
        return None
    path = f"{came_from.path}?{came_from.query}" if came_from.query else came_from.path
    return safe_next(path, "") or None


def render_error(code: int, message: str | None = None) -> ErrorAnswer:
    """The error page for ``code`` (or its JSON), with a specific message when the caller has one."""
    _release_session()
    title, default = _messages().get(code, (_("Error"), _("The request could not be completed.")))
    text = message or default
    if _wants_json():
        return {"error": text}, code
    return render_template("errors/error.html", title=title, message=text, back=_way_back()), code


def render_failure() -> ErrorAnswer:
    """The 500 page, which reads nothing from the database (see the module docstring)."""
    _release_session()
    title, message = _messages()[500]
    if _wants_json():
        return {"error": message}, 500
    template = current_app.jinja_env.get_template("errors/failure.html")
    return template.render(title=title, message=message, current_locale=str(get_locale())), 500


def _in_admin() -> bool:
    """A request to a Flask-Admin screen, which answers its own errors."""
    return any(
        request.path == admin.url or request.path.startswith(f"{admin.url}/")
        for admin in current_app.extensions.get("admin", [])
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ErrorAnswer:
        return render_error(400, _("The form expired or came from another site. Reload the page and send it again."))

    @app.errorhandler(MissingFile)
    def missing_file(error: MissingFile) -> ErrorAnswer:
        log.warning("stored file %s is missing", error.key)
        return render_error(404)

    @app.errorhandler(LmsError)
    def refused(error: LmsError) -> ErrorAnswer:
        """A service refused: roll back, and tell the user why (see the module docstring)."""
        if _in_admin() or isinstance(error, ConfigError | TenantContextError):
            raise error  # Flask answers it as a failure: the 500 page, logged
        return render_error(status_of(error), str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ErrorAnswer | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> ErrorAnswer:
        return render_failure()
