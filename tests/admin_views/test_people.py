"""Can HR and owners run their company's people screens, and only their own company's?

acme has an OWNER, an ADMIN, an HR and an EMPLOYEE; globex has people of its own,
whose names must never appear in acme's screens (issue 4: admin base and People).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, EmailPreference, EmailToken, Group, Membership, Tenant, UserGroup, UserPermission
from lms.models.enums import AuditAction, EmailFrequency, TenantPlan, TenantRole, TenantTheme
from lms.permissions import ROLE_DEFAULTS
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import assign, make_group, make_module, make_user, two_tenants

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]


def _role(rows: Rows, companies: Companies, key: str) -> tuple[TenantRole, bool]:
    ((role, active),) = rows(
        companies.acme_id,
        sa.select(Membership.role, Membership.is_active).where(Membership.id == companies.membership_ids[key]),
    )
    return role, active


def _fill(app: Flask, tenant_id: int, members: int, plan: TenantPlan) -> None:
    """Give the company ``plan`` and add people until it has ``members`` active members."""
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        tenant.plan = plan
        with tenant_context(tenant_id):
            count = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(Membership.is_active))
        for number in range(members - count):
            make_user(f"extra{number}@acme.test", (tenant, TenantRole.EMPLOYEE))
        db.session.commit()


# --- Users & memberships ---------------------------------------------------------------


def test_hr_sees_the_companys_people_and_none_of_the_other_company(client_as: Client) -> None:
    page = client_as("hr").get("/admin/memberships/")

    assert page.status_code == 200
    assert "olga@acme.test" in page.text
    assert "ana@acme.test" in page.text
    assert "bor@globex.test" not in page.text
    assert "greta@globex.test" not in page.text


def test_an_employee_may_not_open_the_people_screens(client_as: Client) -> None:
    client = client_as("employee")
    for url in ("/admin/memberships/", "/admin/user_permissions/", "/admin/groups/", "/admin/audit_log/"):
        assert client.get(url).status_code == 403, url


def test_people_are_found_by_email_and_filtered_by_role(client_as: Client) -> None:
    client = client_as("hr")

    found = client.get("/admin/memberships/?search=adam@")
    owners = client.get("/admin/memberships/?flt0_0=OWNER")

    assert "adam@acme.test" in found.text
    assert "olga@acme.test" not in found.text
    assert "olga@acme.test" in owners.text
    assert "adam@acme.test" not in owners.text


def test_the_people_list_costs_as_many_queries_for_30_people_as_for_4(
    app: Flask, client_as: Client, companies: Companies, count_queries: list[str]
) -> None:
    client = client_as("hr")
    client.get("/admin/memberships/")
    count_queries.clear()
    client.get("/admin/memberships/")
    few = len(count_queries)
    _fill(app, companies.acme_id, 30, TenantPlan.PRO)

    count_queries.clear()
    page = client.get("/admin/memberships/")

    assert "extra20@acme.test" in page.text
    assert len(count_queries) == few


def test_there_is_no_create_or_delete_of_memberships(client_as: Client, companies: Companies, rows: Rows) -> None:
    client = client_as("owner")

    created = client.post("/admin/memberships/new/", data={"role": "EMPLOYEE"})
    deleted = client.post("/admin/memberships/delete/", data={"id": companies.membership_ids["employee"]})

    assert created.status_code == 403
    assert deleted.status_code == 403
    assert _role(rows, companies, "employee") == (TenantRole.EMPLOYEE, True)


def test_an_invite_sends_a_mail_with_a_link_and_is_audited(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.jobs.mail")

    response = client_as("hr").post("/admin/memberships/invite/", data={"email": "Dana@Acme.test", "role": "EMPLOYEE"})

    assert response.status_code == 302
    ((role, tenant_id),) = rows(
        None, sa.select(EmailToken.role, EmailToken.tenant_id).where(EmailToken.email == "dana@acme.test")
    )
    assert (role, tenant_id) == (TenantRole.EMPLOYEE, companies.acme_id)
    assert "To: dana@acme.test" in caplog.text
    assert "http://lms.test/invite/" in caplog.text
    assert [details["email"] for _, _, details in audit_rows(companies.acme_id, AuditAction.USER_INVITED)] == [
        "dana@acme.test"
    ]


def test_inviting_a_current_member_is_a_form_error(client_as: Client, rows: Rows) -> None:
    response = client_as("hr").post("/admin/memberships/invite/", data={"email": "ana@acme.test", "role": "HR"})

    assert response.status_code == 200
    assert "ana@acme.test is already a member of this company." in response.text
    assert rows(None, sa.select(EmailToken.id)) == []


def test_hr_is_offered_only_roles_up_to_their_own(client_as: Client) -> None:
    page = client_as("hr").get("/admin/memberships/invite/")

    offered = set(re.findall(r'<option[^>]*value="([A-Z_]+)"', page.text))
    assert offered == {"HR", "EMPLOYEE", "VIEWER"}


ROLES_BELOW = {
    "owner": {"OWNER", "SUPER_ADMIN", "ADMIN", "HR", "EMPLOYEE", "VIEWER"},
    "admin": {"ADMIN", "HR", "EMPLOYEE", "VIEWER"},
    "hr": {"HR", "EMPLOYEE", "VIEWER"},
}


def _offered(page: Any) -> list[str]:
    return re.findall(r'<option[^>]*value="([A-Z_]+)"', page.text)


@pytest.mark.parametrize("key", sorted(ROLES_BELOW))
def test_the_invite_and_role_dropdowns_offer_only_roles_one_may_give(
    client_as: Client, companies: Companies, key: str
) -> None:
    client = client_as(key)

    invite = client.get("/admin/memberships/invite/")
    edit = client.get(f"/admin/memberships/edit/?id={companies.membership_ids['employee']}")

    assert set(_offered(invite)) == ROLES_BELOW[key]
    assert set(_offered(edit)) == ROLES_BELOW[key]
    assert _offered(edit) == [role.name for role in TenantRole if role.name in ROLES_BELOW[key]], "in rank order"


@pytest.mark.parametrize("role", ["OWNER", "SUPER_ADMIN", "ADMIN"])
def test_hr_cannot_invite_above_their_own_role(client_as: Client, rows: Rows, role: str) -> None:
    response = client_as("hr").post("/admin/memberships/invite/", data={"email": "boss@acme.test", "role": role})

    assert response.status_code == 200
    assert "role: it ranks above yours." in response.text
    assert rows(None, sa.select(EmailToken.id)) == []
    assert rows(None, sa.select(AuditLog.id).where(AuditLog.action == AuditAction.USER_INVITED)) == []


@pytest.mark.parametrize("role", ["GARBAGE", "__None", ""])
def test_an_invite_with_no_real_role_is_a_form_error(client_as: Client, rows: Rows, role: str) -> None:
    response = client_as("owner").post("/admin/memberships/invite/", data={"email": "new@acme.test", "role": role})

    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.text
    assert rows(None, sa.select(EmailToken.id)) == []


def test_the_free_plan_stops_the_26th_member_with_a_clear_message(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _fill(app, companies.acme_id, 25, TenantPlan.FREE)

    response = client_as("owner").post(
        "/admin/memberships/invite/", data={"email": "one-too-many@acme.test", "role": "EMPLOYEE"}
    )

    assert response.status_code == 200
    assert "The FREE plan allows 25 users; upgrade the plan to add more." in response.text
    assert rows(None, sa.select(EmailToken.id)) == []


def test_an_owner_changes_a_role_and_the_change_is_audited(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    member = companies.membership_ids["hr"]

    response = client_as("owner").post(f"/admin/memberships/edit/?id={member}", data={"role": "ADMIN"})

    assert response.status_code == 302
    assert _role(rows, companies, "hr") == (TenantRole.ADMIN, True)
    ((entity, entity_id, details),) = audit_rows(companies.acme_id, AuditAction.USER_ROLE_CHANGED)
    assert (entity, entity_id) == ("user", str(companies.user_ids["hr"]))
    assert details == {"previous": "HR", "role": "ADMIN"}


@pytest.mark.parametrize("key", ["hr", "admin"])
def test_hr_and_admins_cannot_make_anyone_an_owner(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, key: str
) -> None:
    member = companies.membership_ids["employee"]

    response = client_as(key).post(f"/admin/memberships/edit/?id={member}", data={"role": "OWNER"})

    assert response.status_code == 200
    assert "You cannot give the Owner role: it ranks above yours." in response.text
    assert _role(rows, companies, "employee") == (TenantRole.EMPLOYEE, True)
    assert audit_rows(companies.acme_id, AuditAction.USER_ROLE_CHANGED) == []


@pytest.mark.parametrize("role", ["GARBAGE", "__None", "owner"])
def test_a_role_change_to_no_real_role_is_a_form_error(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, role: str
) -> None:
    member = companies.membership_ids["employee"]

    response = client_as("owner").post(f"/admin/memberships/edit/?id={member}", data={"role": role})

    assert response.status_code == 200
    assert "Not a valid choice" in response.text or "could not coerce" in response.text
    assert _role(rows, companies, "employee") == (TenantRole.EMPLOYEE, True)
    assert audit_rows(companies.acme_id, AuditAction.USER_ROLE_CHANGED) == []


def test_an_admin_cannot_demote_an_owner(client_as: Client, companies: Companies, rows: Rows) -> None:
    owner = companies.membership_ids["owner"]

    response = client_as("admin").post(f"/admin/memberships/edit/?id={owner}", data={"role": "EMPLOYEE"})

    assert "This person&#39;s role (Owner) ranks above yours." in response.text
    assert _role(rows, companies, "owner") == (TenantRole.OWNER, True)


@pytest.mark.parametrize("key", ["owner", "hr"])
def test_nobody_changes_their_own_role(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, key: str
) -> None:
    own = companies.membership_ids[key]

    response = client_as(key).post(f"/admin/memberships/edit/?id={own}", data={"role": "VIEWER"})

    assert response.status_code == 200
    assert "Nobody changes their own role or permissions" in response.text
    assert _role(rows, companies, key)[0] is not TenantRole.VIEWER
    assert audit_rows(companies.acme_id, AuditAction.USER_ROLE_CHANGED) == []


def test_an_owner_cannot_deactivate_themselves(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    ids = [companies.membership_ids["owner"], companies.membership_ids["employee"]]

    response = client_as("owner").post(
        "/admin/memberships/action/", data={"action": "deactivate", "rowid": ids}, follow_redirects=True
    )

    assert "Nobody changes their own role or permissions" in response.text
    assert _role(rows, companies, "owner") == (TenantRole.OWNER, True)
    assert _role(rows, companies, "employee") == (TenantRole.EMPLOYEE, True), "all or nothing"
    assert audit_rows(companies.acme_id, AuditAction.USER_DEACTIVATED) == []


def test_a_deactivated_member_is_out_of_the_company_at_their_next_request(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    hr = client_as("hr")
    assert hr.get("/admin/memberships/").status_code == 200

    client_as("owner").post(
        "/admin/memberships/action/", data={"action": "deactivate", "rowid": [companies.membership_ids["hr"]]}
    )

    assert _role(rows, companies, "hr") == (TenantRole.HR, False)
    assert [entity_id for _, entity_id, _ in audit_rows(companies.acme_id, AuditAction.USER_DEACTIVATED)] == [
        str(companies.user_ids["hr"])
    ]
    after = hr.get("/admin/memberships/")
    assert after.status_code == 302
    assert "/login" not in after.location


def test_reactivation_respects_the_plan(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    owner = client_as("owner")
    employee = [companies.membership_ids["employee"]]
    owner.post("/admin/memberships/action/", data={"action": "deactivate", "rowid": employee})
    _fill(app, companies.acme_id, 25, TenantPlan.FREE)

    refused = owner.post(
        "/admin/memberships/action/", data={"action": "reactivate", "rowid": employee}, follow_redirects=True
    )

    assert "The FREE plan allows 25 users" in refused.text
    assert _role(rows, companies, "employee") == (TenantRole.EMPLOYEE, False)
    assert audit_rows(companies.acme_id, AuditAction.USER_REACTIVATED) == []


def test_a_member_of_the_other_company_cannot_be_changed_by_id(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    foreign = companies.membership_ids["globex_employee"]
    client = client_as("owner")

    edited = client.post(f"/admin/memberships/edit/?id={foreign}", data={"role": "OWNER"})
    client.post("/admin/memberships/action/", data={"action": "deactivate", "rowid": [foreign]})

    assert edited.status_code == 404
    assert rows(
        companies.globex_id, sa.select(Membership.role, Membership.is_active).where(Membership.id == foreign)
    ) == [(TenantRole.EMPLOYEE, True)]


# --- Settings --------------------------------------------------------------------------


def _settings(**changes: str) -> dict[str, str]:
    return {"name": "Acme", "locale": "en", "theme": "DEFAULT", "plan": "PRO", "timezone": "UTC", **changes}


@pytest.mark.parametrize("key", ["admin", "hr", "employee"])
def test_only_owners_may_open_the_settings(client_as: Client, key: str) -> None:
    client = client_as(key)

    assert client.get("/admin/settings/").status_code == 403
    assert client.post("/admin/settings/", data=_settings(name="Hijacked")).status_code == 403


def test_an_owner_changes_the_settings_of_their_company_only(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    client = client_as("owner")
    assert client.get("/admin/settings/").status_code == 200

    response = client.post(
        "/admin/settings/",
        data=_settings(name="Acme d.o.o.", locale="sl", theme="OCEAN", timezone="Europe/Ljubljana"),
    )

    assert response.status_code == 302
    settings = sa.select(Tenant.name, Tenant.locale, Tenant.theme, Tenant.timezone)
    assert rows(None, settings.where(Tenant.id == companies.acme_id)) == [
        ("Acme d.o.o.", "sl", TenantTheme.OCEAN, "Europe/Ljubljana")
    ]
    assert rows(None, settings.where(Tenant.id == companies.globex_id))[0][0] == "Globex"
    ((entity, entity_id, details),) = audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED)
    assert (entity, entity_id) == ("tenant", str(companies.acme_id))
    assert details["changes"] == {
        "name": "Acme d.o.o.",
        "locale": "sl",
        "theme": "OCEAN",
        "timezone": "Europe/Ljubljana",
    }


def test_an_unknown_time_zone_is_a_form_error(client_as: Client, companies: Companies, rows: Rows) -> None:
    response = client_as("owner").post("/admin/settings/", data=_settings(timezone="Mars/Olympus"))

    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert rows(None, sa.select(Tenant.timezone).where(Tenant.id == companies.acme_id)) == [("UTC",)]


def test_a_downgrade_below_the_companys_size_is_refused(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    _fill(app, companies.acme_id, 26, TenantPlan.PRO)

    response = client_as("owner").post("/admin/settings/", data=_settings(plan="FREE", name="Renamed"))

    assert response.status_code == 200
    assert "The FREE plan allows 25 users; this company has more." in response.text
    assert rows(None, sa.select(Tenant.plan, Tenant.name).where(Tenant.id == companies.acme_id)) == [
        (TenantPlan.PRO, "Acme")
    ]
    assert audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED) == []


# --- Permissions granted to members -----------------------------------------------------


def test_the_user_picker_lists_only_the_companys_members_but_oneself(client_as: Client) -> None:
    client = client_as("owner")

    everyone = client.get("/admin/user_permissions/ajax/lookup/?name=user&query=&limit=100").json
    by_domain = client.get("/admin/user_permissions/ajax/lookup/?name=user&query=globex").json
    members = client.get("/admin/group_members/ajax/lookup/?name=user&query=&limit=100").json

    assert sorted(label for _, label in members) == sorted(
        [*(label for _, label in everyone), "Olga Owner <olga@acme.test>"]
    )
    assert len(everyone) == 3
    assert not any("globex" in label for _, label in everyone)
    assert by_domain == []


def test_a_permission_is_granted_to_a_member_and_audited(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    groups = _groups(app, companies.acme_id, "Ops", "Sales")
    response = client_as("hr").post(
        "/admin/user_permissions/new/",
        data={
            "user": companies.user_ids["employee"],
            "permission": "VIEW_GROUP_PROGRESS",
            "scope": [str(group) for group in groups],
        },
    )

    assert response.status_code == 302
    grants = sa.select(UserPermission.user_id, UserPermission.scope, UserPermission.granted_by_id)
    assert rows(companies.acme_id, grants) == [
        (companies.user_ids["employee"], {"group_ids": groups}, companies.user_ids["hr"])
    ]
    ((_, _, details),) = audit_rows(companies.acme_id, AuditAction.PERMISSION_GRANTED)
    assert details == {"user": "ana@acme.test", "permission": "VIEW_GROUP_PROGRESS", "scope": {"group_ids": groups}}


def _groups(app: Flask, tenant_id: int, *names: str) -> list[int]:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        ids = [make_group(tenant, name, []).id for name in names]
        db.session.commit()
    return ids


def test_the_permission_choices_are_what_the_granter_holds(client_as: Client) -> None:
    page = client_as("hr").get("/admin/user_permissions/new/")

    offered = set(re.findall(r'<option[^>]*value="([A-Z_]+)"', page.text))
    assert offered == {permission.name for permission in ROLE_DEFAULTS[TenantRole.HR]}


@pytest.mark.parametrize(
    ("key", "grantee", "permission", "message"),
    [
        ("hr", "hr", "MANAGE_USERS", "Not a valid choice"),
        ("hr", "employee", "VIEW_AUDIT_LOG", "Not a valid choice"),
        ("hr", "admin", "MANAGE_USERS", "ranks above yours"),
        ("owner", "employee", "MANAGE_REWARDS", "This permission cannot be narrowed to groups"),
    ],
)
def test_a_tampered_grant_is_a_form_error_and_writes_nothing(
    app: Flask,
    client_as: Client,
    companies: Companies,
    rows: Rows,
    key: str,
    grantee: str,
    permission: str,
    message: str,
) -> None:
    (group,) = _groups(app, companies.acme_id, "Ops")
    scope = [str(group)] if permission == "MANAGE_REWARDS" else []
    response = client_as(key).post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids[grantee], "permission": permission, "scope": scope},
    )

    assert response.status_code == 200
    assert message in response.text.replace("&#39;", "'")
    assert rows(None, sa.select(UserPermission.id)) == []
    assert rows(None, sa.select(AuditLog.id).where(AuditLog.action == AuditAction.PERMISSION_GRANTED)) == []


def test_a_permission_for_the_other_companys_user_is_refused(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    response = client_as("owner").post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["globex_employee"], "permission": "VIEW_ANALYTICS", "scope": ""},
    )

    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert rows(None, sa.select(UserPermission.id)) == []


def test_the_scope_is_picked_from_the_companys_groups(app: Flask, client_as: Client, companies: Companies) -> None:
    ops, sales = _groups(app, companies.acme_id, "Ops", "Sales")
    (theirs,) = _groups(app, companies.globex_id, "Globex Warehouse")

    page = client_as("owner").get("/admin/user_permissions/new/")

    picker = re.search(r'<select[^>]*name="scope".*?</select>', page.text, re.S)
    assert picker is not None
    assert "multiple" in picker.group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)<', picker.group(0)) == [
        (str(ops), "Ops"),
        (str(sales), "Sales"),
    ]
    assert str(theirs) not in picker.group(0)
    assert "<textarea" not in page.text


def test_an_empty_scope_is_the_whole_company_and_the_list_names_the_groups(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    (ops,) = _groups(app, companies.acme_id, "Ops")
    client = client_as("owner")

    client.post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_ANALYTICS"},
    )
    client.post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_GROUP_PROGRESS", "scope": [str(ops)]},
    )

    grants = sa.select(UserPermission.permission, UserPermission.scope).order_by(UserPermission.id)
    assert [(p.name, scope) for p, scope in rows(companies.acme_id, grants)] == [
        ("VIEW_ANALYTICS", None),
        ("VIEW_GROUP_PROGRESS", {"group_ids": [ops]}),
    ]
    listed = client.get("/admin/user_permissions/").text
    assert "Whole company" in listed
    assert sorted(re.findall(r'<td class="col-scope">\s*([^<]*?)\s*</td>', listed)) == ["Ops", "Whole company"]
    assert '{"group_ids"' not in listed


def test_editing_a_grant_shows_its_groups_chosen_and_saves_the_new_ones(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    ops, sales = _groups(app, companies.acme_id, "Ops", "Sales")
    client = client_as("owner")
    client.post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_GROUP_PROGRESS", "scope": [str(ops)]},
    )
    ((grant,),) = rows(companies.acme_id, sa.select(UserPermission.id))

    form = client.get(f"/admin/user_permissions/edit/?id={grant}").text
    response = client.post(
        f"/admin/user_permissions/edit/?id={grant}",
        data={
            "user": companies.user_ids["employee"],
            "permission": "VIEW_GROUP_PROGRESS",
            "scope": [str(sales), str(ops)],
        },
    )

    assert re.search(rf'<option[^>]*selected[^>]*value="{ops}"|<option[^>]*value="{ops}"[^>]*selected', form)
    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(UserPermission.scope)) == [({"group_ids": sorted([ops, sales])},)]


def test_a_grant_naming_a_group_deleted_since_can_be_fixed(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    ops, gone = _groups(app, companies.acme_id, "Ops", "Gone")
    client = client_as("owner")
    client.post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_GROUP_PROGRESS", "scope": [ops, gone]},
    )
    ((grant,),) = rows(companies.acme_id, sa.select(UserPermission.id))
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.delete(db.session.get(Group, gone))
        db.session.commit()

    response = client.post(
        f"/admin/user_permissions/edit/?id={grant}",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_GROUP_PROGRESS", "scope": [ops]},
    )

    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(UserPermission.scope)) == [({"group_ids": [ops]},)]


@pytest.mark.parametrize("whose", ["globex", "deleted"])
def test_a_scope_naming_a_group_of_no_company_here_is_refused(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, whose: str
) -> None:
    (ops,) = _groups(app, companies.acme_id, "Ops")
    (other,) = _groups(app, companies.globex_id if whose == "globex" else companies.acme_id, "Gone")
    if whose == "deleted":
        with app.app_context(), tenant_context(companies.acme_id):
            db.session.delete(db.session.get(Group, other))
            db.session.commit()

    response = client_as("owner").post(
        "/admin/user_permissions/new/",
        data={
            "user": companies.user_ids["employee"],
            "permission": "VIEW_GROUP_PROGRESS",
            "scope": [str(ops), str(other)],
        },
    )

    assert response.status_code == 200
    assert "Some of the chosen groups are not in this company" in response.text.replace("&#39;", "'")
    assert f"#{other}" in response.text
    assert rows(None, sa.select(UserPermission.id)) == []
    assert rows(None, sa.select(AuditLog.id).where(AuditLog.action == AuditAction.PERMISSION_GRANTED)) == []


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        (["abc"], "could not be coerced"),
        (["-1"], "Group ids are positive whole numbers."),
        (["99999999999999999999"], "Group ids are positive whole numbers."),
    ],
)
def test_a_malformed_scope_is_a_form_error(
    client_as: Client, companies: Companies, rows: Rows, scope: list[str], message: str
) -> None:
    response = client_as("owner").post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_ANALYTICS", "scope": scope},
    )

    assert response.status_code == 200
    assert message in response.text
    assert rows(None, sa.select(UserPermission.id)) == []


def test_revoking_a_permission_is_audited(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    client = client_as("owner")
    client.post(
        "/admin/user_permissions/new/",
        data={"user": companies.user_ids["employee"], "permission": "VIEW_ANALYTICS", "scope": ""},
    )
    ((grant,),) = rows(companies.acme_id, sa.select(UserPermission.id))

    response = client.post("/admin/user_permissions/delete/", data={"id": grant})

    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(UserPermission.id)) == []
    assert [entity_id for _, entity_id, _ in audit_rows(companies.acme_id, AuditAction.PERMISSION_REVOKED)] == [
        str(grant)
    ]


# --- Groups -----------------------------------------------------------------------------


def _group(client: FlaskClient, name: str, color: str = "#1a7f37") -> Any:
    return client.post("/admin/groups/new/", data={"name": name, "color": color, "description": ""})


def test_a_group_is_created_and_audited_with_its_fields(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    response = _group(client_as("hr"), "Warehouse")

    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(Group.name, Group.color)) == [("Warehouse", "#1a7f37")]
    ((_, _, details),) = audit_rows(companies.acme_id, AuditAction.GROUP_CREATED)
    assert details["changes"] == {"name": "Warehouse", "color": "#1a7f37"}


def test_a_duplicate_group_name_is_a_form_error_but_the_other_company_may_use_it(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    _group(client_as("hr"), "Warehouse")
    _group(client_as("globex_owner", "globex"), "Warehouse")

    again = _group(client_as("hr"), "Warehouse")

    assert again.status_code == 200
    assert "A group with this name already exists." in again.text
    assert rows(companies.acme_id, sa.select(Group.name)) == [("Warehouse",)]
    assert rows(companies.globex_id, sa.select(Group.name)) == [("Warehouse",)]


def test_a_colour_must_be_a_hex_colour(client_as: Client, rows: Rows, companies: Companies) -> None:
    response = _group(client_as("hr"), "Drivers", color="red")

    assert response.status_code == 200
    assert "Use a colour such as #1a7f37." in response.text
    assert rows(companies.acme_id, sa.select(Group.id)) == []


def test_members_are_added_to_and_removed_from_a_group_with_an_audit(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    client = client_as("hr")
    _group(client, "Warehouse")
    ((group_id,),) = rows(companies.acme_id, sa.select(Group.id))
    ana = companies.user_ids["employee"]

    added = client.post("/admin/group_members/new/", data={"group": group_id, "user": ana})
    foreign = client.post(
        "/admin/group_members/new/", data={"group": group_id, "user": companies.user_ids["globex_employee"]}
    )

    assert added.status_code == 302
    assert foreign.status_code == 200
    assert "Not a valid choice" in foreign.text
    assert rows(companies.acme_id, sa.select(UserGroup.user_id)) == [(ana,)]
    assert len(audit_rows(companies.acme_id, AuditAction.GROUP_MEMBER_ADDED)) == 1

    removed = client.post("/admin/group_members/delete/", data={"id": f"{ana},{group_id}"})

    assert removed.status_code == 302
    assert rows(companies.acme_id, sa.select(UserGroup.user_id)) == []
    assert len(audit_rows(companies.acme_id, AuditAction.GROUP_MEMBER_REMOVED)) == 1


def test_deleting_a_group_is_audited(client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit) -> None:
    client = client_as("hr")
    _group(client, "Warehouse")
    ((group_id,),) = rows(companies.acme_id, sa.select(Group.id))

    response = client.post("/admin/groups/delete/", data={"id": group_id})

    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(Group.id)) == []
    assert [entity_id for _, entity_id, _ in audit_rows(companies.acme_id, AuditAction.GROUP_DELETED)] == [
        str(group_id)
    ]


# --- Email preferences ------------------------------------------------------------------


def test_email_preferences_are_listed_and_edited_but_not_created(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    with app.app_context(), tenant_context(companies.acme_id):
        preference = EmailPreference(user_id=companies.user_ids["employee"])
        db.session.add(preference)
        db.session.flush()
        preference_id = preference.id
        db.session.commit()
    client = client_as("hr")

    listed = client.get("/admin/email_preferences/")
    edited = client.post(f"/admin/email_preferences/edit/?id={preference_id}", data={"frequency": "WEEKLY"})
    created = client.post("/admin/email_preferences/new/", data={"frequency": "DAILY"})

    assert "ana@acme.test" in listed.text
    assert edited.status_code == 302
    assert created.status_code == 403
    assert rows(companies.acme_id, sa.select(EmailPreference.frequency)) == [(EmailFrequency.WEEKLY,)]


# --- Audit log --------------------------------------------------------------------------


def _log(app: Flask, tenant_id: int, action: AuditAction, entity_type: str, marker: str) -> int:
    with app.app_context(), tenant_context(tenant_id):
        row = AuditLog(action=action, entity_type=entity_type, entity_id="1", details={"marker": marker})
        db.session.add(row)
        db.session.flush()
        row_id = row.id
        db.session.commit()
    return row_id


def test_the_audit_log_shows_the_companys_entries_only_and_filters_them(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    _log(app, companies.acme_id, AuditAction.GROUP_CREATED, "group", "acme-group-entry")
    _log(app, companies.acme_id, AuditAction.MODULE_CREATED, "module", "acme-module-entry")
    _log(app, companies.globex_id, AuditAction.GROUP_CREATED, "group", "globex-secret-entry")
    client = client_as("owner")

    everything = client.get("/admin/audit_log/")
    groups_only = client.get("/admin/audit_log/?flt0_0=GROUP_CREATED")

    assert everything.status_code == 200
    assert "acme-group-entry" in everything.text
    assert "acme-module-entry" in everything.text
    assert everything.text.index("acme-module-entry") < everything.text.index("acme-group-entry"), "newest first"
    assert "globex-secret-entry" not in everything.text
    assert "acme-group-entry" in groups_only.text
    assert "acme-module-entry" not in groups_only.text


def test_the_audit_log_cannot_be_written(app: Flask, client_as: Client, companies: Companies, rows: Rows) -> None:
    entry = _log(app, companies.acme_id, AuditAction.GROUP_CREATED, "group", "original")
    before = rows(None, sa.select(AuditLog.id, AuditLog.details).order_by(AuditLog.id))
    client = client_as("owner")

    statuses = [
        client.post("/admin/audit_log/new/", data={"entity_type": "forged"}).status_code,
        client.post(f"/admin/audit_log/edit/?id={entry}", data={"entity_type": "forged"}).status_code,
        client.post("/admin/audit_log/delete/", data={"id": entry}).status_code,
        client.post("/admin/audit_log/action/", data={"action": "delete", "rowid": [entry]}).status_code,
    ]

    assert all(status in (403, 404) for status in statuses), statuses
    assert rows(None, sa.select(AuditLog.id, AuditLog.details).order_by(AuditLog.id)) == before


def test_the_audit_log_is_exported_for_those_who_may_export(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    _log(app, companies.acme_id, AuditAction.GROUP_CREATED, "group", "exported-entry")

    export = client_as("owner").get("/admin/audit_log/export/csv/")

    assert export.status_code == 200
    assert "exported-entry" in export.text


def test_group_page_shows_members_and_assigned_modules(app: Flask) -> None:
    with app.app_context():
        world = two_tenants()
        hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
        module = make_module(world.acme, "Lockout tagout")
        group = make_group(world.acme, "Maintenance crew", [world.ana])
        assign(module, group, 14, mandatory=True)
        group_id, login = group.id, hr.get_id()
        acme_id = world.acme.id
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["tenant_id"] = acme_id

    page = client.get(f"/admin/groups/details/?id={group_id}").get_data(as_text=True)

    assert "Ana" in page
    assert "Lockout tagout" in page
    assert "14 days to finish" in page
    assert f"/admin/assignments/new/?group_id={group_id}" in page
    form = client.get(f"/admin/group_members/new/?group_id={group_id}").get_data(as_text=True)
    assert 'selected value="' + str(group_id) in form or f'value="{group_id}" selected' in form
