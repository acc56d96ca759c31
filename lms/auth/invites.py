"""Accepting an invite and resetting a forgotten password, by single-use email links."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import bp
from lms.auth.context import enter
from lms.auth.forms import ForgotPasswordForm, JoinExistingAccountForm, JoinNewAccountForm, NewPasswordForm
from lms.extensions import db, limiter
from lms.jobs import enqueue
from lms.models import Tenant, User
from lms.models.enums import EmailTokenType
from lms.services import invites, tokens
from lms.services.accounts import PasswordPolicyError, access_to_tenant
from lms.services.plans import PlanLimitReached


def _token_page(error: tokens.TokenInvalid) -> tuple[str, int]:
    return render_template("auth/token_invalid.html", message=str(error)), error.status


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="forgot-password")
def forgot_password() -> str | Response:
    """The same answer and the same work for any address (issue 10): the lookup and the mail
    happen in the job, so the request's time tells nothing about who has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        enqueue(invites.send_password_reset, form.email.data, str(get_locale()), request.remote_addr)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        tokens.peek(EmailTokenType.PASSWORD_RESET, token)
    except tokens.TokenInvalid as error:
        return _token_page(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            invites.reset_password(token, form.password.data)
        except PasswordPolicyError as error:
            form.password.errors.append(str(error))
        except tokens.TokenInvalid as error:
            return _token_page(error)
        else:
            db.session.commit()
            session.clear()
            logout_user()  # after clear(): it leaves the note that deletes the remember cookie
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> Response | tuple[str, int]:
    try:
        pending = tokens.peek(EmailTokenType.INVITE, token)
    except tokens.TokenInvalid as error:
        return _token_page(error)
    tenant = db.session.get(Tenant, pending.tenant_id)
    existing = db.session.scalar(sa.select(User).where(User.email == pending.email, User.password_hash.isnot(None)))
    form = JoinExistingAccountForm() if existing else JoinNewAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = invites.accept_invite(
                token, name=getattr(form, "name", None) and form.name.data, password=form.password.data
            )
        except (PasswordPolicyError, invites.WrongAccountPassword) as error:
            form.password.errors.append(str(error))
        except PlanLimitReached as error:
            flash(str(error), "error")
            status = 409
        except tokens.TokenInvalid as error:
            return _token_page(error)
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            enter(access_to_tenant(user, tenant.id))
            flash(_("Welcome to %(company)s.", company=tenant.name), "success")
            return redirect(url_for("learner.home"))
    page = render_template("auth/accept_invite.html", form=form, tenant=tenant, email=pending.email, existing=existing)
    return page, status
