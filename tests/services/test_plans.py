"""Is a plan downgrade below a company's usage refused, wherever it is made? (issue 4: plan limits)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import TenantPlan, TenantRole
from lms.services.plans import MODULE_LIMITS, PlanLimitReached, check_plan_change
from lms.tenancy import set_tenant
from tests.factories import TwoTenants, make_module, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _fill_free_modules(tenant: Tenant, extra: int) -> None:
    for index in range(MODULE_LIMITS[TenantPlan.FREE] + extra):
        make_module(tenant, f"Module {index}", sections=0)


def test_a_downgrade_below_the_module_count_is_refused_with_no_tenant_active(world: TwoTenants) -> None:
    """The platform's company screen acts for no tenant: the rule counts as the company itself."""
    _fill_free_modules(world.acme, 1)
    set_tenant(None)

    with pytest.raises(PlanLimitReached, match="allows 10 modules"):
        check_plan_change(world.acme, TenantPlan.FREE)


def test_a_downgrade_that_fits_the_usage_is_allowed(world: TwoTenants) -> None:
    _fill_free_modules(world.acme, 0)
    set_tenant(None)

    check_plan_change(world.acme, TenantPlan.FREE)


def test_the_other_companys_usage_does_not_count(world: TwoTenants) -> None:
    _fill_free_modules(world.globex, 1)

    check_plan_change(world.acme, TenantPlan.FREE)


def test_keeping_the_plan_is_never_refused(world: TwoTenants) -> None:
    world.acme.plan = TenantPlan.FREE
    db.session.flush()
    _fill_free_modules(world.acme, 1)
    make_user("one@acme.test", (world.acme, TenantRole.EMPLOYEE))

    check_plan_change(world.acme, TenantPlan.FREE)
    assert db.session.scalar(sa.select(Tenant.plan).where(Tenant.id == world.acme.id)) is TenantPlan.FREE
