"""Is a learner's due date the later of joining and assignment, plus the deadline, earliest across groups?"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models.enums import TenantRole
from lms.models.types import utcnow
from lms.services.deadlines import assigned, assignments
from lms.tenancy import tenant_context
from tests.factories import assign, make_group, make_module, make_user, two_tenants


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


def test_the_sql_rule_gives_each_learner_the_same_due_date_as_the_python_one(app_ctx: Flask) -> None:
    """Reports and reminders aggregate ``assigned()`` in SQL; the learner's page uses ``assignments``."""
    world = two_tenants()
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    now = utcnow()
    forklift = make_module(world.acme, "Forklift")
    culture = make_module(world.acme, "Culture")
    floor = make_group(world.acme, "Floor", [world.ana, cene], joined=now - timedelta(days=40))
    office = make_group(world.acme, "Office", [world.ana], joined=now - timedelta(days=3))
    assign(forklift, floor, 30, at=now - timedelta(days=5))
    assign(forklift, office, 7, at=now - timedelta(days=5), mandatory=True)
    assign(culture, floor, None, at=now - timedelta(days=5))

    with tenant_context(world.acme.id):
        python = {(a.user_id, a.module_id): (a.due_at, a.mandatory) for a in assignments()}
        due = assigned()
        sql = {
            (row.user_id, row.module_id): (row.due_at, bool(row.mandatory))
            for row in db.session.execute(sa.select(due))
        }
        floor_only = {(row.user_id, row.module_id) for row in db.session.execute(sa.select(assigned([floor.id])))}
    assert sql == python
    assert len(sql) == 4
    assert sql[(world.ana.id, forklift.id)] == (now - timedelta(days=3) + timedelta(days=7), True)
    assert floor_only == {
        (world.ana.id, forklift.id),
        (cene.id, forklift.id),
        (world.ana.id, culture.id),
        (cene.id, culture.id),
    }
