"""The compliance report: does each learner fall in the right bucket, per module and group, and
do the lists, renewals and counts keep to the viewer's groups? (issue 13, item 2)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask

from lms.extensions import db
from lms.models import Certificate, Group, Membership, Module, Tenant, User
from lms.models.enums import ModuleStatus, TenantRole
from lms.models.types import utcnow
from lms.permissions import EVERYWHERE, Reach
from lms.services import compliance_report
from lms.services.compliance_report import Bucket, Scope
from lms.tenancy import tenant_context
from tests.factories import assign, make_certificate, make_group, make_module, make_user, two_tenants

NOW = utcnow()


@dataclass
class World:
    acme_id: int
    forklift: Module
    first_aid: Module
    warehouse: Group
    office: Group
    people: dict[str, User]


def certify(
    module: Module, user: User, *, expires_in: timedelta | None, previous: Certificate | None = None
) -> Certificate:
    certificate = make_certificate(module, user, previous=previous)
    with tenant_context(module.tenant_id):
        certificate.expires_at = None if expires_in is None else NOW + expires_in
        db.session.flush()
    return certificate


@pytest.fixture
def world(app_ctx: Flask) -> World:
    """acme: Forklift (valid 12 months) for the warehouse, First aid mandatory for both groups.

    Forklift in the warehouse: Vera valid (31 days), Eva expiring (29 days), Egon expired
    (yesterday), Rita revoked, Nina never, Remo renewed (old expired, new valid).
    Olga (office) holds First aid forever; globex has a warehouse of its own with a learner.
    """
    tenants = two_tenants()
    acme = tenants.acme
    names = ("vera", "eva", "egon", "rita", "nina", "remo", "olga", "gone")
    people = {name: make_user(f"{name}@acme.test", (acme, TenantRole.EMPLOYEE)) for name in names}
    forklift = make_module(acme, "Forklift")
    first_aid = make_module(acme, "First aid")
    make_module(acme, "Optional reading")
    with tenant_context(acme.id):
        forklift.validity_months = 12
    warehouse_people = [people[n] for n in ("vera", "eva", "egon", "rita", "nina", "remo", "gone")]
    warehouse = make_group(acme, "Warehouse", warehouse_people)
    office = make_group(acme, "Office", [people["olga"], people["vera"]])
    assign(forklift, warehouse, 30)
    assign(first_aid, warehouse, 30, mandatory=True)
    assign(first_aid, office, None, mandatory=True)
    certify(forklift, people["vera"], expires_in=timedelta(days=31))
    certify(forklift, people["eva"], expires_in=timedelta(days=29))
    certify(forklift, people["egon"], expires_in=-timedelta(days=1))
    revoked = certify(forklift, people["rita"], expires_in=timedelta(days=200))
    old = certify(forklift, people["remo"], expires_in=-timedelta(days=3))
    certify(forklift, people["remo"], expires_in=timedelta(days=360), previous=old)
    certify(forklift, people["gone"], expires_in=timedelta(days=5))
    certify(first_aid, people["olga"], expires_in=None)
    with tenant_context(acme.id):
        revoked.revoked_at = NOW - timedelta(days=1)
        db.session.query(Membership).filter(Membership.user_id == people["gone"].id).one().is_active = False
        db.session.flush()

    globex_forklift = make_module(tenants.globex, "Forklift")
    with tenant_context(tenants.globex.id):
        globex_forklift.validity_months = 12
    assign(globex_forklift, make_group(tenants.globex, "Warehouse", [tenants.bor]), 30, mandatory=True)
    return World(acme.id, forklift, first_aid, warehouse, office, people)


def _overview(world: World, scope: Scope) -> dict[str, compliance_report.ModuleCounts]:
    with tenant_context(world.acme_id):
        return {module.title: module for module in compliance_report.overview(scope, NOW)}


def _names(world: World, rows: list[compliance_report.LearnerRow]) -> list[str]:
    return [row.email.split("@")[0] for row in rows]


def test_each_learner_is_in_the_bucket_of_their_standing_certificate(world: World) -> None:
    report = _overview(world, Scope(EVERYWHERE))

    assert set(report) == {"First aid", "Forklift"}, "an optional module without validity is not reported"
    assert report["Forklift"].counts == {
        Bucket.VALID: 2,  # Vera (31 days), Remo (renewed)
        Bucket.EXPIRING: 1,  # Eva (29 days)
        Bucket.EXPIRED: 1,  # Egon (yesterday)
        Bucket.NEVER: 2,  # Nina, and Rita whose certificate was revoked
    }, "a deactivated member is not counted"
    assert report["Forklift"].validity_months == 12
    assert not report["Forklift"].mandatory
    assert report["First aid"].mandatory


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        (Bucket.VALID, ["remo", "vera"]),
        (Bucket.EXPIRING, ["eva"]),
        (Bucket.EXPIRED, ["egon"]),
        (Bucket.NEVER, ["nina", "rita"]),
    ],
)
def test_a_bucket_lists_its_learners(world: World, bucket: Bucket, expected: list[str]) -> None:
    with tenant_context(world.acme_id):
        page = compliance_report.bucket_page(Scope(EVERYWHERE, module_id=world.forklift.id), bucket, NOW)

    assert sorted(_names(world, page.rows)) == expected
    assert not page.has_next


def test_a_module_counts_each_learner_once_and_each_group_on_its_own(world: World) -> None:
    first_aid = _overview(world, Scope(EVERYWHERE))["First aid"]

    assert first_aid.counts == {Bucket.VALID: 1, Bucket.NEVER: 6}, "Vera is in both groups, counted once"
    by_group = {group.name: group.counts for group in first_aid.groups}
    assert by_group == {"Office": {Bucket.VALID: 1, Bucket.NEVER: 1}, "Warehouse": {Bucket.NEVER: 6}}
    with tenant_context(world.acme_id):
        (vera,) = [
            row
            for row in compliance_report.bucket_page(Scope(EVERYWHERE), Bucket.NEVER, NOW).rows
            if row.email.startswith("vera") and row.module_id == world.first_aid.id
        ]
    assert vera.groups.split(", ") in (["Office", "Warehouse"], ["Warehouse", "Office"])


def test_a_scoped_viewer_sees_only_their_groups(world: World) -> None:
    report = _overview(world, Scope(Reach(frozenset({world.office.id}))))

    assert set(report) == {"First aid"}, "Forklift is only the warehouse's"
    assert [group.name for group in report["First aid"].groups] == ["Office"]
    assert report["First aid"].counts == {Bucket.VALID: 1, Bucket.NEVER: 1}


def test_the_group_filter_narrows_to_one_group(world: World) -> None:
    report = _overview(world, Scope(EVERYWHERE, group_id=world.office.id, module_id=world.first_aid.id))

    assert [group.name for group in report["First aid"].groups] == ["Office"]
    with tenant_context(world.acme_id):
        page = compliance_report.bucket_page(Scope(EVERYWHERE, group_id=world.office.id), Bucket.NEVER, NOW)
    assert _names(world, page.rows) == ["vera"]
    assert page.rows[0].groups == "Office"


def test_renewals_are_the_next_90_days_soonest_first_without_the_expired(world: World) -> None:
    with tenant_context(world.acme_id):
        page = compliance_report.renewals_page(Scope(EVERYWHERE), NOW)

    assert _names(world, page.rows) == ["eva", "vera"]
    assert [row.expires_at.date() for row in page.rows] == [
        (NOW + timedelta(days=29)).date(),
        (NOW + timedelta(days=31)).date(),
    ]


def test_lists_are_paged_by_fifty(world: World) -> None:
    tenant = db.session.get(Tenant, world.acme_id)
    crowd_people = [make_user(f"crowd{index:02d}@acme.test", (tenant, TenantRole.EMPLOYEE)) for index in range(55)]
    crowd = make_group(tenant, "Crowd", crowd_people)
    assign(world.first_aid, crowd, None, mandatory=True)

    with tenant_context(world.acme_id):
        scope = Scope(EVERYWHERE, group_id=crowd.id)
        first = compliance_report.bucket_page(scope, Bucket.NEVER, NOW, 1)
        second = compliance_report.bucket_page(scope, Bucket.NEVER, NOW, 2)
        beyond = compliance_report.bucket_page(scope, Bucket.NEVER, NOW, 10**12)

    assert (len(first.rows), first.has_next) == (50, True)
    assert (len(second.rows), second.has_next) == (5, False)
    assert beyond.rows == []
    assert {row.user_id for row in first.rows}.isdisjoint({row.user_id for row in second.rows})


def test_all_rows_stream_every_pair_of_the_scope(world: World) -> None:
    with tenant_context(world.acme_id):
        rows = list(compliance_report.all_rows(Scope(EVERYWHERE), NOW))
        expired = list(compliance_report.all_rows(Scope(EVERYWHERE), NOW, bucket=Bucket.EXPIRED))

    assert len(rows) == 6 + 7, "six Forklift learners, seven First aid learners"
    assert [(row.module_title, row.email) for row in expired] == [("Forklift", "egon@acme.test")]


def test_an_archived_module_leaves_the_report(world: World) -> None:
    with tenant_context(world.acme_id):
        world.forklift.status = ModuleStatus.ARCHIVED
        db.session.flush()

    assert set(_overview(world, Scope(EVERYWHERE))) == {"First aid"}


def test_the_overview_is_two_queries_whatever_the_size(world: World, count_queries: list[str]) -> None:
    with tenant_context(world.acme_id):
        compliance_report.overview(Scope(EVERYWHERE), NOW)
        small = len(count_queries)
    tenant = db.session.get(Tenant, world.acme_id)
    more = [make_user(f"extra{index}@acme.test", (tenant, TenantRole.EMPLOYEE)) for index in range(10)]
    extra = make_group(tenant, "Extra", more)
    assign(world.forklift, extra, 10, mandatory=True)
    count_queries.clear()
    with tenant_context(world.acme_id):
        compliance_report.overview(Scope(EVERYWHERE), NOW)

    assert small == len(count_queries) == 2
