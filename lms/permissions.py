"""Who may do what in a tenant (DESIGN.md: roles and permissions).

``can(user, permission, tenant)`` = the membership role's defaults, plus the user's
UserPermission grants in that tenant, whose ``scope`` may narrow them (e.g.
``{"group_ids": [3]}``). Mentoring a module of the tenant counts as a grant of
MANAGE_OWN_MODULES (DESIGN.md: roles). Views use ``permission_required``; admin views use
``lms.admin_views.base``, which calls ``can`` per view and per action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Membership, ModuleMentor, Tenant, User, UserPermission
from lms.models.enums import Permission, Role, TenantRole
from lms.tenancy import unscoped

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


@contextmanager
def _tenant_lookup() -> Iterator[None]:
    """Read one named tenant's membership and grants, whichever tenant (if any) is active.

    The queries below filter by ``tenant.id`` themselves, so the answer about a tenant
    never depends on the request's tenant (a job has none, a platform screen another).
    Pending rows are flushed first, under the normal guard, so nothing is stamped or
    let through while the scope is lifted.
    """
    db.session.flush()
    with unscoped("permission lookup in one named tenant"):
        yield


def role_in(user: User, tenant: Tenant) -> TenantRole | None:
    """The user's role in the tenant: the active membership's, or SUPER_ADMIN for platform support."""
    with _tenant_lookup():
        role = db.session.scalar(
            sa.select(Membership.role).where(
                Membership.tenant_id == tenant.id, Membership.user_id == user.id, Membership.is_active
            )
        )
    if role is not None:
        return role
    if is_platform_staff(user):
        return TenantRole.SUPER_ADMIN
    return None


class InvalidScope(LmsError):
    """A grant's scope is not an object of id lists."""


def check_scope(scope: object) -> None:
    """A scope is empty or an object whose values are lists of ids, e.g. ``{"group_ids": [3]}``;
    ``_scope_allows`` compares such lists, and anything else would make it guess."""
    if scope is None or scope == {}:
        return
    if not isinstance(scope, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        for ids in scope.values()
    ):
        raise InvalidScope(_l('Write the scope as an object of id lists, e.g. {"group_ids": [3, 7]}.'))


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
    granted = sa.select(UserPermission.permission).where(
        UserPermission.tenant_id == tenant.id, UserPermission.user_id == user.id
    )
    # Grants and mentoring in one query: this runs on every request.
    mentoring = sa.select(sa.literal(Permission.MANAGE_OWN_MODULES.name)).where(_mentoring(user, tenant).exists())
    with _tenant_lookup():
        held = db.session.scalars(granted.union_all(mentoring)).all()
    return set(ROLE_DEFAULTS[role]) | set(held)


def _mentoring(user: User, tenant: Tenant) -> sa.Select[tuple[int]]:
    return sa.select(ModuleMentor.module_id).where(ModuleMentor.tenant_id == tenant.id, ModuleMentor.user_id == user.id)


def can(user: User | None, permission: Permission, tenant: Tenant, scope: dict[str, Any] | None = None) -> bool:
    """True when the role's defaults or a grant (whose scope covers ``scope``) allow ``permission``."""
    if user is None or not user.is_active:
        return False
    role = role_in(user, tenant)
    if role is None:
        return False
    if permission in ROLE_DEFAULTS[role]:
        return True
    with _tenant_lookup():
        if permission is Permission.MANAGE_OWN_MODULES and db.session.scalar(
            sa.select(_mentoring(user, tenant).exists())
        ):
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


def holders_of(permission: Permission) -> sa.Select[tuple[int]]:
    """The active members of the current tenant holding ``permission`` by role or by grant (set-based, for notices).

    Scoped by the tenancy hook like any tenant query; grant scopes are ignored, as for menus.
    """
    roles = [role for role, held in ROLE_DEFAULTS.items() if permission in held]
    granted = sa.select(UserPermission.user_id).where(UserPermission.permission == permission)
    return (
        sa.select(Membership.user_id)
        .where(Membership.is_active, sa.or_(Membership.role.in_(roles), Membership.user_id.in_(granted)))
        .distinct()
    )
