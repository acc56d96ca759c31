"""Is a learner's due date the later of joining and assignment, plus the deadline, earliest across groups?"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from lms.models.types import utcnow
from lms.services.deadlines import assignments
from lms.tenancy import tenant_context
from tests.factories import assign, make_group, make_module, two_tenants


def test_due_date_counts_from_the_later_of_joining_and_assignment(app_ctx: Flask) -> None:
    world = two_tenants()
    now = utcnow()
    module = make_module(world.acme, "Forklift")
    joined_late = make_group(world.acme, "Late joiners", [world.ana], joined=now - timedelta(days=2))
    assign(module, joined_late, 10, at=now - timedelta(days=30))

    with tenant_context(world.acme.id):
        (only,) = assignments(user_ids=[world.ana.id])
    assert only.due_at == now - timedelta(days=2) + timedelta(days=10)


def test_the_earliest_due_date_across_groups_counts_and_mandatory_wins(app_ctx: Flask) -> None:
    world = two_tenants()
    now = utcnow()
    module = make_module(world.acme, "Forklift")
    floor = make_group(world.acme, "Floor", [world.ana], joined=now - timedelta(days=40))
    office = make_group(world.acme, "Office", [world.ana], joined=now - timedelta(days=40))
    nights = make_group(world.acme, "Nights", [world.ana], joined=now - timedelta(days=40))
    assign(module, floor, 30, at=now - timedelta(days=5))
    assign(module, office, 7, at=now - timedelta(days=5), mandatory=True)
    assign(module, nights, None, at=now - timedelta(days=5))

    with tenant_context(world.acme.id):
        (only,) = assignments(user_ids=[world.ana.id])
    assert only.due_at == now - timedelta(days=5) + timedelta(days=7)
    assert only.mandatory
    assert only.overdue(now + timedelta(days=3))


def test_without_any_deadline_there_is_no_due_date(app_ctx: Flask) -> None:
    world = two_tenants()
    module = make_module(world.acme, "Culture")
    group = make_group(world.acme, "All", [world.ana])
    assign(module, group, None)

    with tenant_context(world.acme.id):
        (only,) = assignments(user_ids=[world.ana.id])
    assert only.due_at is None
    assert not only.overdue(utcnow())
