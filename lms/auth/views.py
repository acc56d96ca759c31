"""Sign in, sign out, and choose or switch the company."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import bp
from lms.auth.context import enter
from lms.auth.forms import LoginForm, SwitchTenantForm
from lms.extensions import db, limiter
from lms.models.enums import AuditAction
from lms.permissions import is_platform_staff
from lms.services import support_access
from lms.services.accounts import access_to_tenant, authenticate, end_sessions, normalize_email, tenants_open_to
from lms.services.audit import audit


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an open redirect to another host.

    Browsers read ``/\\host`` as ``//host`` and drop tabs and newlines, so a path
    holding a backslash or a control character is refused too.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _account() -> str:
    """The address typed, as accounts are matched; longer than any valid address it is cut."""
    return normalize_email(request.form.get("email", "")[:254])


def _account_key() -> str:
    return "login-account:" + _account()


def _account_and_ip_key() -> str:
    return f"login-account-ip:{_account()}|{get_remote_address()}"


def _failed(response: Response) -> bool:
    return bool(g.get("login_failed"))


def _limit_per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _limit_per_account_and_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"]


# Only failures count (issue 10). The tight limit is per account *and* address: a stranger
# guessing from elsewhere slows down without locking the owner out. The loose one per
# account, across addresses, caps guessing spread over many machines; the one per address
# caps one machine trying many accounts. The address is the client's, behind TRUSTED_PROXIES.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit_per_ip, methods=["POST"], deduct_when=_failed, scope="login-ip")
@limiter.limit(_limit_per_account, methods=["POST"], key_func=_account_key, deduct_when=_failed, scope="login-account")
@limiter.limit(
    _limit_per_account_and_ip,
    methods=["POST"],
    key_func=_account_and_ip_key,
    deduct_when=_failed,
    scope="login-account-ip",
)
def login() -> str | Response:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            audit(AuditAction.LOGIN_FAILED, entity_type="user", email=normalize_email(form.email.data))
            db.session.commit()
            form.password.errors.append(_("Wrong email or password."))
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user, remember=form.remember.data)
        audit(AuditAction.LOGIN_SUCCEEDED, user, actor_id=user.id)
        db.session.commit()
        return _after_sign_in(form.next.data)
    return render_template("auth/login.html", form=form)


def _after_sign_in(next_url: str | None) -> Response:
    accesses = tenants_open_to(current_user)
    if len(accesses) == 1:
        enter(accesses[0])
        return redirect(safe_next(next_url, url_for("learner.home")))
    if accesses or is_platform_staff(current_user):
        return redirect(url_for("auth.choose_tenant", next=safe_next(next_url, "")))
    return redirect(url_for("auth.choose_tenant"))


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        end_sessions(user)
        audit(AuditAction.LOGOUT, user, actor_id=user.id)
        db.session.commit()
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember cookie
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/tenants")
def choose_tenant() -> str | Response:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = SwitchTenantForm(next=safe_next(request.args.get("next"), ""))
    return render_template(
        "auth/tenants.html",
        tenant_accesses=tenants_open_to(current_user),
        form=form,
        platform=is_platform_staff(current_user),
    )


@bp.post("/tenants/switch")
def switch_tenant() -> Response:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = SwitchTenantForm()
    if not form.validate_on_submit():
        abort(400)
    access = access_to_tenant(current_user, form.tenant_id.data)
    if access is None:
        abort(404)
    if access.support:
        # Staff switching into a company they do not belong to: the same support visit as
        # Platform → Companies → "Enter company", audited there (and the one it leaves ended).
        access = support_access.enter(current_user, access.tenant.id, leaving=getattr(g, "tenant", None))
        db.session.commit()
    enter(access)
    return redirect(safe_next(form.next.data, url_for("learner.home")))
