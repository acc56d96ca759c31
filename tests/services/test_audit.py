"""Does ``audit()`` record who did what, from where, in the same transaction as the change?"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, Tag
from lms.models.enums import AuditAction, TenantRole
from lms.services.audit import audit, set_actor
from lms.tenancy import tenant_context, unscoped
from tests.factories import TwoTenants, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    db.session.commit()
    return world


def _rows() -> list[AuditLog]:
    db.session.expire_all()
    with unscoped("test reads the audit log"):
        return list(db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)))


def test_audit_row_commits_with_the_change(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        tag = Tag(name="safety")
        db.session.add(tag)
        db.session.flush()
        tag_id = tag.id
        audit(AuditAction.RECORD_CREATED, tag, name="safety")
    db.session.commit()

    (row,) = _rows()
    assert row.tenant_id == world.acme.id
    assert row.entity_type == "tag"
    assert row.entity_id == str(tag_id)
    assert row.details == {"name": "safety"}


def test_rolled_back_change_leaves_no_audit_row(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        tag = Tag(name="safety")
        db.session.add(tag)
        db.session.flush()
        audit(AuditAction.RECORD_CREATED, tag)
    db.session.rollback()

    assert _rows() == []
    with tenant_context(world.acme.id):
        assert db.session.scalars(sa.select(Tag)).all() == []


def test_audit_records_the_actor_and_ip_of_the_request(world: TwoTenants) -> None:
    set_actor(world.ana.id, "203.0.113.9")
    with tenant_context(world.acme.id):
        audit(AuditAction.USER_UPDATED, world.ana, field="name")
    db.session.commit()

    (row,) = _rows()
    assert row.actor_id == world.ana.id
    assert row.ip_address == "203.0.113.9"
    assert row.entity_type == "user"
    assert row.entity_id == str(world.ana.id)


def test_named_actor_wins_over_the_request_actor(world: TwoTenants) -> None:
    set_actor(world.ana.id, "203.0.113.9")
    with tenant_context(world.globex.id):
        audit(AuditAction.USER_UPDATED, world.bor, actor_id=world.bor.id)
    db.session.commit()

    (row,) = _rows()
    assert row.actor_id == world.bor.id
    assert row.ip_address == "203.0.113.9"


def test_a_job_without_a_request_writes_no_actor(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        audit(AuditAction.RECORD_DELETED, entity_type="tag", entity_id=7)
    db.session.commit()

    (row,) = _rows()
    assert (row.actor_id, row.ip_address, row.entity_id) == (None, None, "7")


class _Colour(enum.Enum):
    RED = 1


def test_metadata_is_stored_as_json_with_enums_by_name_and_dates_as_iso(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        audit(
            AuditAction.USER_ROLE_CHANGED,
            world.ana,
            role=TenantRole.HR,
            changed={"role": [TenantRole.EMPLOYEE, TenantRole.HR], "colour": _Colour.RED},
            due=date(2025, 3, 1),
            at=datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
            price=Decimal("9.50"),
            groups={3},
            note=None,
        )
    db.session.commit()

    (row,) = _rows()
    assert row.details == {
        "role": "HR",
        "changed": {"role": ["EMPLOYEE", "HR"], "colour": "RED"},
        "due": "2025-03-01",
        "at": "2025-03-01T08:30:00+00:00",
        "price": "9.50",
        "groups": [3],
        "note": None,
    }


def test_platform_event_belongs_to_no_tenant_and_tenants_do_not_see_it(world: TwoTenants) -> None:
    audit(AuditAction.LOGIN_FAILED, entity_type="user", email="x@acme.test")
    db.session.commit()

    (row,) = _rows()
    assert row.tenant_id is None
    with tenant_context(world.acme.id):
        assert db.session.scalars(sa.select(AuditLog)).all() == []


def test_each_tenant_sees_only_its_own_audit_rows(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        audit(AuditAction.USER_UPDATED, world.ana)
    with tenant_context(world.globex.id):
        audit(AuditAction.USER_UPDATED, world.bor)
    db.session.commit()

    with tenant_context(world.acme.id):
        assert [row.entity_id for row in db.session.scalars(sa.select(AuditLog))] == [str(world.ana.id)]


def test_audit_of_a_new_row_names_its_id(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        tag = Tag(name="fresh")
        db.session.add(tag)
        audit(AuditAction.RECORD_CREATED, tag)
        tag_id = tag.id
    db.session.commit()

    (row,) = _rows()
    assert tag_id is not None
    assert row.entity_id == str(tag_id)
