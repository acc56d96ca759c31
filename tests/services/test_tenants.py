"""A company's settings, and the sweeps that run once per active company (issue 4; DESIGN.md: tenancy)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs import job_path
from lms.models import AuditLog, Tag, Tenant, XpMonth, XpTransaction
from lms.models.enums import AuditAction, TenantPlan, TenantRole, TenantTheme, XpSourceType
from lms.services import tenants, xp, xp_rebuild
from lms.services.plans import PlanLimitReached
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_tenant, make_user, two_tenants
from tests.jobs.sample_jobs import add_tag


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _settings(tenant: Tenant, **changed: object) -> dict[str, object]:
    current = {
        "name": tenant.name,
        "locale": tenant.locale,
        "theme": tenant.theme,
        "plan": tenant.plan,
        "timezone": tenant.timezone,
    }
    return {**current, **changed}


def _audited(tenant: Tenant) -> list[dict[str, object]]:
    with tenant_context(tenant.id):
        return [
            row.details
            for row in db.session.scalars(
                sa.select(AuditLog).where(AuditLog.action == AuditAction.TENANT_UPDATED).order_by(AuditLog.id)
            )
        ]


def test_saving_settings_changes_and_audits_only_what_changed(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        changes = tenants.update_settings(
            world.acme, **_settings(world.acme, name="  Acme d.o.o. ", theme=TenantTheme.OCEAN)
        )

    assert changes == {"name": "Acme d.o.o.", "theme": TenantTheme.OCEAN}
    assert (world.acme.name, world.acme.theme) == ("Acme d.o.o.", TenantTheme.OCEAN)
    assert _audited(world.acme) == [{"changes": {"name": "Acme d.o.o.", "theme": "OCEAN"}}]
    assert _audited(world.globex) == []


def test_saving_unchanged_settings_writes_no_audit_row(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert tenants.update_settings(world.acme, **_settings(world.acme)) == {}

    assert _audited(world.acme) == []


def test_a_downgrade_below_the_companys_usage_is_refused_and_changes_nothing(world: TwoTenants) -> None:
    for number in range(25):
        make_user(f"learner{number}@acme.test", (world.acme, TenantRole.EMPLOYEE))  # 26 with Ana

    with tenant_context(world.acme.id), pytest.raises(PlanLimitReached, match="allows 25 users"):
        tenants.update_settings(world.acme, **_settings(world.acme, plan=TenantPlan.FREE, name="Cheaper"))

    assert (world.acme.plan, world.acme.name) == (TenantPlan.PRO, "Acme")
    assert _audited(world.acme) == []
    with tenant_context(world.globex.id):
        tenants.update_settings(world.globex, **_settings(world.globex, plan=TenantPlan.FREE))
    assert world.globex.plan is TenantPlan.FREE


def test_a_new_time_zone_moves_earned_xp_to_the_month_it_now_falls_in(world: TwoTenants) -> None:
    """Half past eleven on 31 March in London is already 1 April in Ljubljana: the monthly board follows."""
    with tenant_context(world.acme.id):
        tenants.update_settings(world.acme, **_settings(world.acme, timezone="Europe/London"))
        xp.award(world.ana.id, XpSourceType.MANUAL, None, 40, "late-night work")
        db.session.execute(sa.update(XpTransaction).values(created_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC)))
        xp_rebuild.rebuild(world.acme.id)
        assert db.session.scalars(sa.select(XpMonth.month)).all() == [date(2026, 3, 1)]

        tenants.update_settings(world.acme, **_settings(world.acme, timezone="Europe/Ljubljana"))

        assert db.session.scalars(sa.select(XpMonth.month)).all() == [date(2026, 4, 1)]
        assert xp_rebuild.rebuild(world.acme.id, check=True) == []


def test_every_offered_time_zone_is_a_real_one() -> None:
    zones = tenants.timezones()

    assert {"Europe/Ljubljana", "UTC", "America/New_York"} <= set(zones)
    assert list(zones) == sorted(zones)


def test_a_sweep_runs_once_in_each_active_company_and_never_in_an_inactive_one(world: TwoTenants) -> None:
    closed = make_tenant("closed")
    closed.is_active = False
    db.session.commit()

    tenants.enqueue_per_tenant(add_tag, "test sweep", "swept")
    db.session.commit()  # inline jobs run after the commit

    assert tenants.active_tenant_ids("test") == [world.acme.id, world.globex.id]
    for tenant, expected in [(world.acme, ["swept"]), (world.globex, ["swept"]), (closed, [])]:
        with tenant_context(tenant.id):
            assert db.session.scalars(sa.select(Tag.name)).all() == expected


def test_each_companys_sweep_job_is_queued_as_that_companys_job(world: TwoTenants, redis: Redis) -> None:
    tenants.enqueue_per_tenant(add_tag, "test sweep", "swept")
    db.session.commit()

    jobs = Queue("default", connection=redis).jobs
    assert sorted((job.meta["tenant_id"], job.description, tuple(job.args[1])) for job in jobs) == [
        (world.acme.id, job_path(add_tag), (world.acme.id, "swept")),
        (world.globex.id, job_path(add_tag), (world.globex.id, "swept")),
    ]
