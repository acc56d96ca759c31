"""Per-request identity and tenant (DESIGN.md: tenancy).

The session cookie holds the user id with its session version (Flask-Login) and the
chosen ``tenant_id``. Each request reloads the user, re-checks the membership and
activates the tenant for the scoping hook; anything that no longer holds signs the
user out of that tenant at once.
"""

from __future__ import annotations

from flask import Flask, flash, g, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import login_manager
from lms.models import User
from lms.models.types import is_row_id
from lms.permissions import NO_RIGHTS, rights_of
from lms.services import notifications
from lms.services.accounts import TenantAccess, access_to_tenant, tenants_open_to, user_and_tenants
from lms.services.audit import set_actor
from lms.tenancy import current_tenant_id, set_tenant
from lms.urls import fixed_urls

TENANT_KEY = "tenant_id"


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """``"<id>:<session version>"``; an old version (logout, reset, deactivation) is no user.

    The user's companies come in the same query and wait in ``g.tenant_accesses`` for
    ``load_request_context``: Flask-Login loads the user of a request only here.
    """
    user_id, _, version = login_id.partition(":")
    if not (user_id.isdigit() and version.isdigit() and is_row_id(int(user_id))):
        return None
    user, accesses = user_and_tenants(int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    g.tenant_accesses = accesses
    return user


def enter(access: TenantAccess) -> None:
    """Make ``access``'s tenant the session's tenant."""
    session[TENANT_KEY] = access.tenant.id


def load_request_context() -> None:
    """The user's companies (loaded with the user, also for the switcher), the chosen one re-checked."""
    g.tenant = None
    g.role = None
    g.rights = NO_RIGHTS
    g.permissions = frozenset()
    if not current_user.is_authenticated:
        set_actor(None, request.remote_addr)  # a failed sign-in is audited with its address
        return
    set_actor(current_user.id, request.remote_addr)
    if "tenant_accesses" not in g:  # signed in by ``login_user`` in this request, not loaded
        g.tenant_accesses = tenants_open_to(current_user)
    tenant_id = session.get(TENANT_KEY)
    if tenant_id is None:
        return
    known = is_row_id(tenant_id)  # anything else (a hand-made cookie) names no company
    access = next((a for a in g.tenant_accesses if a.tenant.id == tenant_id), None) if known else None
    if access is None and known:
        access = access_to_tenant(current_user, tenant_id)
    if access is None:
        session.pop(TENANT_KEY, None)
        flash(_("You are no longer a member of that company."), "warning")
        return
    g.tenant, g.role = access.tenant, access.role
    get_locale()  # settled while the tenant row is at hand: the 500 page must not query for it
    set_tenant(access.tenant.id)
    g.rights = rights_of(current_user, access.tenant, access.role, grants=access.has_grants is not False)
    g.permissions = g.rights.permissions
    if access.unread is not None and request.method in ("GET", "HEAD"):
        g.unread_notifications = access.unread  # a write in this request may change it: then it is counted


def require_tenant() -> Response | None:
    """For pages inside a tenant: sign in first, then pick a company."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if g.tenant is None:
        return redirect(url_for("auth.choose_tenant", next=request.full_path))
    return None


def unread_notifications() -> int:
    """The bell's number: counted once per request, and only by a page that shows the bell.

    A page read (GET) has it already, from the query that loaded the user's companies. The
    top bar calls it, so e-mails and error pages rendered in a request pay nothing.
    Platform screens lift the tenant (``PlatformModelView``): there the bell shows no number.
    """
    if "unread_notifications" not in g:
        g.unread_notifications = (
            notifications.unread_count(current_user.id)
            if current_user.is_authenticated and current_tenant_id() is not None
            else 0
        )
    return g.unread_notifications


def inject_account() -> dict[str, object]:
    """The top bar: the signed-in user, the request's company and page, the user's companies
    (loaded once per request) and the bell.

    The top bar reads the user, the company and the endpoint a dozen times; read here once
    per page, they are plain values there, not a lookup through Flask's proxies at each use
    (issue 12, item 1), and so are their links (``fixed_urls``). ``top_user`` is None for a
    visitor who is not signed in.
    """
    if not has_request_context():  # mail rendered by a job: no top bar
        return {"tenant_accesses": [], "unread_notifications": unread_notifications}
    user = current_user._get_current_object()
    return {
        "top_user": user if user is not None and user.is_authenticated else None,
        "top_tenant": g.get("tenant"),
        "top_endpoint": request.endpoint,
        "fixed_urls": fixed_urls(),
        "tenant_accesses": g.get("tenant_accesses", []),
        "unread_notifications": unread_notifications,
    }


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    app.before_request(load_request_context)
    app.context_processor(inject_account)
