"""A company's own settings (issue 4: tenant settings, OWNER and SUPER_ADMIN only)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa

from lms.extensions import db
from lms.jobs import enqueue
from lms.models import Tenant
from lms.models.enums import AuditAction, TenantPlan, TenantTheme
from lms.services import xp_rebuild
from lms.services.audit import audit
from lms.services.plans import check_plan_change
from lms.tenancy import tenant_context, unscoped

log = logging.getLogger(__name__)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


@cache
def timezones() -> tuple[str, ...]:
    """The IANA zones this system knows; a tenant's ``timezone`` must be one (calendar months
    of reward limits are counted in it)."""
    return tuple(sorted(available_timezones()))


def update_settings(
    tenant: Tenant, *, name: str, locale: str, theme: TenantTheme, plan: TenantPlan, timezone: str
) -> dict[str, Any]:
    """Apply the settings form and audit TENANT_UPDATED with what changed; returns the changes.

    A plan downgrade below the company's usage raises PlanLimitReached and changes nothing.
    A new time zone moves the month boundaries of the monthly XP summary, which is rebuilt
    from the ledger in the same transaction (``xp_rebuild``), so the monthly board stays right.
    """
    check_plan_change(tenant, plan)
    wanted = {"name": name.strip(), "locale": locale, "theme": theme, "plan": plan, "timezone": timezone}
    changes = {key: value for key, value in wanted.items() if getattr(tenant, key) != value}
    if not changes:
        return changes
    for key, value in changes.items():
        setattr(tenant, key, value)
    db.session.flush()
    if "timezone" in changes:
        xp_rebuild.rebuild(tenant.id)
    audit(AuditAction.TENANT_UPDATED, tenant, changes=changes)
    return changes


def active_tenant_ids(reason: str) -> list[int]:
    """The active companies a periodic job sweeps, one at a time (DESIGN.md: tenancy).

    Read in a named ``unscoped`` block, as all cross-tenant work is, so the log says why.
    """
    with unscoped(reason):
        return list(db.session.scalars(sa.select(Tenant.id).where(Tenant.is_active).order_by(Tenant.id)))


def send_for_tenant(tenant_id: int, send: Callable[[Tenant], int], what: str) -> int:
    """One company's part of a sweep: ``send`` in its context; logged with how many went out."""
    with tenant_context(tenant_id):
        sent = send(db.session.get(Tenant, tenant_id))
    log.info("%s for tenant %s: %d sent", what, tenant_id, sent)
    return sent


def enqueue_per_tenant(
    func: Callable[..., Any], reason: str, *args: Any, job_ids: Callable[[int], str] | None = None
) -> None:
    """A periodic sweep: queue ``func(tenant_id, *args)`` once per active company.

    Each company's job is a transaction of its own, failing and retried alone; it is
    queued inside that company's context, so it counts as the company's job (ops screen).
    ``job_ids`` names each company's job (``services/schedule.py``: one per period).
    """
    for tenant_id in active_tenant_ids(reason):
        with tenant_context(tenant_id):
            enqueue(func, tenant_id, *args, job_id=job_ids(tenant_id) if job_ids else None)
