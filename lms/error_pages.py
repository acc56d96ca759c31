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
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lms.extensions import db
from lms.storage import MissingFile

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Reload the page and try again.")),
        401: (_("Sign in needed"), _("Sign in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this.")),
        404: (_("Not found"), _("There is nothing here.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("The file is larger than allowed.")),
        429: (
            _("Too many attempts"),
            _("Too many attempts in a short time. Wait a few minutes and try again."),
        ),
        500: (_("Something went wrong"), _("An error on our side stopped this. It has been logged.")),
    }


def _release_session() -> None:
    """Undo the request's unfinished work, so whatever runs next starts a clean transaction.

    A connection that died cannot even roll back; that is logged, and the page still shows.
    """
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback after a failed request failed too", exc_info=True)


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``code``, with a specific message when the caller has one."""
    _release_session()
    title, default = _messages().get(code, (_("Error"), _("The request could not be completed.")))
    return render_template("errors/error.html", title=title, message=message or default), code


def render_failure() -> tuple[str, int]:
    """The 500 page, which reads nothing from the database (see the module docstring)."""
    _release_session()
    title, message = _messages()[500]
    template = current_app.jinja_env.get_template("errors/failure.html")
    return template.render(title=title, message=message, current_locale=str(get_locale())), 500


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, _("The form expired or came from another site. Reload the page and send it again."))

    @app.errorhandler(MissingFile)
    def missing_file(error: MissingFile) -> tuple[str, int]:
        log.warning("stored file %s is missing", error.key)
        return render_error(404)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return render_failure()
