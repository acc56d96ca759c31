"""Memberships: changing a member's role, deactivating and reactivating them (issue 4).

Two rules hold for every write here:
- a company always keeps an active OWNER: nobody demotes or deactivates the last one;
- the roles that own a company (OWNER, SUPER_ADMIN) are given or taken only by someone
  holding one of them, so an ADMIN or HR cannot raise themselves or remove an owner.

Memberships are never deleted: their history (progress, XP, audit) stays with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Membership
from lms.models.enums import AuditAction, TenantRole
from lms.permissions import SETTINGS_ROLES
from lms.services.audit import audit
from lms.services.plans import check_room_for_user

OWNING_ROLES = SETTINGS_ROLES


class LastOwner(LmsError):
    """The change would leave the company without an active OWNER."""


class RoleNotGrantable(LmsError):
    """Only an OWNER or SUPER_ADMIN gives, takes or restores the owning roles."""


def check_grantable(role: TenantRole, *, by: TenantRole | None) -> None:
    """Raise RoleNotGrantable when ``by`` may not hand out ``role`` (invites use this too)."""
    if role in OWNING_ROLES and by not in OWNING_ROLES:
        raise RoleNotGrantable(_l("Only an owner can give the %(role)s role.", role=role.name))


def _check_may_manage(membership: Membership, *, by: TenantRole | None) -> None:
    if membership.role in OWNING_ROLES and by not in OWNING_ROLES:
        raise RoleNotGrantable(
            _l("Only an owner can change a member with the %(role)s role.", role=membership.role.name)
        )


def _check_other_owner(membership: Membership) -> None:
    """Raise LastOwner unless another active OWNER remains.

    The other owners' rows are locked (PostgreSQL), so two owners demoting each other
    at the same moment cannot both succeed: the second one waits and sees the first.
    """
    if membership.role is not TenantRole.OWNER or not membership.is_active:
        return
    others = db.session.scalars(
        sa.select(Membership.id)
        .where(
            Membership.role == TenantRole.OWNER,
            Membership.is_active,
            Membership.id != membership.id,
        )
        .with_for_update()
    ).all()
    if not others:
        raise LastOwner(
            _l(
                "%(email)s is the last owner of this company; make someone else an owner first.",
                email=membership.user.email,
            )
        )


def change_role(membership: Membership, role: TenantRole, *, by: TenantRole | None) -> None:
    """Give the member ``role``; ``by`` is the acting user's role in the same company."""
    if role is membership.role:
        return
    _check_may_manage(membership, by=by)
    check_grantable(role, by=by)
    _check_other_owner(membership)
    previous = membership.role
    membership.role = role
    db.session.flush()
    audit(AuditAction.USER_ROLE_CHANGED, membership.user, previous=previous, role=role)


def deactivate(membership: Membership, *, by: TenantRole | None) -> None:
    """Take the member out of the company, keeping their history.

    Their sessions are not ended: the membership is checked on every request
    (``lms.auth.context``), so they are signed out of this company at their next
    click, while their memberships in other companies keep working.
    """
    if not membership.is_active:
        return
    _check_may_manage(membership, by=by)
    _check_other_owner(membership)
    membership.is_active = False
    db.session.flush()
    audit(AuditAction.USER_DEACTIVATED, membership.user, role=membership.role)


def reactivate(membership: Membership, *, by: TenantRole | None) -> None:
    """Let a former member back in with their old role, if the plan has room for them."""
    if membership.is_active:
        return
    _check_may_manage(membership, by=by)
    check_room_for_user(membership.tenant)
    membership.is_active = True
    db.session.flush()
    audit(AuditAction.USER_REACTIVATED, membership.user, role=membership.role)
