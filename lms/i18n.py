"""Locale selection: the tenant's locale wins, then the browser's, then the default (sl or en)."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request


def select_locale() -> str:
    tenant = g.get("tenant")
    if tenant is not None:
        return tenant.locale
    locales = current_app.config["LMS_LOCALES"]
    if has_request_context():
        best = request.accept_languages.best_match(locales)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Dates are shown in the tenant's time zone (Tenant.timezone), UTC without a tenant."""
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "UTC"


def inject_locale() -> dict[str, str]:
    """Templates read ``current_locale`` for ``<html lang>`` and date formats."""
    from flask_babel import get_locale

    return {"current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])}
