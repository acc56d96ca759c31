"""Which companies may a user enter, and as what? (DESIGN.md: tenancy; the sign-in list and the switcher)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Membership
from lms.models.enums import Role, TenantRole
from lms.services.accounts import access_to_tenant, tenants_open_to
from lms.tenancy import unscoped
from tests.factories import TwoTenants, make_tenant, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def test_a_member_is_offered_their_active_companies_by_name(world: TwoTenants) -> None:
    zeta = make_tenant("zeta")
    closed = make_tenant("closed")
    closed.is_active = False
    cene = make_user("cene@x.test", (zeta, TenantRole.HR), (world.acme, TenantRole.EMPLOYEE), (closed, TenantRole.HR))
    offered = tenants_open_to(cene)
    assert [(a.tenant.slug, a.role, a.support) for a in offered] == [
        ("acme", TenantRole.EMPLOYEE, False),
        ("zeta", TenantRole.HR, False),
    ]


def test_a_deactivated_membership_opens_nothing(world: TwoTenants) -> None:
    with unscoped("test"):
        db.session.execute(sa.update(Membership).where(Membership.user_id == world.ana.id).values(is_active=False))
    assert tenants_open_to(world.ana) == []
    assert access_to_tenant(world.ana, world.acme.id) is None


def test_access_to_a_company_is_the_membership_there_and_nowhere_else(world: TwoTenants) -> None:
    access = access_to_tenant(world.ana, world.acme.id)
    assert (access.tenant.id, access.role, access.support) == (world.acme.id, TenantRole.EMPLOYEE, False)
    assert access_to_tenant(world.ana, world.globex.id) is None


def test_platform_staff_enter_any_active_company_as_support(world: TwoTenants) -> None:
    staff = make_user("staff@mojster.test")
    staff.role = Role.SUPER_ADMIN
    db.session.flush()
    access = access_to_tenant(staff, world.globex.id)
    assert (access.role, access.support) == (TenantRole.SUPER_ADMIN, True)
    assert tenants_open_to(staff) == []
    world.globex.is_active = False
    db.session.flush()
    assert access_to_tenant(staff, world.globex.id) is None
