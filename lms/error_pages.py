"""Error pages: a clear sentence for each status, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    """The error page for ``code``, with a specific message when the caller has one."""
    title, default = _messages().get(code, (_("Error"), _("The request could not be completed.")))
    return render_template("errors/error.html", title=title, message=message or default), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, _("The form expired or came from another site. Reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return render_error(500)
