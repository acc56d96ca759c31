"""Accounts: passwords, sign-in, ending sessions, and where a user belongs.

Sign-in errors never say whether the email exists (issue 4: the same error for an
unknown email and a wrong password).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Membership, ModuleMentor, Notification, Tenant, User, UserPermission
from lms.models.enums import TenantRole
from lms.models.types import utcnow
from lms.permissions import is_platform_staff
from lms.services.passwords import hash_password, needs_rehash, verify_password
from lms.tenancy import unscoped

MIN_PASSWORD = 8
MAX_PASSWORD = 128
_COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "auth" / "common_passwords.txt"
_DUMMY_HASH = hash_password("timing equaliser for unknown accounts")


class PasswordPolicyError(LmsError):
    """The password is too short, too long or too common; the message says which."""


@cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_policy(password: str, email: str | None = None) -> None:
    """Raise PasswordPolicyError unless the password is 8-128 characters and not a common one."""
    if len(password) < MIN_PASSWORD:
        raise PasswordPolicyError(_l("Use at least %(n)d characters.", n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise PasswordPolicyError(_l("Use at most %(n)d characters.", n=MAX_PASSWORD))
    lowered = password.lower()
    if lowered in _common_passwords() or (email and lowered == normalize_email(email)):
        raise PasswordPolicyError(_l("This password is too common; choose another."))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; as slow for unknown emails."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None or not user.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie issued before this stops working (issue 4)."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.refresh(user, ["session_version"])


@event.listens_for(User.is_active, "set")
def _deactivation_ends_sessions(user: User, value: bool, old: object, initiator: object) -> None:
    """Being deactivated ends every session (issue 4), whichever screen, command or job did it,
    so a later reactivation does not bring old cookies back to life."""
    if value is False and old is not False and inspect(user).persistent:
        user.session_version = User.session_version + 1


def set_password(user: User, password: str) -> None:
    check_password_policy(password, user.email)
    user.password_hash = hash_password(password)
    end_sessions(user)


@dataclass(frozen=True)
class TenantAccess:
    """A company the user may enter, as sign-in and the switcher list it: the tenant, the role there,
    and ``support`` for platform staff who enter without being a member (as SUPER_ADMIN)."""

    tenant: Tenant
    role: TenantRole
    support: bool = False
    # Read with the membership by ``user_and_tenants``, so that a request of a learner with no
    # grant costs no query for rights or the bell (issue 12, item 1); None: not read, ask.
    has_grants: bool | None = None
    unread: int | None = None


def tenants_open_to(user: User) -> list[TenantAccess]:
    """The active tenants where the user has an active membership, by name."""
    return user_and_tenants(user.id)[1]


@cache
def _user_and_tenants_statement() -> sa.Select[Any]:
    """Built once: composing this select costs more Python than running it (issue 12, item 1)."""
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    grants = sa.or_(
        sa.select(UserPermission.id)
        .where(UserPermission.user_id == User.id, UserPermission.tenant_id == Membership.tenant_id)
        .exists(),
        sa.select(ModuleMentor.module_id)
        .where(ModuleMentor.user_id == User.id, ModuleMentor.tenant_id == Membership.tenant_id)
        .exists(),
    )
    unread = (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.tenant_id == Membership.tenant_id, ~Notification.is_read)
        .scalar_subquery()
    )
    return (
        sa.select(User, Tenant, Membership.role, grants, unread)
        .outerjoin(Membership, sa.and_(Membership.user_id == User.id, Membership.is_active))
        .outerjoin(Tenant, sa.and_(Tenant.id == Membership.tenant_id, Tenant.is_active))
        .where(User.id == user_id)
        .order_by(Tenant.name)
    )


def user_and_tenants(user_id: int) -> tuple[User | None, list[TenantAccess]]:
    """The user with the tenants open to them, in one query: every signed-in request needs both
    (the session check and the switcher), and a round trip costs more than the query.

    Each company comes with whether the user holds a grant or mentors a module there (most
    learners do neither, and then their rights are their role's: ``rights_of`` needs no
    query) and their unread notifications there (the bell): two index probes per membership.
    """
    with unscoped("memberships of the signed-in user", level=logging.DEBUG):
        rows = db.session.execute(_user_and_tenants_statement(), {"user_id": user_id}).all()
    if not rows:
        return None, []
    accesses = [
        TenantAccess(tenant, role, has_grants=bool(granted), unread=count)
        for _, tenant, role, granted, count in rows
        if tenant is not None
    ]
    return rows[0][0], accesses


def access_to_tenant(user: User, tenant_id: int) -> TenantAccess | None:
    """The user's access to the tenant, checked on every request: an active membership of an
    active tenant, or platform support access (as SUPER_ADMIN) for platform staff."""
    with unscoped("membership check of the signed-in user"):
        row = db.session.execute(
            sa.select(Tenant, Membership.role)
            .outerjoin(
                Membership,
                sa.and_(Membership.tenant_id == Tenant.id, Membership.user_id == user.id, Membership.is_active),
            )
            .where(Tenant.id == tenant_id, Tenant.is_active)
        ).first()
    if row is None:
        return None
    tenant, role = row
    if role is None:
        if not is_platform_staff(user):
            return None
        return TenantAccess(tenant, TenantRole.SUPER_ADMIN, support=True)
    return TenantAccess(tenant, role)
