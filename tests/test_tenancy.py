"""Does the scoping hook keep each tenant's rows to itself, and fail closed without a tenant?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.errors import TenantContextError
from lms.extensions import db
from lms.models import AuditLog, Membership, Tag
from lms.models.enums import AuditAction
from lms.tenancy import current_tenant_id, tenant_context, unscoped
from tests.factories import TwoTenants, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    with tenant_context(world.acme.id):
        db.session.add_all([Tag(name="safety"), Tag(name="quality")])
    with tenant_context(world.globex.id):
        db.session.add(Tag(name="prodaja"))
    db.session.commit()
    return world


def _tag_names() -> list[str]:
    return sorted(db.session.scalars(sa.select(Tag.name)))


def test_each_tenant_sees_only_its_own_rows(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert _tag_names() == ["quality", "safety"]
    with tenant_context(world.globex.id):
        assert _tag_names() == ["prodaja"]


def test_query_without_a_tenant_raises_instead_of_leaking(world: TwoTenants) -> None:
    with pytest.raises(TenantContextError):
        _tag_names()


def test_get_by_id_of_another_tenant_finds_nothing(world: TwoTenants) -> None:
    acme_id = world.acme.id
    with tenant_context(world.globex.id):
        globex_tag_id = db.session.scalar(sa.select(Tag.id))
    db.session.expunge_all()
    with tenant_context(acme_id):
        assert db.session.get(Tag, globex_tag_id) is None


def test_relationship_load_is_scoped(world: TwoTenants) -> None:
    with unscoped("test"):
        db.session.add(Membership(tenant_id=world.globex.id, user_id=world.ana.id))
        db.session.commit()
    db.session.expire_all()
    with tenant_context(world.acme.id):
        assert [m.tenant_id for m in world.ana.memberships] == [world.acme.id]


def test_orm_update_and_delete_touch_only_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        db.session.execute(sa.update(Tag).values(name=Tag.name + " (old)"))
        db.session.execute(sa.delete(Tag).where(Tag.name.like("% (old)")))
        assert _tag_names() == []
    with tenant_context(world.globex.id):
        assert _tag_names() == ["prodaja"]


def test_new_rows_are_stamped_with_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        tag = Tag(name="skladišče")
        db.session.add(tag)
    db.session.commit()
    with unscoped("test"):
        assert tag.tenant_id == world.globex.id


def test_a_new_row_of_another_tenant_is_refused(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        db.session.add(Tag(name="intruder", tenant_id=world.globex.id))
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()


def test_a_changed_row_of_another_tenant_is_refused(world: TwoTenants) -> None:
    with unscoped("test"):
        globex_tag = db.session.scalar(sa.select(Tag).where(Tag.tenant_id == world.globex.id))
    with tenant_context(world.acme.id):
        globex_tag.name = "hijacked"
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()


def test_new_tenant_row_without_a_tenant_is_refused(app_ctx: Flask) -> None:
    db.session.add(Tag(name="orphan"))
    with pytest.raises(TenantContextError):
        db.session.flush()


def test_unscoped_sees_every_tenant_and_may_write_platform_rows(world: TwoTenants) -> None:
    with unscoped("test"):
        assert _tag_names() == ["prodaja", "quality", "safety"]
        db.session.add(AuditLog(action=AuditAction.TENANT_CREATED, entity_type="tenant", entity_id="1"))
        db.session.flush()
        assert db.session.scalar(sa.select(AuditLog.tenant_id)) is None


def test_tenant_context_restores_the_previous_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        with tenant_context(world.globex.id):
            assert current_tenant_id() == world.globex.id
        assert current_tenant_id() == world.acme.id
    assert current_tenant_id() is None
