"""A company's own settings (issue 4: tenant settings, OWNER and SUPER_ADMIN only)."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import AuditAction, TenantPlan, TenantTheme
from lms.services.audit import audit
from lms.services.plans import check_plan_change

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
    """
    if plan is not tenant.plan:
        check_plan_change(tenant, plan)
    wanted = {"name": name.strip(), "locale": locale, "theme": theme, "plan": plan, "timezone": timezone}
    changes = {key: value for key, value in wanted.items() if getattr(tenant, key) != value}
    if not changes:
        return changes
    for key, value in changes.items():
        setattr(tenant, key, value)
    db.session.flush()
    audit(AuditAction.TENANT_UPDATED, tenant, changes=changes)
    return changes
