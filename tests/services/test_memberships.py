"""Do rights only flow downward, and does a company always keep an owner? (issue 10, item 1)

The escalation attempts are a table of actor, target and change, written from DESIGN.md's
rule ("nobody changes their own role or grants themselves anything, gives a role above
their own or a permission they do not hold, with a scope no wider than theirs, or edits
someone who ranks above them"), not from the code.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.errors import LmsError
from lms.extensions import db
from lms.models import AuditLog, EmailToken, Group, Membership, Tenant, User, UserPermission
from lms.models.enums import AuditAction, Permission, TenantPlan, TenantRole
from lms.services import invites, memberships
from lms.services.memberships import (
    LastOwner,
    PermissionNotGrantable,
    RightsRefused,
    RoleNotGrantable,
    ScopeRefused,
)
from lms.services.plans import PlanLimitReached
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import make_group, make_user, two_tenants


@dataclass
class Acme:
    tenant: Tenant
    people: dict[str, User]
    ops: Group
    sales: Group

    def member(self, key: str) -> Membership:
        return db.session.scalar(sa.select(Membership).where(Membership.user_id == self.people[key].id))


@pytest.fixture
def acme(app_ctx: Flask) -> Acme:
    """acme: one person in each role; Eva, an EMPLOYEE, manages the people of Ops only.

    Ana is in Ops, Tim in Sales. globex has Bor and its owner Greta.
    """
    world = two_tenants()
    tenant = world.acme
    people = {
        "owner": make_user("olga@acme.test", (tenant, TenantRole.OWNER)),
        "super": make_user("sara@acme.test", (tenant, TenantRole.SUPER_ADMIN)),
        "admin": make_user("adam@acme.test", (tenant, TenantRole.ADMIN)),
        "hr": make_user("hana@acme.test", (tenant, TenantRole.HR)),
        "employee": world.ana,
        "eva": make_user("eva@acme.test", (tenant, TenantRole.EMPLOYEE)),
        "tim": make_user("tim@acme.test", (tenant, TenantRole.EMPLOYEE)),
        "viewer": make_user("vid@acme.test", (tenant, TenantRole.VIEWER)),
    }
    make_user("greta@globex.test", (world.globex, TenantRole.OWNER))
    ops = make_group(tenant, "Ops", [world.ana, people["eva"]])
    sales = make_group(tenant, "Sales", [people["tim"]])
    with tenant_context(tenant.id):
        db.session.add(
            UserPermission(user_id=people["eva"].id, permission=Permission.MANAGE_USERS, scope={"group_ids": [ops.id]})
        )
    db.session.flush()
    return Acme(tenant, people, ops, sales)


def _audited(action: AuditAction) -> list[dict]:
    return list(db.session.scalars(sa.select(AuditLog.details).where(AuditLog.action == action)))


def _state() -> tuple[Any, ...]:
    """Everything a change of rights could write, to show a refusal wrote nothing."""
    with unscoped("test: rights as they are"):
        db.session.expire_all()
        return (
            sorted(db.session.execute(sa.select(Membership.id, Membership.role, Membership.is_active)).all()),
            sorted(db.session.execute(sa.select(UserPermission.user_id, UserPermission.permission)).all()),
            db.session.scalar(sa.select(sa.func.count(AuditLog.id))),
            db.session.scalar(sa.select(sa.func.count(EmailToken.id))),
        )


def _scope(acme: Acme, groups: str | None) -> dict[str, list[int]] | None:
    if groups is None:
        return None
    return {"group_ids": [getattr(acme, name).id if name != "nowhere" else 999_999 for name in groups.split(",")]}


def _attempt(acme: Acme, actor: str, target: str, change: tuple[Any, ...]) -> None:
    by = acme.people[actor]
    kind, *args = change
    if kind == "role":
        memberships.change_role(acme.member(target), args[0], by=by)
    elif kind == "deactivate":
        memberships.deactivate(acme.member(target), by=by)
    elif kind == "grant":
        permission, groups = args
        memberships.grant(acme.tenant, acme.people[target], permission, _scope(acme, groups), by=by)
    elif kind == "invite":
        invites.invite(acme.tenant, f"{target}@new.test", args[0], by)
    else:
        raise AssertionError(kind)


ESCALATIONS = [
    # (actor, target, change, refused with) -- None: allowed
    ("hr", "hr", ("role", TenantRole.ADMIN), RightsRefused),
    ("hr", "employee", ("role", TenantRole.ADMIN), RoleNotGrantable),
    ("hr", "employee", ("role", TenantRole.HR), None),
    ("hr", "admin", ("role", TenantRole.EMPLOYEE), RightsRefused),
    ("hr", "admin", ("deactivate",), RightsRefused),
    ("hr", "owner", ("deactivate",), RightsRefused),
    ("hr", "hr", ("deactivate",), RightsRefused),
    ("admin", "owner", ("role", TenantRole.EMPLOYEE), RightsRefused),
    ("admin", "super", ("deactivate",), RightsRefused),
    ("admin", "employee", ("role", TenantRole.OWNER), RoleNotGrantable),
    ("admin", "employee", ("role", TenantRole.SUPER_ADMIN), RoleNotGrantable),
    ("admin", "employee", ("role", TenantRole.ADMIN), None),
    ("super", "employee", ("role", TenantRole.OWNER), RoleNotGrantable),
    ("owner", "owner", ("role", TenantRole.ADMIN), RightsRefused),
    ("owner", "employee", ("role", TenantRole.OWNER), None),
    ("hr", "hr", ("grant", Permission.VIEW_AUDIT_LOG, None), RightsRefused),
    ("hr", "employee", ("grant", Permission.VIEW_AUDIT_LOG, None), PermissionNotGrantable),
    ("hr", "employee", ("grant", Permission.MANAGE_USERS, None), None),
    ("hr", "admin", ("grant", Permission.MANAGE_USERS, None), RightsRefused),
    ("hr", "employee", ("grant", Permission.MANAGE_REWARDS, "ops"), ScopeRefused),
    ("hr", "employee", ("grant", Permission.VIEW_ALL_PROGRESS, "nowhere"), ScopeRefused),
    ("hr", "employee", ("grant", Permission.VIEW_ALL_PROGRESS, "ops"), None),
    ("employee", "tim", ("role", TenantRole.VIEWER), RightsRefused),
    ("viewer", "employee", ("role", TenantRole.VIEWER), RightsRefused),
    ("eva", "employee", ("deactivate",), None),
    ("eva", "tim", ("deactivate",), RightsRefused),
    ("eva", "employee", ("role", TenantRole.HR), RoleNotGrantable),
    ("eva", "employee", ("role", TenantRole.VIEWER), None),
    ("eva", "employee", ("grant", Permission.MANAGE_USERS, None), ScopeRefused),
    ("eva", "employee", ("grant", Permission.MANAGE_USERS, "sales"), ScopeRefused),
    ("eva", "employee", ("grant", Permission.MANAGE_USERS, "ops"), None),
    ("eva", "employee", ("grant", Permission.VIEW_ALL_PROGRESS, "ops"), PermissionNotGrantable),
    ("eva", "eva", ("grant", Permission.MANAGE_GROUPS, None), RightsRefused),
    ("hr", "newcomer", ("invite", TenantRole.ADMIN), RoleNotGrantable),
    ("hr", "newcomer", ("invite", TenantRole.HR), None),
    ("admin", "newcomer", ("invite", TenantRole.OWNER), RoleNotGrantable),
    ("eva", "newcomer", ("invite", TenantRole.EMPLOYEE), RightsRefused),
    ("employee", "newcomer", ("invite", TenantRole.EMPLOYEE), RightsRefused),
]


@pytest.mark.parametrize(
    ("actor", "target", "change", "refused"),
    ESCALATIONS,
    ids=[f"{a}-{c[0]}-{t}-{'-'.join(str(getattr(x, 'name', x)) for x in c[1:])}" for a, t, c, _ in ESCALATIONS],
)
def test_rights_only_flow_downward(acme: Acme, actor: str, target: str, change: tuple[Any, ...], refused: Any) -> None:
    before = _state()
    with tenant_context(acme.tenant.id):
        if refused is None:
            _attempt(acme, actor, target, change)
            db.session.flush()
            assert _state() != before, "an allowed change is written"
        else:
            with pytest.raises(refused):
                _attempt(acme, actor, target, change)
            assert _state() == before, "a refused change writes nothing"


def test_a_role_change_is_audited_with_the_old_and_new_role(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        ana = acme.member("employee")
        memberships.change_role(ana, TenantRole.HR, by=acme.people["admin"])

        assert ana.role is TenantRole.HR
        assert _audited(AuditAction.USER_ROLE_CHANGED) == [{"previous": "EMPLOYEE", "role": "HR"}]


def test_a_grant_is_audited_and_remembers_who_gave_it(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        row = memberships.grant(
            acme.tenant,
            acme.people["employee"],
            Permission.VIEW_ALL_PROGRESS,
            {"group_ids": [acme.ops.id]},
            by=acme.people["hr"],
        )

        assert row.granted_by_id == acme.people["hr"].id
        assert _audited(AuditAction.PERMISSION_GRANTED) == [
            {"user": "ana@acme.test", "permission": "VIEW_ALL_PROGRESS", "scope": {"group_ids": [acme.ops.id]}}
        ]
        memberships.revoke(row, by=acme.people["hr"])
        assert db.session.scalar(sa.select(sa.func.count(UserPermission.id)).where(UserPermission.id == row.id)) == 0
        assert len(_audited(AuditAction.PERMISSION_REVOKED)) == 1


def test_widening_a_grant_is_checked_like_giving_it(acme: Acme) -> None:
    """Eva may give Ops-wide MANAGE_USERS, but not turn it into a company-wide grant later."""
    with tenant_context(acme.tenant.id):
        row = memberships.grant(
            acme.tenant,
            acme.people["employee"],
            Permission.MANAGE_USERS,
            {"group_ids": [acme.ops.id]},
            by=acme.people["eva"],
        )
        with pytest.raises(ScopeRefused):
            memberships.change_grant(row, Permission.MANAGE_USERS, None, by=acme.people["eva"])
        with pytest.raises(PermissionNotGrantable):
            memberships.change_grant(row, Permission.VIEW_AUDIT_LOG, None, by=acme.people["eva"])

        assert (row.permission, row.scope) == (Permission.MANAGE_USERS, {"group_ids": [acme.ops.id]})


def test_hr_cannot_revoke_a_grant_of_someone_above_them(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        row = memberships.grant(
            acme.tenant, acme.people["admin"], Permission.VIEW_AUDIT_LOG, None, by=acme.people["owner"]
        )

        with pytest.raises(RightsRefused):
            memberships.revoke(row, by=acme.people["hr"])


def test_a_former_owner_cannot_be_invited_back_as_an_employee_by_hr(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        memberships.deactivate(acme.member("super"), by=acme.people["owner"])

        with pytest.raises(RightsRefused):
            invites.invite(acme.tenant, "sara@acme.test", TenantRole.EMPLOYEE, acme.people["hr"])


def test_an_owner_cannot_be_changed_by_anyone_but_another_owner(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        for actor in ("super", "admin", "hr"):
            with pytest.raises(RightsRefused):
                memberships.change_role(acme.member("owner"), TenantRole.ADMIN, by=acme.people[actor])

        memberships.change_role(acme.member("employee"), TenantRole.OWNER, by=acme.people["owner"])
        memberships.change_role(acme.member("owner"), TenantRole.ADMIN, by=acme.people["employee"])

        assert acme.member("owner").role is TenantRole.ADMIN


def _postgres_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app: Flask, committed: None) -> None:
    """Each sees the other as an owner when the request starts; the locks make the second one
    find it would leave the company without an owner."""
    _postgres_only(app)
    with app.app_context():
        world = two_tenants()
        make_user("olga@acme.test", (world.acme, TenantRole.OWNER))
        make_user("oto@acme.test", (world.acme, TenantRole.OWNER))
        tenant_id = world.acme.id
        db.session.commit()
    with app.app_context(), unscoped("test: the owners"):
        pairs = db.session.execute(
            sa.select(Membership.id, Membership.user_id).where(Membership.role == TenantRole.OWNER)
        ).all()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def demote(membership_id: int, actor_id: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            membership = db.session.get(Membership, membership_id)
            actor = db.session.get(User, actor_id)
            barrier.wait()
            try:
                memberships.change_role(membership, TenantRole.ADMIN, by=actor)
                db.session.commit()
                results.append("demoted")
            except LmsError as error:
                db.session.rollback()
                results.append(error)

    (first, first_user), (second, second_user) = pairs
    threads = [
        threading.Thread(target=demote, args=(first, second_user)),
        threading.Thread(target=demote, args=(second, first_user)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("demoted") == 1
    assert [type(r) for r in results if r != "demoted"] == [LastOwner]
    with app.app_context(), tenant_context(tenant_id):
        owners = db.session.scalars(sa.select(Membership.user_id).where(Membership.role == TenantRole.OWNER)).all()
    assert len(owners) == 1


def test_deactivation_and_reactivation_are_audited(acme: Acme) -> None:
    with tenant_context(acme.tenant.id):
        ana = acme.member("employee")

        memberships.deactivate(ana, by=acme.people["hr"])
        assert not ana.is_active
        memberships.reactivate(ana, by=acme.people["hr"])

        assert ana.is_active
        assert _audited(AuditAction.USER_DEACTIVATED) == [{"role": "EMPLOYEE"}]
        assert _audited(AuditAction.USER_REACTIVATED) == [{"role": "EMPLOYEE"}]


def test_reactivation_needs_room_in_the_plan(acme: Acme) -> None:
    acme.tenant.plan = TenantPlan.FREE
    with tenant_context(acme.tenant.id):
        ana = acme.member("employee")
        memberships.deactivate(ana, by=acme.people["hr"])
    for number in range(18):
        make_user(f"extra{number}@acme.test", (acme.tenant, TenantRole.EMPLOYEE))

    with tenant_context(acme.tenant.id):
        with pytest.raises(PlanLimitReached):
            memberships.reactivate(ana, by=acme.people["hr"])
        assert not ana.is_active
