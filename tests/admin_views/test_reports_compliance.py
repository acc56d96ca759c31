"""The compliance report screen: does HR see each bucket's learners, a manager only their groups, and
a bad filter a clear refusal? Do the exports hold the report's rows? (issue 13, item 2)"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Tenant, User, UserPermission
from lms.models.enums import Permission, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import assign, make_certificate, make_group, make_module, make_user, sign_in

URL = "/admin/reports/compliance/"


@dataclass
class Report:
    forklift_id: int
    warehouse_id: int
    office_id: int
    globex_group_id: int
    globex_module_id: int
    manager_id: int


@pytest.fixture
def report(app: Flask, companies: Companies) -> Report:
    """acme: Forklift (12 months) for the warehouse (Ana expiring in 10 days, Vid never) and the
    office (Ola valid); Mia manages the office with scoped grants. globex: Bor, never."""
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        globex = db.session.get(Tenant, companies.globex_id)
        ana = db.session.get(User, companies.user_ids["employee"])
        vid = make_user("vid@acme.test", (acme, TenantRole.EMPLOYEE), name="Vid Never")
        ola = make_user("ola@acme.test", (acme, TenantRole.EMPLOYEE), name="Ola Office")
        mia = make_user("mia@acme.test", (acme, TenantRole.EMPLOYEE), name="Mia Manager")
        forklift = make_module(acme, "Forklift")
        with tenant_context(acme.id):
            forklift.validity_months = 12
        warehouse = make_group(acme, "Warehouse", [ana, vid])
        office = make_group(acme, "Office", [ola])
        assign(forklift, warehouse, 30, mandatory=True)
        assign(forklift, office, 30, mandatory=True)
        expiring = make_certificate(forklift, ana)
        make_certificate(forklift, ola)
        with tenant_context(acme.id):
            expiring.expires_at = utcnow() + timedelta(days=10)
            for permission in (Permission.VIEW_GROUP_PROGRESS, Permission.EXPORT_REPORTS):
                db.session.add(UserPermission(user_id=mia.id, permission=permission, scope={"group_ids": [office.id]}))
        globex_module = make_module(globex, "Forklift")
        globex_group = make_group(globex, "Warehouse", [db.session.get(User, companies.user_ids["globex_employee"])])
        assign(globex_module, globex_group, 30, mandatory=True)
        result = Report(forklift.id, warehouse.id, office.id, globex_group.id, globex_module.id, mia.id)
        db.session.commit()
    return result


@pytest.fixture
def manager(app: Flask, companies: Companies, report: Report) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        sign_in(client, db.session.get(User, report.manager_id), db.session.get(Tenant, companies.acme_id))
    return client


def _text(response: object) -> str:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_hr_sees_the_counts_per_module_and_group_linking_to_their_lists(
    client_as: Callable[..., FlaskClient], report: Report
) -> None:
    page = _text(client_as("hr").get(URL))

    assert "Forklift" in page
    assert "Warehouse" in page
    assert "Office" in page
    expiring_link = f"{URL}?bucket=expiring&amp;module={report.forklift_id}&amp;group={report.warehouse_id}"
    assert expiring_link in page
    assert "Ana" in page, "Ana's certificate expires within 90 days: she is on the renewals list"
    assert "Bor" not in page
    assert "Valid for 12 months" in page


def test_a_bucket_lists_its_learners(client_as: Callable[..., FlaskClient], report: Report) -> None:
    hr = client_as("hr")

    never = _text(hr.get(URL, query_string={"bucket": "never", "module": report.forklift_id}))
    valid = _text(hr.get(URL, query_string={"bucket": "valid", "module": report.forklift_id}))

    assert "Vid Never" in never
    assert "Ola Office" not in never
    assert "Ola Office" in valid
    assert "Vid Never" not in valid


def test_a_manager_sees_only_their_groups(manager: FlaskClient, report: Report) -> None:
    page = _text(manager.get(URL))
    never = _text(manager.get(URL, query_string={"bucket": "never"}))

    assert "Office" in page
    assert "Warehouse" not in page
    assert "Ana" not in page
    assert "Vid Never" not in never


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ({"group": "abc"}, 400),
        ({"group": "99999999999999999999"}, 400),
        ({"module": "1,2"}, 400),
        ({"bucket": "EXPIRED"}, 400),
        ({"page": "-1"}, 400),
        ({"page": "abc"}, 400),
        ({"group": "2147483000"}, 404),
    ],
)
def test_a_malformed_or_unknown_filter_is_refused(
    client_as: Callable[..., FlaskClient], report: Report, args: dict[str, str], status: int
) -> None:
    assert client_as("hr").get(URL, query_string=args).status_code == status


def test_another_companys_group_or_module_is_not_found(client_as: Callable[..., FlaskClient], report: Report) -> None:
    hr = client_as("hr")

    assert hr.get(URL, query_string={"group": report.globex_group_id}).status_code == 404
    assert hr.get(URL, query_string={"module": report.globex_module_id}).status_code == 404


def test_a_group_outside_the_managers_reach_is_forbidden_with_a_reason(manager: FlaskClient, report: Report) -> None:
    response = manager.get(URL, query_string={"group": report.warehouse_id})

    assert response.status_code == 403
    assert "outside the groups whose progress you see" in response.get_data(as_text=True)


def test_a_page_past_the_end_says_so(client_as: Callable[..., FlaskClient], report: Report) -> None:
    page = _text(client_as("hr").get(URL, query_string={"bucket": "never", "page": "999"}))

    assert "past the end of the list" in page


def test_people_without_progress_rights_may_not_open_it(client_as: Callable[..., FlaskClient], report: Report) -> None:
    assert client_as("employee").get(URL).status_code == 403
    assert client_as("employee").get(f"{URL}export", query_string={"format": "csv"}).status_code == 403


def _csv_rows(response: object) -> list[list[str]]:
    text = _text(response)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_csv_export_holds_one_row_per_learner_and_module_in_words(
    client_as: Callable[..., FlaskClient], report: Report
) -> None:
    response = client_as("hr").get(f"{URL}export", query_string={"format": "csv"})

    rows = _csv_rows(response)
    assert rows[0] == ["Learner", "Email", "Groups", "Module", "Status", "Certificate expires"]
    by_email = {row[1]: row for row in rows[1:]}
    assert set(by_email) == {"ana@acme.test", "vid@acme.test", "ola@acme.test"}
    assert by_email["ana@acme.test"][4] == "Expiring within 30 days"
    assert by_email["vid@acme.test"][4:] == ["Never completed", ""]
    assert by_email["ola@acme.test"][2] == "Office"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="acme-compliance-')


def test_the_xlsx_export_of_a_managers_groups_holds_only_them(manager: FlaskClient, report: Report) -> None:
    response = manager.get(f"{URL}export", query_string={"format": "xlsx"})

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert values[0][:2] == ["Learner", "Email"]
    assert [row[1] for row in values[1:]] == ["ola@acme.test"]
    assert values[1][4] == "Valid"


def test_the_renewals_export_lists_who_must_renew(client_as: Callable[..., FlaskClient], report: Report) -> None:
    rows = _csv_rows(client_as("hr").get(f"{URL}renewals/export", query_string={"format": "csv"}))

    assert rows[0] == ["Learner", "Email", "Groups", "Module", "Expires"]
    assert [row[1] for row in rows[1:]] == ["ana@acme.test"]
    assert rows[1][4] == (utcnow() + timedelta(days=10)).date().isoformat()


def test_export_needs_the_export_permission_and_a_known_format(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, report: Report
) -> None:
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.add(UserPermission(user_id=companies.user_ids["employee"], permission=Permission.VIEW_ALL_PROGRESS))
        db.session.commit()
    viewer = client_as("employee")

    assert viewer.get(URL).status_code == 200
    assert "/export?format=csv" not in viewer.get(URL).get_data(as_text=True), "no link to what they may not do"
    assert viewer.get(f"{URL}export", query_string={"format": "csv"}).status_code == 403
    assert client_as("hr").get(f"{URL}export", query_string={"format": "pdf"}).status_code == 400


def test_the_page_runs_a_fixed_number_of_queries(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, report: Report, count_queries: list[str]
) -> None:
    hr = client_as("hr")
    hr.get(URL)
    count_queries.clear()
    _text(hr.get(URL))
    few = len(count_queries)
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        crowd = [make_user(f"crowd{index}@acme.test", (acme, TenantRole.EMPLOYEE)) for index in range(20)]
        with tenant_context(acme.id):
            module = make_module(acme, "Ladders")
            module.validity_months = 6
        assign(module, make_group(acme, "Crowd", crowd), 10, mandatory=True)
        db.session.commit()
    count_queries.clear()
    _text(hr.get(URL))

    assert len(count_queries) == few
