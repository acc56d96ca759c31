"""Which roles may someone invite people with? (DESIGN.md: roles — rights only flow downward)"""

from __future__ import annotations

import pytest
from flask import Flask

from lms.extensions import db
from lms.models import UserPermission
from lms.models.enums import Permission, TenantRole
from lms.services import invites
from lms.services.memberships import RoleNotGrantable
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_group, make_user, two_tenants

BELOW_HR = [TenantRole.HR, TenantRole.EMPLOYEE, TenantRole.VIEWER]


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


@pytest.mark.parametrize(
    ("role", "invitable"),
    [
        (TenantRole.OWNER, list(TenantRole)),
        (TenantRole.ADMIN, [TenantRole.ADMIN, *BELOW_HR]),
        (TenantRole.HR, BELOW_HR),
        (TenantRole.EMPLOYEE, []),
        (TenantRole.VIEWER, []),
    ],
)
def test_an_inviter_may_invite_with_their_own_role_and_those_below(
    world: TwoTenants, role: TenantRole, invitable: list[TenantRole]
) -> None:
    inviter = make_user("inviter@acme.test", (world.acme, role))

    assert invites.invitable_roles(world.acme, inviter) == invitable


def test_a_grant_scoped_to_some_groups_invites_nobody(world: TwoTenants) -> None:
    eva = make_user("eva@acme.test", (world.acme, TenantRole.EMPLOYEE))
    ops = make_group(world.acme, "Ops", [eva])
    with tenant_context(world.acme.id):
        db.session.add(
            UserPermission(user_id=eva.id, permission=Permission.MANAGE_USERS, scope={"group_ids": [ops.id]})
        )
        db.session.flush()

    assert invites.invitable_roles(world.acme, eva) == []


def test_hr_of_one_company_invites_nobody_into_another(world: TwoTenants) -> None:
    hana = make_user("hana@acme.test", (world.acme, TenantRole.HR))

    assert invites.invitable_roles(world.globex, hana) == []


def test_invite_refuses_a_role_that_is_not_offered(world: TwoTenants) -> None:
    hana = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    assert TenantRole.ADMIN not in invites.invitable_roles(world.acme, hana)

    with pytest.raises(RoleNotGrantable):
        invites.invite(world.acme, "boss@acme.test", TenantRole.ADMIN, hana)
