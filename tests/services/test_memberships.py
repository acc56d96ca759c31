"""Does a company always keep an owner, and do only owners hand out ownership?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, Membership, Tenant, User
from lms.models.enums import AuditAction, TenantPlan, TenantRole
from lms.services import memberships
from lms.services.memberships import LastOwner, RoleNotGrantable
from lms.services.plans import PlanLimitReached
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    """acme: Olga the only OWNER, Ana an EMPLOYEE; globex: Bor, and Greta its OWNER."""
    world = two_tenants()
    make_user("olga@acme.test", (world.acme, TenantRole.OWNER))
    make_user("greta@globex.test", (world.globex, TenantRole.OWNER))
    return world


def _member(tenant: Tenant, email: str) -> Membership:
    return db.session.scalar(sa.select(Membership).join(User, User.id == Membership.user_id).where(User.email == email))


def _audited(action: AuditAction) -> list[dict]:
    return list(db.session.scalars(sa.select(AuditLog.details).where(AuditLog.action == action)))


def test_a_role_change_is_audited_with_the_old_and_new_role(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        ana = _member(world.acme, "ana@acme.test")
        memberships.change_role(ana, TenantRole.HR, by=TenantRole.ADMIN)

        assert ana.role is TenantRole.HR
        assert _audited(AuditAction.USER_ROLE_CHANGED) == [{"previous": "EMPLOYEE", "role": "HR"}]


def test_the_only_owner_can_neither_step_down_nor_leave(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        olga = _member(world.acme, "olga@acme.test")

        with pytest.raises(LastOwner):
            memberships.change_role(olga, TenantRole.ADMIN, by=TenantRole.OWNER)
        with pytest.raises(LastOwner):
            memberships.deactivate(olga, by=TenantRole.OWNER)

        assert (olga.role, olga.is_active) == (TenantRole.OWNER, True)
        assert _audited(AuditAction.USER_ROLE_CHANGED) == []


def test_an_owner_steps_down_once_another_owner_exists(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        olga = _member(world.acme, "olga@acme.test")
        memberships.change_role(_member(world.acme, "ana@acme.test"), TenantRole.OWNER, by=TenantRole.OWNER)

        memberships.change_role(olga, TenantRole.ADMIN, by=TenantRole.OWNER)

        assert olga.role is TenantRole.ADMIN


def test_the_other_companys_owner_does_not_count(world: TwoTenants) -> None:
    """Greta owns globex; that does not make Olga's demotion in acme safe."""
    with tenant_context(world.acme.id), pytest.raises(LastOwner):
        memberships.deactivate(_member(world.acme, "olga@acme.test"), by=TenantRole.OWNER)


@pytest.mark.parametrize("by", [TenantRole.ADMIN, TenantRole.HR])
@pytest.mark.parametrize("role", [TenantRole.OWNER, TenantRole.SUPER_ADMIN])
def test_only_owners_give_the_owning_roles(world: TwoTenants, by: TenantRole, role: TenantRole) -> None:
    with tenant_context(world.acme.id):
        ana = _member(world.acme, "ana@acme.test")

        with pytest.raises(RoleNotGrantable):
            memberships.change_role(ana, role, by=by)
        with pytest.raises(RoleNotGrantable):
            memberships.check_grantable(role, by=by)

        assert ana.role is TenantRole.EMPLOYEE


def test_an_admin_cannot_remove_an_owner(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        memberships.change_role(_member(world.acme, "ana@acme.test"), TenantRole.OWNER, by=TenantRole.OWNER)
        olga = _member(world.acme, "olga@acme.test")

        with pytest.raises(RoleNotGrantable):
            memberships.deactivate(olga, by=TenantRole.ADMIN)

        assert olga.is_active


def test_deactivation_and_reactivation_are_audited(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        ana = _member(world.acme, "ana@acme.test")

        memberships.deactivate(ana, by=TenantRole.HR)
        assert not ana.is_active
        memberships.reactivate(ana, by=TenantRole.HR)

        assert ana.is_active
        assert _audited(AuditAction.USER_DEACTIVATED) == [{"role": "EMPLOYEE"}]
        assert _audited(AuditAction.USER_REACTIVATED) == [{"role": "EMPLOYEE"}]


def test_reactivation_needs_room_in_the_plan(world: TwoTenants) -> None:
    world.acme.plan = TenantPlan.FREE
    with tenant_context(world.acme.id):
        ana = _member(world.acme, "ana@acme.test")
        memberships.deactivate(ana, by=TenantRole.HR)
    for number in range(24):
        make_user(f"extra{number}@acme.test", (world.acme, TenantRole.EMPLOYEE))

    with tenant_context(world.acme.id):
        with pytest.raises(PlanLimitReached):
            memberships.reactivate(ana, by=TenantRole.HR)
        assert not ana.is_active
