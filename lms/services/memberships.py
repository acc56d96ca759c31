"""Who is in a company with which rights: roles, (de)activation, grants and invites (issue 10).

Every change of a role, a membership, a permission grant or an invite comes here, from
the admin, the CLI or a test alike, and rights only flow downward (DESIGN.md: roles):
- nobody changes their own role, membership or grants;
- nobody gives a role above their own, or a permission they do not hold, or a scope
  wider than theirs;
- nobody changes someone who ranks above them, or someone outside the groups their
  (scoped) MANAGE_USERS reaches;
- a company always keeps an active OWNER.

The acting user's rights are computed here from the database (``rights_of``), not taken
from the caller, so a tampered form or a stale screen cannot claim more. Memberships are
never deleted: their history (progress, XP, audit) stays with them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import label
from lms.models import Group, Membership, Tenant, User, UserPermission
from lms.models.enums import AuditAction, Permission, TenantRole
from lms.permissions import ROLE_RANK, InvalidScope, Rights, check_scope, rights_of
from lms.services import email_preferences
from lms.services.audit import audit
from lms.services.plans import check_room_for_user
from lms.tenancy import tenant_context


class RightsRefused(LmsError):
    """A change of roles or rights that the acting user may not make.

    ``field`` names the form field the refusal belongs on, so a screen can show it there.
    """

    field = "user"


class RoleNotGrantable(RightsRefused):
    """A role above the acting user's own."""

    field = "role"


class PermissionNotGrantable(RightsRefused):
    """A permission the acting user does not hold, or holds only for fewer groups."""

    field = "permission"


class ScopeRefused(RightsRefused):
    """A scope wider than the acting user's, malformed, or naming groups of no company here."""

    field = "scope"


class LastOwner(LmsError):
    """The change would leave the company without an active OWNER."""


def rank(role: TenantRole | None) -> int:
    return -1 if role is None else ROLE_RANK[role]


def grantable_roles(rights: Rights) -> list[TenantRole]:
    """The roles ``rights`` may hand out, highest first: its own and those below."""
    return [role for role in ROLE_RANK if rank(role) <= rank(rights.role)][::-1]


def grantable_permissions(rights: Rights) -> list[Permission]:
    """The permissions ``rights`` may grant: those it holds."""
    return [permission for permission in Permission if permission in rights.reaches]


def _rights(actor: User, tenant: Tenant) -> Rights:
    """The actor's rights, refused unless they may manage people here at all."""
    rights = rights_of(actor, tenant)
    if Permission.MANAGE_USERS not in rights.reaches:
        raise RightsRefused(_l("Your role does not allow managing people in this company."))
    return rights


def _check_may_change(rights: Rights, actor: User, user_id: int, role: TenantRole | None) -> None:
    """``user_id`` (whose role here is ``role``) is someone else, not above the actor, within reach."""
    if user_id == actor.id:
        raise RightsRefused(_l("Nobody changes their own role or permissions; ask another administrator."))
    if rank(role) > rank(rights.role):
        raise RightsRefused(_l("This person's role (%(role)s) ranks above yours.", role=label(role)))
    if not rights.reach(Permission.MANAGE_USERS).reaches_person(user_id):
        raise RightsRefused(_l("This person is outside the groups you manage."))


def _check_role(rights: Rights, role: TenantRole) -> None:
    if rank(role) > rank(rights.role):
        raise RoleNotGrantable(_l("You cannot give the %(role)s role: it ranks above yours.", role=label(role)))


def _check_other_owner(membership: Membership) -> None:
    """Raise LastOwner unless another active OWNER remains.

    Every active owner's row is locked, in id order (PostgreSQL), so two owners demoting
    each other at the same moment queue up instead of deadlocking, and the second sees
    the first's change: it is the last owner then, and is refused.
    """
    if membership.role is not TenantRole.OWNER or not membership.is_active:
        return
    owners = db.session.scalars(
        sa.select(Membership.id)
        .where(Membership.role == TenantRole.OWNER, Membership.is_active)
        .order_by(Membership.id)
        .with_for_update()
    ).all()
    if not set(owners) - {membership.id}:
        raise LastOwner(
            _l(
                "%(email)s is the last owner of this company; make someone else an owner first.",
                email=membership.user.email,
            )
        )


def change_role(membership: Membership, role: TenantRole, *, by: User) -> None:
    """Give the member ``role``, within the rules above."""
    rights = _rights(by, membership.tenant)
    _check_may_change(rights, by, membership.user_id, membership.role)
    if role is membership.role:
        return
    _check_role(rights, role)
    _check_other_owner(membership)
    previous = membership.role
    membership.role = role
    db.session.flush()
    audit(AuditAction.USER_ROLE_CHANGED, membership.user, previous=previous, role=role)


def deactivate(membership: Membership, *, by: User) -> None:
    """Take the member out of the company, keeping their history.

    Their sessions are not ended: the membership is checked on every request
    (``lms.auth.context``), so they are signed out of this company at their next
    click, while their memberships in other companies keep working.
    """
    rights = _rights(by, membership.tenant)
    _check_may_change(rights, by, membership.user_id, membership.role)
    if not membership.is_active:
        return
    _check_other_owner(membership)
    membership.is_active = False
    db.session.flush()
    audit(AuditAction.USER_DEACTIVATED, membership.user, role=membership.role)


def reactivate(membership: Membership, *, by: User) -> None:
    """Let a former member back in with their old role, if the plan has room for them."""
    rights = _rights(by, membership.tenant)
    _check_may_change(rights, by, membership.user_id, membership.role)
    if membership.is_active:
        return
    check_room_for_user(membership.tenant)
    membership.is_active = True
    db.session.flush()
    email_preferences.ensure(membership.user_id)
    audit(AuditAction.USER_REACTIVATED, membership.user, role=membership.role)


def _role_of(user_id: int) -> TenantRole | None:
    """The user's role in the active tenant, active or not (a former owner still outranks)."""
    return db.session.scalar(sa.select(Membership.role).where(Membership.user_id == user_id))


def _check_grant(rights: Rights, permission: Permission, scope: Any, *, given: bool = True) -> dict[str, Any] | None:
    """The grant's scope, normalised, once the actor may give ``permission`` with it.

    ``given=False`` checks a grant being taken away or replaced: the actor must reach it, but
    a group it names that was deleted since does not stop them from fixing it.
    """
    reach = rights.reach(permission)
    if permission not in rights.reaches:
        raise PermissionNotGrantable(
            _l(
                "You can only grant permissions you hold yourself; you do not hold %(permission)s.",
                permission=label(permission),
            )
        )
    try:
        check_scope(scope, permission)
    except InvalidScope as error:
        raise ScopeRefused(str(error)) from None
    scope = scope or None
    if not reach.covers(scope):
        raise ScopeRefused(_l("You hold this permission for some groups only: name some of those groups."))
    if scope and given:
        wanted = set(scope["group_ids"])
        known = set(db.session.scalars(sa.select(Group.id).where(Group.id.in_(sorted(wanted)))))
        if wanted - known:
            raise ScopeRefused(
                _l(
                    "Some of the chosen groups are not in this company (deleted, or another company's): %(ids)s."
                    " Choose the groups again.",
                    ids=", ".join(f"#{i}" for i in sorted(wanted - known)),
                )
            )
    return scope


def grant(tenant: Tenant, user: User, permission: Permission, scope: Any, *, by: User) -> UserPermission:
    """Give ``user`` a permission on top of their role, optionally narrowed to groups."""
    rights = _rights(by, tenant)
    _check_may_change(rights, by, user.id, _role_of(user.id))
    scope = _check_grant(rights, permission, scope)
    row = UserPermission(user_id=user.id, permission=permission, scope=scope, granted_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit(AuditAction.PERMISSION_GRANTED, row, user=user.email, permission=permission, scope=scope)
    return row


def change_grant(row: UserPermission, permission: Permission, scope: Any, *, by: User) -> None:
    """Change a grant's permission or scope: taking the old one and giving the new one, both checked."""
    rights = _rights(by, db.session.get(Tenant, row.tenant_id))
    _check_may_change(rights, by, row.user_id, _role_of(row.user_id))
    _check_grant(rights, row.permission, row.scope, given=False)
    row.scope = _check_grant(rights, permission, scope)
    row.permission = permission
    db.session.flush()
    audit(AuditAction.PERMISSION_GRANTED, row, user=row.user.email, permission=permission, scope=row.scope)


def revoke(row: UserPermission, *, by: User) -> None:
    """Take a grant away; only from someone the actor may change."""
    rights = _rights(by, db.session.get(Tenant, row.tenant_id))
    _check_may_change(rights, by, row.user_id, _role_of(row.user_id))
    audit(AuditAction.PERMISSION_REVOKED, row, user=row.user.email, permission=row.permission, scope=row.scope)
    db.session.delete(row)
    db.session.flush()


def check_invite(tenant: Tenant, user: User | None, role: TenantRole, *, by: User) -> None:
    """May ``by`` invite someone (``user``: an existing account, or None) into ``tenant`` as ``role``?

    An invite is a grant of a role to a person nobody's groups hold yet, so it needs
    MANAGE_USERS everywhere; an existing former member who ranks above the inviter is not
    theirs to bring back with another role.
    """
    rights = _rights(by, tenant)
    if not rights.reach(Permission.MANAGE_USERS).everywhere:
        raise RightsRefused(_l("Inviting people needs the permission to manage everyone in the company."))
    _check_role(rights, role)
    if user is not None:
        if user.id == by.id:
            raise RightsRefused(_l("Nobody changes their own role or permissions; ask another administrator."))
        with tenant_context(tenant.id):
            current = _role_of(user.id)
        if rank(current) > rank(rights.role):
            raise RightsRefused(_l("This person's role (%(role)s) ranks above yours.", role=label(current)))
