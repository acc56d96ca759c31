"""Does the progress screen show HR each learner's standing, keep a scoped manager to their
groups in the page, the count, the timeline and the export, and answer bad filters with a
clear 4xx? (issue 13, item 1)"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from lms.extensions import db
from lms.models import Tenant, User, UserPermission
from lms.models.enums import Permission, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.factories import assign, make_certificate, make_group, make_module, make_user, sign_in, two_tenants

URL = "/admin/reports/progress/"


@dataclass
class Ids:
    acme: int
    globex: int
    welders: int
    drivers: int
    globex_group: int
    globex_module: int
    ana: int
    bea: int
    bor: int
    safety: int


@pytest.fixture
def ids(app: Flask) -> Ids:
    """acme: Ana (welders, overdue in Safety), Bea (drivers, completed Safety); Hana (HR);
    Mira, an employee who sees the welders' progress, and Max, who may also export it.
    globex (Slovenian): Bor, not started in Varnost."""
    with app.app_context():
        world = two_tenants()
        now = utcnow()
        bea = make_user("bea@acme.test", (world.acme, TenantRole.EMPLOYEE), name="Bea Berg")
        world.ana.name = "Ana Ahac"
        make_user("hana@acme.test", (world.acme, TenantRole.HR), name="Hana Hr")
        mira = make_user("mira@acme.test", (world.acme, TenantRole.EMPLOYEE), name="Mira Manager")
        max_ = make_user("max@acme.test", (world.acme, TenantRole.EMPLOYEE), name="Max Manager")
        safety = make_module(world.acme, "Safety")
        welders = make_group(world.acme, "Welders", [world.ana], joined=now - timedelta(days=10))
        drivers = make_group(world.acme, "Drivers", [bea])
        assign(safety, welders, 5, mandatory=True, at=now - timedelta(days=10))
        make_certificate(safety, bea)
        with tenant_context(world.acme.id):
            for user, permission in (
                (mira, Permission.VIEW_GROUP_PROGRESS),
                (max_, Permission.VIEW_GROUP_PROGRESS),
                (max_, Permission.EXPORT_REPORTS),
            ):
                db.session.add(
                    UserPermission(user_id=user.id, permission=permission, scope={"group_ids": [welders.id]})
                )
            db.session.flush()
        make_user("greta@globex.test", (world.globex, TenantRole.HR), name="Greta")
        varnost = make_module(world.globex, "Varnost")
        globex_group = make_group(world.globex, "Ekipa", [world.bor])
        result = Ids(
            world.acme.id,
            world.globex.id,
            welders.id,
            drivers.id,
            globex_group.id,
            varnost.id,
            world.ana.id,
            bea.id,
            world.bor.id,
            safety.id,
        )
        db.session.commit()
        return result


def client_of(app: Flask, email: str, tenant_id: int) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        sign_in(client, user, db.session.get(Tenant, tenant_id))
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_hr_sees_each_learners_status_in_words_with_links_to_timelines(app: Flask, ids: Ids) -> None:
    page = client_of(app, "hana@acme.test", ids.acme).get(URL).get_data(as_text=True)

    assert "Overdue by 5 days" in page
    assert "Completed " in page
    assert "Not started" in page, "Hana herself has not started"
    assert f'href="/admin/reports/progress/learner/{ids.ana}"' in page
    assert "Safety" in page
    assert "Bor" not in page, "globex's learner"
    assert "5 learners" in page
    assert "lms-export-csv" in page


def test_filters_narrow_the_rows(app: Flask, ids: Ids) -> None:
    client = client_of(app, "hana@acme.test", ids.acme)

    def learners(**args: object) -> set[str]:
        page = client.get(URL, query_string=args).get_data(as_text=True)
        return {name for name in ("Ana Ahac", "Bea Berg", "Hana Hr") if f">{name}</a>" in page}

    assert learners(group=ids.drivers) == {"Bea Berg"}
    assert learners(status="overdue") == {"Ana Ahac"}
    assert learners(status="completed") == {"Bea Berg"}
    assert learners(q="hana") == {"Hana Hr"}
    assert learners(mandatory=1, status="not_started") == set()
    assert "No learners match these filters." in client.get(URL, query_string={"q": "nobody"}).get_data(as_text=True)


def test_a_scoped_manager_sees_only_their_groups_learners(app: Flask, ids: Ids) -> None:
    client = client_of(app, "mira@acme.test", ids.acme)

    page = client.get(URL).get_data(as_text=True)
    assert "Ana Ahac" in page
    assert "Bea Berg" not in page
    assert "1 learner" in page
    assert "Drivers" not in page, "a group outside the reach is not offered"
    assert "lms-export-csv" not in page, "no export without EXPORT_REPORTS"

    assert client.get(URL, query_string={"status": "completed"}).get_data(as_text=True).count("Bea Berg") == 0
    assert client.get(f"{URL}learner/{ids.ana}").status_code == 200
    assert client.get(f"{URL}learner/{ids.bea}").status_code == 404
    refused = client.get(URL, query_string={"group": ids.drivers})
    assert refused.status_code == 403
    assert "outside the groups" in refused.get_data(as_text=True)
    assert client.get(f"{URL}export", query_string={"format": "csv"}).status_code == 403


def test_a_scoped_exporter_exports_only_their_groups_learners(app: Flask, ids: Ids) -> None:
    rows = csv_rows(client_of(app, "max@acme.test", ids.acme).get(f"{URL}export", query_string={"format": "csv"}))

    assert rows == [["Name", "Email", "Safety"], ["Ana Ahac", "ana@acme.test", "Overdue by 5 days"]]


def test_the_export_holds_every_learner_and_module_as_csv_and_xlsx(app: Flask, ids: Ids) -> None:
    client = client_of(app, "hana@acme.test", ids.acme)
    response = client.get(f"{URL}export", query_string={"format": "csv", "sort": "-name"})
    rows = csv_rows(response)

    assert "acme-progress-" in response.headers["Content-Disposition"]
    assert rows[0] == ["Name", "Email", "Safety"]
    assert [row[0] for row in rows[1:]] == ["Ana Ahac", "Bea Berg", "Hana Hr", "Max Manager", "Mira Manager"]
    assert rows[1][2] == "Overdue by 5 days"
    assert rows[2][2].startswith("Completed 20")

    xlsx = client.get(f"{URL}export", query_string={"format": "xlsx", "group": ids.welders})
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Name", "Email", "Safety"],
        ["Ana Ahac", "ana@acme.test", "Overdue by 5 days"],
    ]


def test_the_slovenian_company_gets_its_export_in_slovenian(app: Flask, ids: Ids) -> None:
    response = client_of(app, "greta@globex.test", ids.globex).get(f"{URL}export", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert "globex-napredek-" in response.headers["Content-Disposition"]
    assert rows[0] == ["Ime", "E-pošta", "Varnost"]
    assert ["Bor", "bor@globex.test", "Nezačeto"] in rows


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ({"group": "globex"}, 404),
        ({"module": "globex"}, 404),
        ({"group": 2_000_000_000}, 404),
        ({"category": 2_000_000_000}, 404),
        ({"group": "abc"}, 400),
        ({"module": "1,2"}, 400),
        ({"status": "DONE"}, 400),
        ({"mandatory": "yes"}, 400),
        ({"sort": "password"}, 400),
        ({"page": "-1"}, 400),
        ({"page": "99999999999999999999"}, 400),
        ({"q": "x" * 201}, 400),
        ({"page": 2_000_000_000}, 200),
    ],
)
def test_bad_filters_are_a_clear_4xx_never_a_500(app: Flask, ids: Ids, args: dict[str, object], status: int) -> None:
    values = {
        key: {"globex": ids.globex_group if key == "group" else ids.globex_module}.get(v, v) for key, v in args.items()
    }
    client = client_of(app, "hana@acme.test", ids.acme)

    assert client.get(URL, query_string=values).status_code == status
    if "page" not in values:  # the export is the whole matrix: it has no pages
        assert client.get(f"{URL}export", query_string={"format": "csv", **values}).status_code == status
    if status == 200:
        assert "past the last one" in client.get(URL, query_string=values).get_data(as_text=True)


@pytest.mark.parametrize("who", ["bor", "missing"])
def test_the_timeline_of_another_companys_or_no_learner_is_not_found(app: Flask, ids: Ids, who: str) -> None:
    user_id = ids.bor if who == "bor" else 2_000_000_000
    assert client_of(app, "hana@acme.test", ids.acme).get(f"{URL}learner/{user_id}").status_code == 404


def test_the_timeline_shows_deadlines_certificates_and_sections(app: Flask, ids: Ids) -> None:
    client = client_of(app, "hana@acme.test", ids.acme)

    overdue = client.get(f"{URL}learner/{ids.ana}").get_data(as_text=True)
    done = client.get(f"{URL}learner/{ids.bea}").get_data(as_text=True)

    assert "Ana Ahac" in overdue
    assert "lms-overdue" in overdue
    assert "Safety" in done
    assert "Valid" in done, "the certificate's status"


def test_export_needs_a_format(app: Flask, ids: Ids) -> None:
    client = client_of(app, "hana@acme.test", ids.acme)
    assert client.get(f"{URL}export", query_string={"format": "pdf"}).status_code == 400
    assert client.get(f"{URL}export").status_code == 400


def test_an_employee_may_not_open_the_report(app: Flask, ids: Ids) -> None:
    client = client_of(app, "bea@acme.test", ids.acme)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}export", query_string={"format": "csv"}).status_code == 403


def test_the_page_costs_the_same_queries_with_3_or_30_more_learners_and_modules(
    app: Flask, ids: Ids, count_queries: list[str]
) -> None:
    client = client_of(app, "hana@acme.test", ids.acme)
    counts = []
    for size in (3, 30):
        with app.app_context():
            acme = db.session.get(Tenant, ids.acme)
            people = [make_user(f"p{size}-{n}@acme.test", (acme, TenantRole.EMPLOYEE)) for n in range(size)]
            group = make_group(acme, f"G{size}", people, joined=utcnow() - timedelta(days=9))
            for index in range(size):
                module = make_module(acme, f"M{size}-{index:02}")
                assign(module, group, 3, mandatory=index % 2 == 0, at=utcnow() - timedelta(days=9))
                if index % 3 == 0:
                    make_certificate(module, people[index])
            db.session.commit()
        count_queries.clear()
        response = client.get(URL, query_string={"status": "overdue", "mandatory": 1})
        assert response.status_code == 200
        assert "Overdue by 6 days" in response.get_data(as_text=True)
        counts.append(len(count_queries))

    assert counts[0] == counts[1], counts
