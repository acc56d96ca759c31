"""Can platform staff, and only they, enter a company to help it, with the company told? (issue 14, item 6)

acme (English) has an OWNER, an ADMIN, an HR and an EMPLOYEE; globex (Slovenian) an OWNER and
an EMPLOYEE. Petra is platform staff and a member of neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Tenant, User
from lms.models.enums import AuditAction, Role, TenantRole
from tests.admin_views.conftest import Companies
from tests.factories import make_tenant, make_user, sign_in

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]
BANNER = 'id="support-banner"'


@pytest.fixture
def staff(app: Flask, companies: Companies) -> FlaskClient:
    """Petra, a global SUPER_ADMIN of the platform, signed in with no company chosen."""
    client = app.test_client()
    with app.app_context():
        petra = make_user("petra@mojster.test", name="Petra Platform")
        petra.role = Role.SUPER_ADMIN
        db.session.flush()
        sign_in(client, petra)
        db.session.commit()
    return client


def _company_in_session(client: FlaskClient) -> int | None:
    with client.session_transaction() as session:
        return session.get("tenant_id")


def _support_rows(rows: Rows) -> list[tuple[int | None, str | None, Any]]:
    statement = sa.select(AuditLog.tenant_id, AuditLog.entity_id, AuditLog.details).where(
        AuditLog.action == AuditAction.SUPPORT_ACCESS
    )
    return [tuple(row) for row in rows(None, statement.order_by(AuditLog.id))]


def _enter(client: FlaskClient, tenant_id: object, reason: str = "") -> Any:
    return client.post(f"/admin/tenants/enter/?id={tenant_id}", data={"reason": reason})


def test_the_company_list_offers_staff_to_enter_each_company(staff: FlaskClient, companies: Companies) -> None:
    page = staff.get("/admin/tenants/")

    assert page.status_code == 200
    assert "Enter company" in page.text
    assert f"/admin/tenants/enter/?id={companies.globex_id}" in page.text


def test_staff_enter_a_company_with_a_reason_written_to_its_audit_log(
    staff: FlaskClient, companies: Companies, audit_rows: Audit
) -> None:
    form = staff.get(f"/admin/tenants/enter/?id={companies.acme_id}")
    assert form.status_code == 200
    assert "Enter Acme" in form.text
    assert 'name="reason"' in form.text

    response = _enter(staff, companies.acme_id, "  Ticket 42: certificates missing  ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert _company_in_session(staff) == companies.acme_id
    assert audit_rows(companies.acme_id, AuditAction.SUPPORT_ACCESS) == [
        ("tenant", str(companies.acme_id), {"entered": True, "reason": "Ticket 42: certificates missing"})
    ]
    assert audit_rows(companies.globex_id, AuditAction.SUPPORT_ACCESS) == []
    assert audit_rows(None, AuditAction.SUPPORT_ACCESS) == []


def test_inside_staff_work_as_super_admin_under_a_banner_on_every_page(
    staff: FlaskClient, companies: Companies
) -> None:
    _enter(staff, companies.acme_id)

    admin_home = staff.get("/admin/")
    people = staff.get("/admin/memberships/")
    learner_home = staff.get("/")

    assert admin_home.status_code == people.status_code == learner_home.status_code == 200
    for page in (admin_home, people, learner_home):
        assert BANNER in page.text
        assert "you are in Acme as platform staff" in page.text
        assert "/admin/tenants/leave/" in page.text
    assert "olga@acme.test" in people.text


def test_members_see_no_banner(client_as: Client) -> None:
    for url in ("/", "/admin/"):
        assert BANNER not in client_as("owner").get(url).text


def test_leaving_returns_to_the_company_list_and_is_written_to_the_log(
    staff: FlaskClient, companies: Companies, audit_rows: Audit
) -> None:
    _enter(staff, companies.globex_id, "Onboarding call")

    response = staff.post("/admin/tenants/leave/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/tenants/"
    assert _company_in_session(staff) is None
    assert [details for _, _, details in audit_rows(companies.globex_id, AuditAction.SUPPORT_ACCESS)] == [
        {"entered": True, "reason": "Onboarding call"},
        {"left": True},
    ]
    assert BANNER not in staff.get("/admin/tenants/").text


def test_entering_another_company_ends_the_visit_of_the_first(
    staff: FlaskClient, companies: Companies, rows: Rows
) -> None:
    _enter(staff, companies.acme_id)
    _enter(staff, companies.globex_id, "Second ticket")

    assert _company_in_session(staff) == companies.globex_id
    assert _support_rows(rows) == [
        (companies.acme_id, str(companies.acme_id), {"entered": True, "reason": None}),
        (companies.acme_id, str(companies.acme_id), {"left": True}),
        (companies.globex_id, str(companies.globex_id), {"entered": True, "reason": "Second ticket"}),
    ]


def test_the_company_reads_the_visit_in_its_audit_log(
    staff: FlaskClient, client_as: Client, companies: Companies
) -> None:
    _enter(staff, companies.acme_id, "Ticket 42")
    staff.post("/admin/tenants/leave/")

    log = client_as("owner").get("/admin/audit_log/")

    assert log.status_code == 200
    assert "Support access" in log.text
    assert "petra@mojster.test" in log.text
    assert "Reason: Ticket 42" in log.text
    assert "Entered the company: Yes" in log.text
    assert "Left the company: Yes" in log.text


@pytest.mark.parametrize("company_id", ["999999999", "abc", "1,2", "-1", "99999999999999999999", ""])
def test_a_tampered_company_id_is_a_404_and_changes_nothing(staff: FlaskClient, rows: Rows, company_id: str) -> None:
    assert staff.get(f"/admin/tenants/enter/?id={company_id}").status_code == 404
    assert _enter(staff, company_id, "x").status_code == 404
    assert _company_in_session(staff) is None
    assert _support_rows(rows) == []


def test_a_switched_off_company_cannot_be_entered(app: Flask, staff: FlaskClient, rows: Rows) -> None:
    with app.app_context():
        closed = make_tenant("initech")
        closed.is_active = False
        db.session.commit()
        closed_id = closed.id

    page = staff.get("/admin/tenants/")

    assert f"/admin/tenants/enter/?id={closed_id}" not in page.text
    assert _enter(staff, closed_id).status_code == 404
    assert _support_rows(rows) == []


def test_an_overlong_reason_is_a_form_error(staff: FlaskClient, companies: Companies, rows: Rows) -> None:
    response = _enter(staff, companies.acme_id, "x" * 501)

    assert response.status_code == 200
    assert "Field cannot be longer than 500 characters." in response.text
    assert _company_in_session(staff) is None
    assert _support_rows(rows) == []


@pytest.mark.parametrize("key", ["owner", "admin", "hr", "employee"])
def test_company_members_who_are_not_staff_are_refused(
    client_as: Client, companies: Companies, rows: Rows, key: str
) -> None:
    client = client_as(key)

    assert client.get(f"/admin/tenants/enter/?id={companies.globex_id}").status_code == 403
    assert _enter(client, companies.globex_id, "let me in").status_code == 403
    assert client.post("/admin/tenants/leave/").status_code == 403
    assert _company_in_session(client) == companies.acme_id
    assert _support_rows(rows) == []


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, companies: Companies) -> None:
    client = app.test_client()

    response = _enter(client, companies.acme_id)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_who_belong_to_the_company_enter_with_their_own_role_unaudited(
    app: Flask, staff: FlaskClient, companies: Companies, rows: Rows
) -> None:
    with app.app_context():
        member = make_user("ops@mojster.test", (db.session.get(Tenant, companies.acme_id), TenantRole.HR))
        member.role = Role.OWNER
        db.session.flush()
        client = app.test_client()
        sign_in(client, member)
        db.session.commit()

    response = _enter(client, companies.acme_id)

    assert response.status_code == 302
    assert _company_in_session(client) == companies.acme_id
    assert BANNER not in client.get("/admin/").text
    assert client.post("/admin/tenants/leave/").status_code == 302
    assert _company_in_session(client) == companies.acme_id
    assert _support_rows(rows) == []


def test_staff_who_lose_the_platform_role_are_out_at_the_next_click(
    app: Flask, staff: FlaskClient, companies: Companies
) -> None:
    _enter(staff, companies.acme_id)
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == "petra@mojster.test")).role = Role.EMPLOYEE
        db.session.commit()

    response = staff.get("/admin/memberships/")

    assert response.headers["Location"].startswith("/tenants")
    assert _company_in_session(staff) is None
