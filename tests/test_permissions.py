"""Does ``can()`` give each role exactly what DESIGN.md's table says, plus grants, in one tenant only?"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask, g, session
from flask_login import login_user
from werkzeug.exceptions import Forbidden

from lms.auth.context import load_request_context
from lms.extensions import db
from lms.models import Membership, Tenant, User, UserPermission
from lms.models.enums import Permission, Role, TenantRole
from lms.permissions import can, can_manage_settings, permission_required, submit_required
from lms.tenancy import tenant_context
from tests.factories import make_tenant, make_user

# DESIGN.md, "Roles and permissions", written out here rather than imported, so a change
# to the code's table that the design did not make fails this test.
EVERYTHING = frozenset(Permission)
HR = frozenset(
    {
        Permission.MANAGE_ALL_MODULES,  # modules
        Permission.MANAGE_QUIZZES,  # quizzes
        Permission.MANAGE_USERS,  # users
        Permission.MANAGE_GROUPS,  # groups
        Permission.VIEW_ALL_PROGRESS,  # all progress
        Permission.VIEW_GROUP_PROGRESS,  # (all progress includes each group's)
        Permission.OVERRIDE_PROGRESS,  # overrides
        Permission.VIEW_ANALYTICS,  # analytics
        Permission.EXPORT_REPORTS,  # exports
        Permission.MANAGE_REWARDS,  # rewards
        Permission.MANAGE_SUGGESTIONS,  # suggestions
        Permission.VIEW_MANAGER_DASHBOARD,  # manager dashboard
    }
)
EXPECTED: dict[TenantRole, frozenset[Permission]] = {
    TenantRole.OWNER: EVERYTHING,
    TenantRole.SUPER_ADMIN: EVERYTHING,
    TenantRole.ADMIN: EVERYTHING,
    TenantRole.HR: HR,
    TenantRole.EMPLOYEE: frozenset(),
    TenantRole.VIEWER: frozenset(),
}


@dataclass
class Company:
    acme: Tenant
    globex: Tenant

    def person(self, role: TenantRole, *, email: str = "person@acme.test") -> User:
        user = make_user(email, (self.acme, role))
        db.session.commit()
        return user

    def grant(self, user: User, permission: Permission, tenant: Tenant, scope: dict | None = None) -> None:
        with tenant_context(tenant.id):
            db.session.add(UserPermission(user_id=user.id, permission=permission, scope=scope))
        db.session.commit()


@pytest.fixture
def company(app_ctx: Flask) -> Company:
    company = Company(make_tenant("acme"), make_tenant("globex"))
    make_user("bor@globex.test", (company.globex, TenantRole.OWNER))
    db.session.commit()
    return company


@pytest.mark.parametrize("permission", list(Permission), ids=lambda p: p.name)
@pytest.mark.parametrize("role", list(TenantRole), ids=lambda r: r.name)
def test_role_defaults_follow_the_design_table(company: Company, role: TenantRole, permission: Permission) -> None:
    user = company.person(role)

    assert can(user, permission, company.acme) is (permission in EXPECTED[role])
    assert can(user, permission, company.globex) is False, "a role in one company is nothing in another"


def test_only_owners_and_super_admins_change_tenant_settings() -> None:
    allowed = {role for role in TenantRole if can_manage_settings(role)}

    assert allowed == {TenantRole.OWNER, TenantRole.SUPER_ADMIN}


def test_a_grant_adds_a_permission_to_the_role(company: Company) -> None:
    mentor = company.person(TenantRole.EMPLOYEE)
    assert not can(mentor, Permission.MANAGE_OWN_MODULES, company.acme)

    company.grant(mentor, Permission.MANAGE_OWN_MODULES, company.acme)

    assert can(mentor, Permission.MANAGE_OWN_MODULES, company.acme)
    assert not can(mentor, Permission.MANAGE_ALL_MODULES, company.acme), "only what was granted"


def test_a_scoped_grant_allows_only_inside_its_scope(company: Company) -> None:
    lead = company.person(TenantRole.EMPLOYEE)
    company.grant(lead, Permission.VIEW_GROUP_PROGRESS, company.acme, {"group_ids": [3]})

    assert can(lead, Permission.VIEW_GROUP_PROGRESS, company.acme, {"group_ids": [3]})
    assert not can(lead, Permission.VIEW_GROUP_PROGRESS, company.acme, {"group_ids": [4]})
    assert not can(lead, Permission.VIEW_GROUP_PROGRESS, company.acme, {"group_ids": [3, 4]})


def test_an_unscoped_grant_allows_any_scope(company: Company) -> None:
    lead = company.person(TenantRole.EMPLOYEE)
    company.grant(lead, Permission.VIEW_GROUP_PROGRESS, company.acme)

    assert can(lead, Permission.VIEW_GROUP_PROGRESS, company.acme, {"group_ids": [4]})


def test_a_grant_in_another_company_does_not_count(company: Company) -> None:
    cene = make_user("cene@both.test", (company.acme, TenantRole.EMPLOYEE), (company.globex, TenantRole.EMPLOYEE))
    company.grant(cene, Permission.MANAGE_USERS, company.globex)

    assert can(cene, Permission.MANAGE_USERS, company.globex)
    assert not can(cene, Permission.MANAGE_USERS, company.acme)
    with tenant_context(company.acme.id):
        assert not can(cene, Permission.MANAGE_USERS, company.acme)
        assert can(cene, Permission.MANAGE_USERS, company.globex), "the answer does not depend on the active tenant"


def test_a_grant_without_a_membership_gives_nothing(company: Company) -> None:
    stranger = make_user("stranger@elsewhere.test")
    company.grant(stranger, Permission.MANAGE_USERS, company.acme)

    assert not can(stranger, Permission.MANAGE_USERS, company.acme)


def test_inactive_membership_gives_nothing(company: Company) -> None:
    owner = company.person(TenantRole.OWNER)
    company.grant(owner, Permission.MANAGE_OWN_MODULES, company.acme)
    with tenant_context(company.acme.id):
        db.session.scalar(sa.select(Membership).where(Membership.user_id == owner.id)).is_active = False
    db.session.commit()

    assert not any(can(owner, permission, company.acme) for permission in Permission)


def test_deactivated_account_gives_nothing(company: Company) -> None:
    owner = company.person(TenantRole.OWNER)
    owner.is_active = False
    db.session.commit()

    assert not any(can(owner, permission, company.acme) for permission in Permission)
    assert not can(None, Permission.MANAGE_USERS, company.acme)


def test_platform_staff_hold_every_permission_in_any_company(company: Company) -> None:
    staff = make_user("ops@mojster.test")
    staff.role = Role.SUPER_ADMIN
    db.session.commit()

    assert all(can(staff, permission, company.globex) for permission in Permission)


# --- the view decorators, through the same per-request hook a real request runs -----------


@pytest.fixture
def as_member(app: Flask, company: Company) -> Iterator[Callable[[User | None, Tenant | None], None]]:
    """Enter a request as ``user`` in ``tenant`` (None: anonymous / no company chosen)."""
    with app.test_request_context("/"):

        def enter(user: User | None, tenant: Tenant | None = None) -> None:
            if user is not None:
                login_user(user)
            if tenant is not None:
                session["tenant_id"] = tenant.id
            load_request_context()

        yield enter


@permission_required(Permission.MANAGE_USERS)
def _people_screen() -> str:
    return "people"


@submit_required
def _post_comment() -> str:
    return "posted"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(TenantRole.OWNER, True), (TenantRole.ADMIN, True), (TenantRole.HR, True), (TenantRole.EMPLOYEE, False)],
)
def test_permission_required_follows_the_role(
    company: Company, as_member: Callable, role: TenantRole, allowed: bool
) -> None:
    as_member(company.person(role), company.acme)

    if allowed:
        assert _people_screen() == "people"
    else:
        with pytest.raises(Forbidden):
            _people_screen()


def test_permission_required_honours_a_grant(company: Company, as_member: Callable) -> None:
    clerk = company.person(TenantRole.EMPLOYEE)
    company.grant(clerk, Permission.MANAGE_USERS, company.acme)
    as_member(clerk, company.acme)

    assert _people_screen() == "people"


def test_permission_required_refuses_without_a_company(company: Company, as_member: Callable) -> None:
    as_member(company.person(TenantRole.OWNER), None)

    with pytest.raises(Forbidden):
        _people_screen()


def test_permission_required_refuses_a_company_the_user_left(company: Company, as_member: Callable) -> None:
    owner = company.person(TenantRole.OWNER)
    with tenant_context(company.acme.id):
        db.session.scalar(sa.select(Membership).where(Membership.user_id == owner.id)).is_active = False
    db.session.commit()
    as_member(owner, company.acme)

    assert g.tenant is None
    with pytest.raises(Forbidden):
        _people_screen()


def test_permission_required_refuses_anonymous(company: Company, as_member: Callable) -> None:
    as_member(None, company.acme)

    with pytest.raises(Forbidden):
        _people_screen()


@pytest.mark.parametrize("role", [role for role in TenantRole if role is not TenantRole.VIEWER], ids=lambda r: r.name)
def test_every_role_but_viewer_may_submit(company: Company, as_member: Callable, role: TenantRole) -> None:
    as_member(company.person(role), company.acme)

    assert _post_comment() == "posted"


def test_viewer_may_not_submit(company: Company, as_member: Callable) -> None:
    as_member(company.person(TenantRole.VIEWER), company.acme)

    with pytest.raises(Forbidden):
        _post_comment()


def test_nobody_submits_outside_a_company(company: Company, as_member: Callable) -> None:
    as_member(company.person(TenantRole.EMPLOYEE), None)

    with pytest.raises(Forbidden):
        _post_comment()
