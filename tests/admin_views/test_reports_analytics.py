"""Does HR see the company's analytics, only theirs, only their groups' when scoped, and export them?

The world of ``tests/services/test_analytics.py``: acme's Ana and Cene (Sales), Dora and
Eva (Support); Eva also learns in globex, whose module and quiz must never show in acme.
Everything below happened a minute ago, so it falls on one day of the charts.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Module, Tenant, User, UserPermission
from lms.models.enums import Permission, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.factories import make_certificate, make_user, sign_in
from tests.services.test_analytics import World, attempt, build_world, complete

URL = "/admin/reports/analytics/"
EXPORT = f"{URL}export"


@dataclass
class Report:
    world: World
    client: Callable[[str], FlaskClient]


def _grant(world: World, who: str, permission: Permission, group: str | None) -> None:
    with tenant_context(world.acme_id):
        scope = {"group_ids": [world.groups[group]]} if group else None
        db.session.add(UserPermission(user_id=world.people[who], permission=permission, scope=scope))
        db.session.flush()


@pytest.fixture
def report(app: Flask) -> Report:
    """The world with a minute-old day of learning; Cene may see Sales' analytics, and Dora
    everyone's, exporting Sales' only."""
    with app.app_context():
        world = build_world()
        with tenant_context(world.globex_id):
            greta = make_user("greta@globex.test", (db.session.get(Tenant, world.globex_id), TenantRole.OWNER))
        world.people["greta"] = greta.id
        moment = utcnow() - timedelta(minutes=1)
        for part in (1, 2):
            complete(world, "ana", "forklift", part, moment)
        complete(world, "cene", "forklift", 1, moment)
        for part in (1, 2, 3):
            complete(world, "dora", "forklift", part, moment - timedelta(days=2, hours=3))
        attempt(world, "dora", "forklift", {0: [1], 1: [0, 1], 2: [1]}, moment)
        attempt(world, "cene", "forklift", {0: [0], 1: [0, 1, 2], 2: [0]}, moment)
        with tenant_context(world.acme_id):
            forklift = db.session.get(Module, world.modules["forklift"])
        make_certificate(forklift, db.session.get(User, world.people["dora"]))
        complete(world, "eva", "secret", 1, moment)
        attempt(world, "eva", "secret", {0: [2]}, moment)
        _grant(world, "cene", Permission.VIEW_ANALYTICS, "sales")
        _grant(world, "dora", Permission.VIEW_ANALYTICS, None)
        _grant(world, "dora", Permission.EXPORT_REPORTS, "sales")
        db.session.commit()

    def client(who: str) -> FlaskClient:
        signed = app.test_client()
        with app.app_context():
            tenant = world.globex_id if who == "greta" else world.acme_id
            sign_in(signed, db.session.get(User, world.people[who]), db.session.get(Tenant, tenant))
        return signed

    return Report(world, client)


def _page(client: FlaskClient, **query: Any) -> str:
    response = client.get(URL, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _rows(page: str, css: str) -> list[list[str]]:
    """The body rows of the table with class ``css``, as cell texts."""
    table = re.search(rf'<table class="[^"]*{css}[^"]*">(.*?)</table>', page, re.DOTALL)
    assert table is not None, f"no table {css}"
    body = table.group(1).split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_hr_sees_the_companys_numbers_and_nothing_of_the_other_company(report: Report) -> None:
    forklift = report.world.modules["forklift"]
    page = _page(report.client("hana"), module=forklift)

    assert "Globex secret module" not in page
    assert "<svg" in page, "charts are drawn on the server"
    assert _rows(page, "lms-analytics-most-used")[0] == ["Forklift safety", "3"]
    assert ["Unused module", "0"] in _rows(page, "lms-analytics-least-used")
    assert _rows(page, "lms-drop-off") == [
        ["1", "Forklift safety: part 1", "3", "1"],
        ["2", "Forklift safety: part 2", "2", "1"],
        ["3", "Forklift safety: part 3", "1", "0"],
    ]
    # The module's quiz, through the module: Dora right on all but the first, Cene only on the first.
    assert _rows(page, "lms-item-analysis") == [
        ["Which colour is a stop sign?", "2", "50 %", "Green", "50 %"],
        ["Which are protective equipment?", "2", "50 %", "Cake", "50 %"],
        ["Emergency exits may be blocked.", "2", "50 %", "True", "50 %"],
    ]
    assert "Over 2 submitted attempts." in page
    assert "2 days 3 h" in page, "Dora's median time to complete"
    assert "Export:" in page


def test_the_other_company_sees_only_its_own_module(report: Report) -> None:
    page = _page(report.client("greta"))

    assert "Globex secret module" in page
    assert "Forklift safety" not in page


@pytest.mark.parametrize("who", ["ana"])
def test_a_learner_without_view_analytics_gets_403(report: Report, who: str) -> None:
    client = report.client(who)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT, query_string={"table": "days", "format": "csv"}).status_code == 403


def test_a_scoped_holder_counts_only_their_groups_learners(report: Report) -> None:
    client = report.client("cene")
    page = _page(client, module=report.world.modules["forklift"])

    assert _rows(page, "lms-analytics-most-used")[0] == ["Forklift safety", "2"]
    assert _rows(page, "lms-drop-off") == [
        ["1", "Forklift safety: part 1", "2", "1"],
        ["2", "Forklift safety: part 2", "1", "1"],
        ["3", "Forklift safety: part 3", "0", "0"],
    ]
    assert "Only learners in the groups you may see are counted." in page
    assert "Export:" not in page, "no export links without EXPORT_REPORTS"
    support = client.get(URL, query_string={"group": report.world.groups["support"]})
    assert support.status_code == 403
    assert "outside the groups you may see" in support.get_data(as_text=True)
    assert client.get(EXPORT, query_string={"table": "days", "format": "csv"}).status_code == 403


def test_a_group_filter_narrows_the_numbers(report: Report) -> None:
    page = _page(report.client("hana"), group=report.world.groups["support"], module=report.world.modules["forklift"])

    assert [row[2] for row in _rows(page, "lms-drop-off")] == ["1", "1", "1"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"module": "abc"}, 400, "is not a valid choice"),
        ({"module": "99999999999"}, 400, "is not a valid choice"),
        ({"group": "-1"}, 400, "is not a valid choice"),
        ({"quiz": "1.5"}, 400, "is not a valid choice"),
        ({"module": "secret"}, 404, "This module does not exist."),
        ({"quiz": "secret"}, 404, "This quiz does not exist."),
        ({"group": "globex"}, 404, "This group does not exist."),
        ({"quiz": "2147483000"}, 404, "This quiz does not exist."),
    ],
)
def test_bad_filters_are_a_clear_4xx(report: Report, query: dict[str, str], status: int, message: str) -> None:
    world = report.world
    ids = {"secret": world.modules["secret"], "globex": world.groups["globex"]}
    if query.get("quiz") == "secret":
        ids["secret"] = world.quizzes["secret"]
    values = {key: ids.get(value, value) for key, value in query.items()}
    for path in (URL, EXPORT):
        response = report.client("hana").get(path, query_string={"table": "items", "format": "csv", **values})
        assert response.status_code == status
        assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [{"table": "nothing", "format": "csv"}, {"table": "days", "format": "pdf"}, {"table": "drop_off", "format": "csv"}],
)
def test_an_export_of_no_table_is_a_400(report: Report, query: dict[str, str]) -> None:
    assert report.client("hana").get(EXPORT, query_string=query).status_code == 400


def test_the_csv_exports_hold_the_screens_numbers(report: Report) -> None:
    client = report.client("hana")

    days = client.get(EXPORT, query_string={"table": "days", "format": "csv"})
    rows = _csv(days)
    assert rows[0] == ["Day", "Active learners"]
    assert len(rows) == 31
    assert sorted(int(row[1]) for row in rows[1:])[-1] == 3, "Ana, Cene and Dora, a minute ago"
    assert re.search(r"acme-active-learners-per-day-\d{4}-\d{2}-\d{2}\.csv", days.headers["Content-Disposition"])

    modules = _csv(client.get(EXPORT, query_string={"table": "modules", "format": "csv"}))
    assert modules == [
        ["Module", "Learners in the last 90 days"],
        ["Forklift safety", "3"],
        ["Fire drill", "0"],
        ["Unused module", "0"],
    ]
    completion = _csv(client.get(EXPORT, query_string={"table": "completion", "format": "csv"}))
    assert completion[1] == ["Forklift safety", "1", "2 days 3 h", "51.0"]
    weeks = _csv(client.get(EXPORT, query_string={"table": "weeks", "format": "csv"}))
    assert weeks[0] == ["Week starting", "Active learners"]
    assert len(weeks) == 13


def test_the_xlsx_exports_of_drop_off_and_item_analysis(report: Report) -> None:
    client = report.client("hana")
    forklift = report.world.modules["forklift"]

    def sheet(table: str) -> list[tuple[Any, ...]]:
        response = client.get(EXPORT, query_string={"table": table, "format": "xlsx", "module": forklift})
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return list(book.active.iter_rows(values_only=True))

    assert sheet("drop_off") == [
        ("Order", "Section", "Learners who completed it", "Learners who stopped here"),
        (1, "Forklift safety: part 1", 3, 1),
        (2, "Forklift safety: part 2", 2, 1),
        (3, "Forklift safety: part 3", 1, 0),
    ]
    assert sheet("items") == [
        (
            "Question",
            "Submitted attempts asking it",
            "Answered correctly (%)",
            "Most chosen wrong answer",
            "Chose it (%)",
        ),
        ("Which colour is a stop sign?", 2, 50, "Green", 50),
        ("Which are protective equipment?", 2, 50, "Cake", 50),
        ("Emergency exits may be blocked.", 2, 50, "True", 50),
    ]


def test_an_export_counts_only_what_both_the_report_and_the_export_reach(report: Report) -> None:
    """Dora sees everyone's analytics but may export Sales' only."""
    client = report.client("dora")
    forklift = report.world.modules["forklift"]

    assert _rows(_page(client, module=forklift), "lms-drop-off")[0][2] == "3"
    drop_off = _csv(client.get(EXPORT, query_string={"table": "drop_off", "format": "csv", "module": forklift}))
    assert [row[2] for row in drop_off[1:]] == ["2", "1", "0"]


def test_the_page_runs_the_same_queries_however_much_activity_there_is(
    app: Flask, report: Report, count_queries: list[str]
) -> None:
    client = report.client("hana")
    query = {"module": report.world.modules["forklift"]}
    client.get(URL, query_string=query)
    count_queries.clear()
    assert client.get(URL, query_string=query).status_code == 200
    few = len(count_queries)

    with app.app_context():
        acme = db.session.get(Tenant, report.world.acme_id)
        moment = utcnow() - timedelta(days=3)
        for index in range(12):
            learner = make_user(f"learner{index}@acme.test", (acme, TenantRole.EMPLOYEE))
            report.world.people[f"learner{index}"] = learner.id
            for part in (1, 2, 3):
                complete(report.world, f"learner{index}", "forklift", part, moment - timedelta(days=index))
            complete(report.world, f"learner{index}", "fire", 1, moment)
            attempt(report.world, f"learner{index}", "forklift", {0: [index % 3]}, moment)
        db.session.commit()
    count_queries.clear()
    assert client.get(URL, query_string=query).status_code == 200

    assert len(count_queries) == few, "\n".join(count_queries)
