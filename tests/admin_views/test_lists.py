"""Do the admin lists of large tables stay fast at a million rows? (issue 12, item 5)

A list of the XP ledger, the audit log, quiz attempts or certificates never counts its
table; a page past the deepest a list opens is refused at once, with a note pointing at
the date filter, instead of an OFFSET scan; an export holds every row, past the 10,000
that used to cut the file without a word, and never another company's.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.admin_views.lists import ListAtScale
from lms.extensions import db
from lms.models import AuditLog, Certificate, QuizAttempt, Tenant, XpTransaction
from lms.models.enums import AuditAction, XpSourceType
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_module, make_quiz

LARGE_LISTS = [
    ("xp_transactions", "xp_transaction"),
    ("audit_log", "audit_log"),
    ("quiz_attempts", "quiz_attempt"),
    ("certificates", "certificate"),
]


@pytest.fixture
def a_row_in_each_large_table(app: Flask, companies: Companies) -> None:
    """One row of each large table in acme, so each list shows something."""
    with app.app_context():
        ana = companies.user_ids["employee"]
        module = make_module(db.session.get(Tenant, companies.acme_id), "Safety")
        quiz = make_quiz(module)
        with tenant_context(companies.acme_id):
            db.session.add_all(
                [
                    XpTransaction(user_id=ana, amount=10, source=XpSourceType.MANUAL, reason="Welcome"),
                    AuditLog(action=AuditAction.RECORD_UPDATED, entity_type="module", entity_id=str(module.id)),
                    QuizAttempt(quiz_id=quiz.id, user_id=ana, score=80, passed=True),
                    Certificate(user_id=ana, module_id=module.id, unique_code="CODE-ana", completed_at=utcnow()),
                ]
            )
        db.session.commit()


@pytest.fixture
def owner(client_as: Callable[..., FlaskClient], count_queries: list[str]) -> FlaskClient:
    """acme's owner, signed in; from here on ``count_queries`` holds only what their requests run."""
    client = client_as("owner")
    count_queries.clear()
    return client


@pytest.mark.usefixtures("a_row_in_each_large_table")
@pytest.mark.parametrize(("endpoint", "table"), LARGE_LISTS)
def test_a_list_of_a_large_table_never_counts_it(
    owner: FlaskClient, count_queries: list[str], endpoint: str, table: str
) -> None:
    page = owner.get(f"/admin/{endpoint}/")

    assert page.status_code == 200
    assert any(f"FROM {table}" in statement for statement in count_queries), "the page lists the table"
    counts = [s for s in count_queries if re.search(rf"count\(.*\bFROM {table}\b", s, re.IGNORECASE | re.DOTALL)]
    assert counts == []


@pytest.mark.parametrize(("endpoint", "table"), LARGE_LISTS)
def test_a_page_past_the_deepest_is_refused_with_the_date_filter_named_without_a_scan(
    owner: FlaskClient, count_queries: list[str], endpoint: str, table: str
) -> None:
    page = owner.get(f"/admin/{endpoint}/?page={ListAtScale.deepest_page}")

    assert page.status_code == 400
    assert "Filter it by date to see older rows." in page.text
    assert not [s for s in count_queries if f"FROM {table}" in s], "no rows are read for a page nobody may open"


def test_the_last_page_a_list_opens_says_so_and_offers_no_next_page(
    client_as: Callable[..., FlaskClient],
) -> None:
    last = ListAtScale.deepest_page - 1

    page = client_as("owner").get(f"/admin/audit_log/?page={last}")

    assert page.status_code == 200
    assert "Only the first 100 pages of this list can be opened." in page.text
    assert f"page={last + 1}" not in page.text


def test_a_counted_list_still_opens_any_page(client_as: Callable[..., FlaskClient]) -> None:
    """Groups are few: their list counts and pages as before, however deep the link."""
    assert client_as("owner").get(f"/admin/groups/?page={ListAtScale.deepest_page + 5}").status_code == 200


def _ledger_rows(user_id: int, tenant_id: int, count: int, label: str) -> list[dict[str, object]]:
    start = utcnow() - timedelta(days=1)
    return [
        {
            "tenant_id": tenant_id,
            "user_id": user_id,
            "amount": 1 + n % 50,
            "source": XpSourceType.MANUAL,
            "source_entity_id": f"{label}-{n}",
            "reason": f"{label} {n}",
            "created_at": start + timedelta(seconds=n),
            "updated_at": start,
        }
        for n in range(count)
    ]


def test_the_xp_export_holds_every_row_past_ten_thousand_and_only_its_companys(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies
) -> None:
    rows = 10_050
    with app.app_context():
        with tenant_context(companies.acme_id):
            ledger = _ledger_rows(companies.user_ids["employee"], companies.acme_id, rows, "acme")
            db.session.execute(sa.insert(XpTransaction), ledger)
        with tenant_context(companies.globex_id):
            other = _ledger_rows(companies.user_ids["globex_employee"], companies.globex_id, 3, "globex")
            db.session.execute(sa.insert(XpTransaction), other)
        db.session.commit()

    export = client_as("owner").get("/admin/xp_transactions/export/csv/")

    assert export.status_code == 200
    lines = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(lines) == rows
    assert {line["Reason"] for line in lines} == {f"acme {n}" for n in range(rows)}
    assert lines[0]["Reason"] == f"acme {rows - 1}", "newest first, as the list"


def _add_rows(app: Flask, companies: Companies, modules: int) -> None:
    """For each of ``modules`` new modules with a quiz, one row of each large table for every acme member:
    distinct people and modules, so a column read row by row would show as more queries."""
    acme_people = [companies.user_ids[key] for key in ("owner", "admin", "hr", "employee")]
    with app.app_context():
        tenant = db.session.get(Tenant, companies.acme_id)
        for _ in range(modules):
            module = make_module(tenant, f"Module {secrets.token_hex(3)}")
            quiz = make_quiz(module)
            with tenant_context(companies.acme_id):
                for person in acme_people:
                    db.session.add_all(
                        [
                            XpTransaction(user_id=person, amount=5, source=XpSourceType.MANUAL, reason="Bonus"),
                            AuditLog(action=AuditAction.RECORD_UPDATED, entity_type="module", entity_id=str(module.id)),
                            QuizAttempt(quiz_id=quiz.id, user_id=person, score=90, passed=True),
                            Certificate(
                                user_id=person,
                                module_id=module.id,
                                unique_code=f"CODE-{module.id}-{person}",
                                completed_at=utcnow(),
                            ),
                        ]
                    )
        db.session.commit()


@pytest.mark.parametrize(("endpoint", "table"), [*LARGE_LISTS, ("modules", "module")])
def test_a_lists_query_count_does_not_grow_with_its_rows(
    app: Flask, companies: Companies, owner: FlaskClient, count_queries: list[str], endpoint: str, table: str
) -> None:
    _add_rows(app, companies, modules=1)
    count_queries.clear()
    assert owner.get(f"/admin/{endpoint}/").status_code == 200
    few = len(count_queries)

    _add_rows(app, companies, modules=10)
    count_queries.clear()
    page = owner.get(f"/admin/{endpoint}/")

    assert page.status_code == 200
    assert len(count_queries) == few, "\n".join(count_queries)
