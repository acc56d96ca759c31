"""Who may do what in a tenant (DESIGN.md: roles and permissions).

``can(user, permission, tenant)`` = the membership role's defaults, plus the user's
UserPermission grants in that tenant, whose ``scope`` may narrow them (e.g.
``{"group_ids": [3]}``). Views use ``permission_required``; admin views use
``lms.admin_views.base``, which calls ``can`` per view and per action.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.extensions import db
from lms.models import Membership, Tenant, User, UserPermission
from lms.models.enums import Permission, Role, TenantRole

P = ParamSpec("P")
R = TypeVar("R")

ALL_PERMISSIONS = frozenset(Permission)
HR_PERMISSIONS = frozenset(
    {
        Permission.MANAGE_ALL_MODULES,
        Permission.MANAGE_QUIZZES,
        Permission.MANAGE_USERS,
        Permission.MANAGE_GROUPS,
        Permission.VIEW_ALL_PROGRESS,
        Permission.VIEW_GROUP_PROGRESS,
        Permission.OVERRIDE_PROGRESS,
        Permission.VIEW_ANALYTICS,
        Permission.EXPORT_REPORTS,
        Permission.MANAGE_REWARDS,
        Permission.MANAGE_SUGGESTIONS,
        Permission.VIEW_MANAGER_DASHBOARD,
    }
)
ROLE_DEFAULTS: dict[TenantRole, frozenset[Permission]] = {
    TenantRole.OWNER: ALL_PERMISSIONS,
    TenantRole.SUPER_ADMIN: ALL_PERMISSIONS,
    TenantRole.ADMIN: ALL_PERMISSIONS,
    TenantRole.HR: HR_PERMISSIONS,
    TenantRole.EMPLOYEE: frozenset(),
    TenantRole.VIEWER: frozenset(),
}
SETTINGS_ROLES = frozenset({TenantRole.OWNER, TenantRole.SUPER_ADMIN})
OPERATIONS_ROLES = frozenset({TenantRole.OWNER, TenantRole.SUPER_ADMIN, TenantRole.ADMIN})
PLATFORM_ROLES = frozenset({Role.OWNER, Role.SUPER_ADMIN})


def is_platform_staff(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in PLATFORM_ROLES


def role_in(user: User, tenant: Tenant) -> TenantRole | None:
    """The user's role in the tenant: the active membership's, or SUPER_ADMIN for platform support."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user.id, Membership.is_active
        )
    )
    if membership is not None:
        return membership.role
    if is_platform_staff(user):
        return TenantRole.SUPER_ADMIN
    return None


def _scope_allows(grant_scope: dict[str, Any] | None, scope: dict[str, Any] | None) -> bool:
    """An unscoped grant allows everything; a scoped one only what lies inside its lists."""
    if not grant_scope or scope is None:
        return True
    for key, wanted in scope.items():
        allowed = grant_scope.get(key)
        if allowed is None:
            continue
        wanted_values = wanted if isinstance(wanted, list | tuple | set) else [wanted]
        if not set(wanted_values) <= set(allowed):
            return False
    return True


def permissions_of(user: User, tenant: Tenant, role: TenantRole | None = None) -> set[Permission]:
    """Every permission the user holds in the tenant, ignoring grant scopes (for menus)."""
    role = role if role is not None else role_in(user, tenant)
    if role is None:
        return set()
    granted = db.session.scalars(
        sa.select(UserPermission.permission).where(
            UserPermission.tenant_id == tenant.id, UserPermission.user_id == user.id
        )
    )
    return set(ROLE_DEFAULTS[role]) | set(granted)


def can(
    user: User | None, permission: Permission, tenant: Tenant, scope: dict[str, Any] | None = None
) -> bool:
    """True when the role's defaults or a grant (whose scope covers ``scope``) allow ``permission``."""
    if user is None or not user.is_active:
        return False
    role = role_in(user, tenant)
    if role is None:
        return False
    if permission in ROLE_DEFAULTS[role]:
        return True
    grants = db.session.scalars(
        sa.select(UserPermission.scope).where(
            UserPermission.tenant_id == tenant.id,
            UserPermission.user_id == user.id,
            UserPermission.permission == permission,
        )
    ).all()
    return any(_scope_allows(grant_scope, scope) for grant_scope in grants)


def can_manage_settings(role: TenantRole | None) -> bool:
    return role in SETTINGS_ROLES


def can_submit(role: TenantRole | None) -> bool:
    """VIEWER reads published content but cannot submit, post or earn XP."""
    return role is not None and role is not TenantRole.VIEWER


def current_can(permission: Permission, scope: dict[str, Any] | None = None) -> bool:
    """``can`` for the signed-in user in the request's tenant.

    Without a scope it reads the set computed once per request (``g.permissions``), so
    a menu of twenty views costs no queries; with a scope it asks ``can``.
    """
    tenant = g.get("tenant")
    if tenant is None or not current_user.is_authenticated:
        return False
    if scope is None:
        return permission in g.get("permissions", ())
    return can(current_user, permission, tenant, scope)


def permission_required(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A view decorator: 403 unless the signed-in user holds ``permission`` in the current tenant."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def submit_required(view: Callable[P, R]) -> Callable[P, R]:
    """A view decorator for writes of learners: VIEWER gets 403."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not can_submit(g.get("role")):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
