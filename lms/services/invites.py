"""Invites into a tenant and password resets (issue 4), on top of ``services.tokens``."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.jobs import job
from lms.jobs.mail import send_mail
from lms.models import Membership, Tenant, User
from lms.models.enums import AuditAction, EmailTokenType, TenantRole
from lms.permissions import rights_of
from lms.services import email_preferences, memberships, tokens
from lms.services.accounts import authenticate, check_password_policy, normalize_email, set_password
from lms.services.audit import audit, set_actor
from lms.services.links import url_for_mail
from lms.services.passwords import hash_password
from lms.services.plans import check_room_for_user
from lms.tenancy import tenant_context


class AlreadyMember(LmsError):
    """The invited email already belongs to an active member of the tenant."""


class WrongAccountPassword(LmsError):
    """An existing account joins a tenant only with its own password."""


def _member(tenant_id: int, user_id: int) -> Membership | None:
    with tenant_context(tenant_id):
        return db.session.scalar(sa.select(Membership).where(Membership.user_id == user_id))


def invitable_roles(tenant: Tenant, inviter: User) -> list[TenantRole]:
    """The roles ``inviter`` may invite people into ``tenant`` with, highest first: their own and
    those below (DESIGN.md: rights only flow downward). The invite form offers these, and
    ``invite`` refuses any other (``memberships.check_invite``), and none to someone who may
    not invite at all."""
    try:
        memberships.check_invite(
            tenant, None, TenantRole.VIEWER, by=inviter
        )  # the lowest role: may they invite at all?
    except memberships.RightsRefused:
        return []
    return memberships.grantable_roles(rights_of(inviter, tenant))


def invite(tenant: Tenant, email: str, role: TenantRole, inviter: User) -> None:
    """Email a single-use link (7 days) that makes ``email`` a member of ``tenant`` with ``role``.

    Only a role the inviter may give (``memberships.check_invite``): an invite is a grant.
    """
    email = normalize_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    memberships.check_invite(tenant, user, role, by=inviter)
    if user is not None:
        membership = _member(tenant.id, user.id)
        if membership is not None and membership.is_active:
            raise AlreadyMember(_l("%(email)s is already a member of this company.", email=email))
    with tenant_context(tenant.id):
        check_room_for_user(tenant)
    tokens.revoke_open(EmailTokenType.INVITE, email, tenant.id)
    token = tokens.issue(
        EmailTokenType.INVITE,
        email,
        timedelta(hours=current_app.config["INVITE_TTL_HOURS"]),
        tenant_id=tenant.id,
        role=role,
        created_by_id=inviter.id,
        user_id=user.id if user else None,
    )
    with tenant_context(tenant.id):
        audit(
            AuditAction.USER_INVITED,
            entity_type="user",
            entity_id=user.id if user else None,
            email=email,
            role=role,
        )
    send_mail(
        email,
        str(_l("You are invited to %(company)s on Mojster", company=tenant.name)),
        "invite",
        link=url_for_mail("auth.accept_invite", token=token),
        company=tenant.name,
        inviter=inviter.name or inviter.email,
        existing_account=user is not None,
    )


def accept_invite(token: str, *, name: str | None, password: str) -> User:
    """Join the tenant: a new account sets name and password; an existing one proves its password."""
    pending = tokens.peek(EmailTokenType.INVITE, token)
    user = db.session.scalar(sa.select(User).where(User.email == pending.email))
    if user is not None and user.password_hash:
        if authenticate(pending.email, password) is None:
            raise WrongAccountPassword(_l("That is not the password of %(email)s.", email=pending.email))
    else:
        check_password_policy(password, pending.email)
    tenant = db.session.get(Tenant, pending.tenant_id)
    membership = _member(tenant.id, user.id) if user is not None else None
    if membership is None or not membership.is_active:
        with tenant_context(tenant.id):
            check_room_for_user(tenant)
    used = tokens.consume(EmailTokenType.INVITE, token)
    if user is None:
        user = User(email=used.email, name=(name or "").strip(), password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
    elif not user.password_hash:
        user.name = (name or user.name).strip()
        user.password_hash = hash_password(password)
    with tenant_context(tenant.id):
        if membership is None:
            membership = Membership(user_id=user.id, role=used.role or TenantRole.EMPLOYEE)
            db.session.add(membership)
        else:
            membership.is_active = True
            membership.role = used.role or membership.role
        db.session.flush()
        email_preferences.ensure(user.id)
        audit(AuditAction.USER_CREATED, user, actor_id=user.id, role=membership.role, via="invite")
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link (1 hour) when an active account has this email; silent otherwise."""
    email = normalize_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email, User.is_active))
    if user is None or not user.password_hash:
        return
    tokens.revoke_open(EmailTokenType.PASSWORD_RESET, email)
    token = tokens.issue(
        EmailTokenType.PASSWORD_RESET,
        email,
        timedelta(hours=current_app.config["PASSWORD_RESET_TTL_HOURS"]),
        user_id=user.id,
    )
    audit(AuditAction.PASSWORD_RESET_REQUESTED, user, actor_id=user.id)
    send_mail(
        email,
        str(_l("Reset your Mojster password")),
        "password_reset",
        link=url_for_mail("auth.reset_password", token=token),
    )


def reset_password(token: str, password: str) -> User:
    """Set the new password and end every other session of the account."""
    pending = tokens.peek(EmailTokenType.PASSWORD_RESET, token)
    check_password_policy(password, pending.email)
    used = tokens.consume(EmailTokenType.PASSWORD_RESET, token)
    user = db.session.get(User, used.user_id)
    set_password(user, password)
    audit(AuditAction.PASSWORD_CHANGED, user, actor_id=user.id, via="reset")
    return user


@job("urgent")
def send_password_reset(email: str, locale: str, ip_address: str | None) -> None:
    """``request_password_reset`` away from the request, in the requester's language.

    ``/forgot-password`` must not tell who has an account, not even by how long it takes
    (issue 10): the request only checks the form and queues this job with the address as
    typed, so a known and an unknown address cost it the same. ``ip_address`` is the
    requester's, for the audit row. Run twice (RQ retries), it sends a second link that
    replaces the first, as a second request would.
    """
    set_actor(None, ip_address)
    with force_locale(locale):
        request_password_reset(email)
