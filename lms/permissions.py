"""Who may do what in a tenant (DESIGN.md: roles and permissions).

``can(user, permission, tenant, scope)`` = the membership role's defaults, plus the user's
UserPermission grants in that tenant, whose ``scope`` may narrow them to groups (e.g.
``{"group_ids": [3]}``). Mentoring a module of the tenant counts as a grant of
MANAGE_OWN_MODULES (DESIGN.md: roles). ``rights_of`` computes all of it in one query
(once per request, as ``g.rights``); ``Reach`` is how far a held permission goes, and the
one query helper every scoped screen narrows by. Views use ``permission_required``; admin
views use ``lms.admin_views.base``, which narrows each view's rows by the user's reach.
Who may change roles and grants is ``services.memberships``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Membership, ModuleMentor, Tenant, User, UserGroup, UserPermission
from lms.models.enums import Permission, Role, TenantRole
from lms.tenancy import tenant_context

P = ParamSpec("P")
R = TypeVar("R")
Q = TypeVar("Q")

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
# Rights flow downward (DESIGN.md: roles): nobody gives a role above their own or changes
# someone who ranks above them.
ROLE_RANK: dict[TenantRole, int] = {
    TenantRole.VIEWER: 0,
    TenantRole.EMPLOYEE: 1,
    TenantRole.HR: 2,
    TenantRole.ADMIN: 3,
    TenantRole.SUPER_ADMIN: 4,
    TenantRole.OWNER: 5,
}


def is_platform_staff(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in PLATFORM_ROLES


@contextmanager
def _tenant_lookup(tenant: Tenant) -> Iterator[None]:
    """Read one named tenant's membership and grants, whichever tenant (if any) is active.

    The block enters that tenant (``tenant_context`` scopes even inside ``unscoped()``), so
    the answer about a tenant never depends on the request's tenant (a job has none, a
    platform screen another); the queries also filter by ``tenant.id`` themselves. Not
    ``unscoped()``: nothing here crosses tenants, and this runs several times a request,
    where ``unscoped``'s INFO line would drown the log. Pending rows are flushed first,
    under the context they were added in, so nothing is stamped with this tenant by mistake.
    """
    with tenant_context(tenant.id):
        yield


def role_in(user: User, tenant: Tenant) -> TenantRole | None:
    """The user's role in the tenant: the active membership's, or SUPER_ADMIN for platform support."""
    with _tenant_lookup(tenant):
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
    """A grant's scope is not an object of group id lists, or its permission cannot be narrowed."""


class OutOfReach(LmsError):
    """A row outside the groups a scoped grant reaches was to be written."""


@dataclass(frozen=True)
class Reach:
    """How far a held permission reaches: everywhere, or the groups a grant's scope names
    and the people in them (DESIGN.md: a scoped grant narrows everything it opens).

    Admin lists, details, actions, exports and counts, ajax pickers and the services that
    change people all narrow through ``narrow_people`` / ``narrow_groups``, so a scope is
    one rule, not a filter remembered per view.
    """

    group_ids: frozenset[int] | None = None

    @property
    def everywhere(self) -> bool:
        return self.group_ids is None

    def __and__(self, other: Reach) -> Reach:
        if self.group_ids is None:
            return other
        if other.group_ids is None:
            return self
        return Reach(self.group_ids & other.group_ids)

    def __or__(self, other: Reach) -> Reach:
        """Either reach: what two permissions open between them (all progress, or some groups')."""
        if self.group_ids is None or other.group_ids is None:
            return EVERYWHERE
        return Reach(self.group_ids | other.group_ids)

    def covers(self, scope: Mapping[str, Any] | None) -> bool:
        """Does a grant of ``scope`` (None or ``{}``: everywhere) lie inside this reach?"""
        if self.group_ids is None:
            return True
        wanted = (scope or {}).get("group_ids")
        return wanted is not None and set(wanted) <= self.group_ids

    def people(self) -> sa.Select[tuple[int]]:
        """The ids of the people inside a scoped reach (members of its groups)."""
        return sa.select(UserGroup.user_id).where(UserGroup.group_id.in_(sorted(self.group_ids or ())))

    def narrow_people(self, query: Q, user_id: Any) -> Q:
        """Rows about people (``user_id`` column) inside the reach."""
        return query if self.group_ids is None else query.filter(user_id.in_(self.people()))

    def narrow_groups(self, query: Q, group_id: Any) -> Q:
        """Rows of groups (``group_id`` column) inside the reach."""
        return query if self.group_ids is None else query.filter(group_id.in_(sorted(self.group_ids)))

    def reaches_person(self, user_id: int) -> bool:
        if self.group_ids is None:
            return True
        return bool(db.session.scalar(sa.select(self.people().where(UserGroup.user_id == user_id).exists())))


EVERYWHERE = Reach()
NOWHERE = Reach(frozenset())

# The permissions whose screens narrow to groups and their people; a scope on any other
# permission has nothing to narrow, so it is refused when granted and ignored if stored.
SCOPABLE_PERMISSIONS = frozenset(
    {
        Permission.MANAGE_USERS,
        Permission.MANAGE_GROUPS,
        Permission.VIEW_ALL_PROGRESS,
        Permission.VIEW_GROUP_PROGRESS,
        Permission.OVERRIDE_PROGRESS,
        Permission.EXPORT_REPORTS,
        Permission.VIEW_MANAGER_DASHBOARD,
        Permission.VIEW_ANALYTICS,
    }
)


def _group_ids(scope: object) -> frozenset[int] | None:
    """A stored or typed scope as group ids: None for everywhere; raises InvalidScope otherwise."""
    if scope is None or scope == {}:
        return None
    ids = scope.get("group_ids") if isinstance(scope, dict) and set(scope) == {"group_ids"} else None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise InvalidScope(_l('Write the scope as a list of group ids, e.g. {"group_ids": [3, 7]}, or leave it empty.'))
    if any(not 0 < i < 2**31 for i in ids):
        raise InvalidScope(_l("Group ids are positive whole numbers."))
    return frozenset(ids)


def check_scope(scope: object, permission: Permission | None = None) -> None:
    """A scope is empty (everywhere) or ``{"group_ids": [..]}`` on a permission that can be narrowed."""
    if _group_ids(scope) is not None and permission is not None and permission not in SCOPABLE_PERMISSIONS:
        raise InvalidScope(_l("This permission cannot be narrowed to groups; leave the scope empty."))


@dataclass(frozen=True)
class Rights:
    """What one user holds in one tenant: the role and how far each held permission reaches."""

    role: TenantRole | None
    reaches: Mapping[Permission, Reach]

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset(self.reaches)

    def reach(self, permission: Permission) -> Reach:
        return self.reaches.get(permission, NOWHERE)


NO_RIGHTS = Rights(None, {})


def rights_of(user: User | None, tenant: Tenant, role: TenantRole | None = None, *, grants: bool = True) -> Rights:
    """The role's defaults (everywhere) plus the user's grants with their scopes, and mentoring.

    A permission held unscoped, by role or by grant, reaches everywhere whatever else is
    granted; a scoped grant of a permission that cannot be narrowed counts for nothing.
    Grants and mentoring come in one query: this runs on every request, and not at all when
    the caller knows there are none (``grants=False``: the request's membership said so).
    """
    if user is None or not user.is_active:
        return NO_RIGHTS
    role = role if role is not None else role_in(user, tenant)
    if role is None:
        return NO_RIGHTS
    if not grants:
        return Rights(role, dict.fromkeys(ROLE_DEFAULTS[role], EVERYWHERE))
    granted = sa.select(UserPermission.permission, UserPermission.scope).where(
        UserPermission.tenant_id == tenant.id, UserPermission.user_id == user.id
    )
    mentoring = sa.select(
        sa.literal(Permission.MANAGE_OWN_MODULES.name), sa.cast(sa.null(), UserPermission.scope.type)
    ).where(_mentoring(user, tenant).exists())
    with _tenant_lookup(tenant):
        rows = db.session.execute(granted.union_all(mentoring)).all()
    reaches = dict.fromkeys(ROLE_DEFAULTS[role], EVERYWHERE)
    for permission, scope in rows:
        if reaches.get(permission) is EVERYWHERE:
            continue
        reach = grant_reach(permission, scope)
        if reach is not None:
            reaches[permission] = reach
    return Rights(role, reaches)


def grant_reach(permission: Permission, scope: object) -> Reach | None:
    """How far one stored grant reaches: everywhere (no scope), its groups, or None when it counts
    for nothing (a malformed scope, or a scope on a permission that cannot be narrowed)."""
    try:
        group_ids = _group_ids(scope)
    except InvalidScope:
        return None
    if group_ids is None:
        return EVERYWHERE
    return Reach(group_ids) if permission in SCOPABLE_PERMISSIONS else None


def _mentoring(user: User, tenant: Tenant) -> sa.Select[tuple[int]]:
    return sa.select(ModuleMentor.module_id).where(ModuleMentor.tenant_id == tenant.id, ModuleMentor.user_id == user.id)


def can(user: User | None, permission: Permission, tenant: Tenant, scope: dict[str, Any] | None = None) -> bool:
    """True when the user holds ``permission`` and, given a ``scope``, reaches all of it."""
    rights = rights_of(user, tenant)
    if permission not in rights.reaches:
        return False
    return scope is None or rights.reach(permission).covers(scope)


def can_manage_settings(role: TenantRole | None) -> bool:
    return role in SETTINGS_ROLES


def can_submit(role: TenantRole | None) -> bool:
    """VIEWER reads published content but cannot submit, post or earn XP."""
    return role is not None and role is not TenantRole.VIEWER


def current_rights() -> Rights:
    """The signed-in user's rights in the request's tenant, computed once per request."""
    if g.get("tenant") is None or not current_user.is_authenticated:
        return NO_RIGHTS
    return g.get("rights", NO_RIGHTS)


def current_can(permission: Permission, scope: dict[str, Any] | None = None) -> bool:
    """``can`` for the signed-in user in the request's tenant, with no query (``g.rights``)."""
    rights = current_rights()
    if permission not in rights.reaches:
        return False
    return scope is None or rights.reach(permission).covers(scope)


def current_reach(*permissions: Permission) -> Reach:
    """How far the signed-in user reaches holding all of ``permissions`` (their intersection)."""
    rights = current_rights()
    reach = EVERYWHERE
    for permission in permissions:
        reach &= rights.reach(permission)
    return reach


def progress_reach(rights: Rights) -> Reach:
    """Whose progress the user sees (issue 13, item 1): everyone with VIEW_ALL_PROGRESS, the
    groups its scope names, or the groups of a VIEW_GROUP_PROGRESS grant; the union of the two."""
    return rights.reach(Permission.VIEW_ALL_PROGRESS) | rights.reach(Permission.VIEW_GROUP_PROGRESS)


def sees_progress(role: TenantRole | None, permissions: frozenset[Permission]) -> bool:
    """The admin rule of the progress screens: either progress permission opens them."""
    return bool(permissions & {Permission.VIEW_ALL_PROGRESS, Permission.VIEW_GROUP_PROGRESS})


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
