"""Plan limits (issue 4): FREE 25 users and 10 modules, STARTER 250 users, PRO unlimited.

Storage (issue 16): the media library's files, FREE 1 GB, STARTER 50 GB, PRO unlimited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import MediaAsset, Membership, Module, Tenant
from lms.models.enums import MediaAssetStatus, TenantPlan
from lms.tenancy import tenant_context

USER_LIMITS: dict[TenantPlan, int | None] = {
    TenantPlan.FREE: 25,
    TenantPlan.STARTER: 250,
    TenantPlan.PRO: None,
}
MODULE_LIMITS: dict[TenantPlan, int | None] = {
    TenantPlan.FREE: 10,
    TenantPlan.STARTER: None,
    TenantPlan.PRO: None,
}
GB = 1024**3
STORAGE_LIMITS: dict[TenantPlan, int | None] = {
    TenantPlan.FREE: 1 * GB,
    TenantPlan.STARTER: 50 * GB,
    TenantPlan.PRO: None,
}
# A file HR has deleted no longer counts, even while the cleanup job is still removing it.
_GONE = (MediaAssetStatus.DELETE_PENDING, MediaAssetStatus.DELETE_FAILED)


class PlanLimitReached(LmsError):
    """The tenant's plan allows no more of something; the message names the limit."""


def active_members(tenant: Tenant) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Membership.id)).where(Membership.tenant_id == tenant.id, Membership.is_active)
    )


def check_room_for_user(tenant: Tenant) -> None:
    """Raise PlanLimitReached when one more active member would exceed the plan."""
    limit = USER_LIMITS[tenant.plan]
    if limit is not None and active_members(tenant) >= limit:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)d users; upgrade the plan to add more.",
                plan=tenant.plan.name,
                limit=limit,
            )
        )


def check_room_for_module(tenant: Tenant) -> None:
    """Raise PlanLimitReached when one more module would exceed the plan."""
    limit = MODULE_LIMITS[tenant.plan]
    count = db.session.scalar(sa.select(sa.func.count(Module.id)).where(Module.tenant_id == tenant.id))
    if limit is not None and count >= limit:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)d modules; upgrade the plan to add more.",
                plan=tenant.plan.name,
                limit=limit,
            )
        )


def storage_used(tenant: Tenant) -> int:
    """Bytes of the tenant's media files, those being deleted left out."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(MediaAsset.size_bytes), 0)).where(
            MediaAsset.tenant_id == tenant.id, MediaAsset.status.not_in(_GONE)
        )
    )


def check_room_for_storage(tenant: Tenant, size_bytes: int) -> None:
    """Raise PlanLimitReached when a file of ``size_bytes`` more would exceed the plan's storage."""
    limit = STORAGE_LIMITS[tenant.plan]
    if limit is not None and storage_used(tenant) + size_bytes > limit:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)s of files; delete files or upgrade the plan to upload more.",
                plan=tenant.plan.name,
                limit=_gigabytes(limit),
            )
        )


def _gigabytes(size: int) -> str:
    return f"{size / GB:g} GB"


def check_plan_change(tenant: Tenant, plan: TenantPlan) -> None:
    """A downgrade below the current usage is refused, not silently over the limit.

    Every way of changing a plan asks this first: the company's settings and the platform's
    company screen. Usage is counted as the tenant, since platform screens act for none.
    """
    if plan is tenant.plan:
        return
    with tenant_context(tenant.id):
        _check_usage_fits(tenant, plan)


def _check_usage_fits(tenant: Tenant, plan: TenantPlan) -> None:
    users = USER_LIMITS[plan]
    if users is not None and active_members(tenant) > users:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)d users; this company has more.",
                plan=plan.name,
                limit=users,
            )
        )
    modules = MODULE_LIMITS[plan]
    count = db.session.scalar(sa.select(sa.func.count(Module.id)).where(Module.tenant_id == tenant.id))
    if modules is not None and count > modules:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)d modules; this company has more.",
                plan=plan.name,
                limit=modules,
            )
        )
    storage = STORAGE_LIMITS[plan]
    if storage is not None and storage_used(tenant) > storage:
        raise PlanLimitReached(
            _l(
                "The %(plan)s plan allows %(limit)s of files; this company stores more.",
                plan=plan.name,
                limit=_gigabytes(storage),
            )
        )
