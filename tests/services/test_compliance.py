"""Compliance: is each certificate holder told once when renewal is due and once when it expired?
(DESIGN.md: certificates and compliance)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Membership, Module, Notification, NotificationDedup, Tenant
from lms.models.enums import ModuleStatus, NotificationType, TenantRole
from lms.services import certificates, compliance
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_certificate, make_module, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _notices(tenant: Tenant) -> list[tuple[NotificationType, int]]:
    with tenant_context(tenant.id):
        return [
            (n.type, n.user_id)
            for n in db.session.scalars(
                sa.select(Notification)
                .where(Notification.type.in_([NotificationType.MODULE_EXPIRING, NotificationType.MODULE_EXPIRED]))
                .order_by(Notification.id)
            )
        ]


def _send(tenant: Tenant, now: datetime | None = None) -> int:
    with tenant_context(tenant.id):
        sent = compliance.send_expiry_notices(tenant, now)
        db.session.flush()
    return sent


def _expiring_module(world: TwoTenants) -> Module:
    module = make_module(world.acme, "Forklift")
    with tenant_context(world.acme.id):
        module.validity_months = 12
    return module


def test_the_renewal_window_and_the_expiry_each_notify_once(world: TwoTenants) -> None:
    module = _expiring_module(world)
    certificate = make_certificate(module, world.ana, completed_days_ago=340)  # expires in about 25 days

    assert _send(world.acme) == 1
    assert _send(world.acme) == 0, "the same day again: nothing new"
    assert _notices(world.acme) == [(NotificationType.MODULE_EXPIRING, world.ana.id)]

    after_expiry = certificate.expires_at + timedelta(hours=1)
    assert _send(world.acme, after_expiry) == 1
    assert _send(world.acme, after_expiry) == 0
    assert _notices(world.acme) == [
        (NotificationType.MODULE_EXPIRING, world.ana.id),
        (NotificationType.MODULE_EXPIRED, world.ana.id),
    ]


def test_a_sweep_that_missed_the_window_sends_only_expired(world: TwoTenants) -> None:
    make_certificate(_expiring_module(world), world.ana, completed_days_ago=400)

    _send(world.acme)

    assert _notices(world.acme) == [(NotificationType.MODULE_EXPIRED, world.ana.id)]


def test_no_notice_for_certificates_far_from_expiry_renewed_revoked_or_never_expiring(world: TwoTenants) -> None:
    module = _expiring_module(world)
    make_certificate(module, world.ana, completed_days_ago=100)
    carol = make_user("carol@acme.test", (world.acme, TenantRole.EMPLOYEE))
    old = make_certificate(module, carol, completed_days_ago=350)
    make_certificate(module, carol, previous=old)
    dan = make_user("dan@acme.test", (world.acme, TenantRole.EMPLOYEE))
    revoked = make_certificate(module, dan, completed_days_ago=350)
    with tenant_context(world.acme.id):
        certificates.revoke(revoked, "Mistake")
    make_certificate(make_module(world.acme, "Welcome"), dan, completed_days_ago=1000)

    assert _send(world.acme) == 0
    assert _notices(world.acme) == []


def test_notices_stay_in_their_company(world: TwoTenants) -> None:
    make_certificate(_expiring_module(world), world.ana, completed_days_ago=340)

    assert _send(world.globex) == 0
    assert _send(world.acme) == 1
    with tenant_context(world.globex.id):
        assert db.session.scalars(sa.select(NotificationDedup)).all() == []


def test_a_company_costs_the_same_queries_for_many_learners(
    app_ctx: Flask, world: TwoTenants, count_queries: list[str]
) -> None:
    module = _expiring_module(world)
    counts = []
    for batch in (3, 30):
        for n in range(batch):
            learner = make_user(f"l{batch}-{n}@acme.test", (world.acme, TenantRole.EMPLOYEE))
            make_certificate(module, learner, completed_days_ago=340)
        db.session.flush()
        count_queries.clear()
        assert _send(world.acme) == batch
        counts.append(len(count_queries))
    assert counts[0] == counts[1], counts


def test_no_notice_for_a_member_who_left_or_a_module_taken_offline(world: TwoTenants) -> None:
    module = _expiring_module(world)
    make_certificate(module, world.ana, completed_days_ago=340)
    archived = make_module(world.acme, "Old ladders")
    with tenant_context(world.acme.id):
        archived.validity_months = 12
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    make_certificate(archived, cene, completed_days_ago=340)
    with tenant_context(world.acme.id):
        archived.status = ModuleStatus.ARCHIVED
        db.session.execute(sa.update(Membership).where(Membership.user_id == world.ana.id).values(is_active=False))
        db.session.flush()

    assert _send(world.acme) == 0
    assert _notices(world.acme) == []


def _messages(tenant: Tenant) -> list[tuple[str, str, str | None]]:
    with tenant_context(tenant.id):
        return [
            tuple(row)
            for row in db.session.execute(sa.select(Notification.title, Notification.message, Notification.link))
        ]


def test_a_notice_speaks_the_companys_language_and_gives_the_date_in_its_time_zone(world: TwoTenants) -> None:
    module = make_module(world.globex, "Viličar")
    with tenant_context(world.globex.id):
        module.validity_months = 12
        world.globex.timezone = "Pacific/Kiritimati"  # UTC+14: 22:00 UTC is already the next day there
    certificate = make_certificate(module, world.bor, completed_days_ago=0)
    with tenant_context(world.globex.id):
        certificate.expires_at = datetime(2031, 3, 10, 22, 0, tzinfo=UTC)
        db.session.flush()

    assert _send(world.globex, datetime(2031, 3, 1, tzinfo=UTC)) == 1

    ((title, message, link),) = _messages(world.globex)
    assert title == "Potrebna obnovitev: Viličar"
    assert "11. marec 2031" in message
    assert link == f"/modules/{module.id}"
