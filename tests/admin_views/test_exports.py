"""Can an export be opened in a spreadsheet without running what a learner typed? (issue 10)

A learner controls their own name; HR opens the XP export in Excel or LibreOffice, where
a cell starting with ``=`` (or ``+ - @``, a tab, a CR) is a formula. Every export goes
through ``lists.ListAtScale.get_export_value``, which quotes such text and leaves numbers
as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Tenant, User, XpTransaction
from lms.models.enums import XpSourceType
from lms.services import xp
from lms.spreadsheets import spreadsheet_safe
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

HYPERLINK = '=HYPERLINK("http://x")'


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Ana = the best", "Ana = the best"),
        ("", ""),
        (-50, -50),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted_and_numbers_are_not(value: Any, cell: Any) -> None:
    assert spreadsheet_safe(value) == cell


def test_a_learner_named_like_a_formula_is_text_in_the_xp_export(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies
) -> None:
    with app.app_context():
        learner = db.session.get(User, companies.user_ids["employee"])
        learner.name = HYPERLINK
        with tenant_context(companies.acme_id):
            xp.award(learner.id, XpSourceType.MODULE_COMPLETED, "module-1", 100)
            xp.award(learner.id, XpSourceType.MANUAL, "take-back", -50, reason="-50: badge lost")
        db.session.commit()

    rows = _csv(client_as("owner").get("/admin/xp_transactions/export/csv/"))

    assert {row["Learner"] for row in rows} == {"'" + HYPERLINK}
    assert sorted(row["XP"] for row in rows) == ["-50", "100"], "amounts stay numbers, unquoted"
    assert {row["Reason"] for row in rows} == {"", "'-50: badge lost"}


def test_a_moment_is_exported_in_the_companys_time_zone_to_the_second(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies
) -> None:
    """Half past ten at night UTC on 31 March is half past midnight on 1 April in Ljubljana."""
    with app.app_context():
        db.session.get(Tenant, companies.acme_id).timezone = "Europe/Ljubljana"
        with tenant_context(companies.acme_id):
            xp.award(companies.user_ids["employee"], XpSourceType.MODULE_COMPLETED, "module-1", 100)
            db.session.execute(
                sa.update(XpTransaction).values(created_at=datetime(2026, 3, 31, 22, 30, 15, 123456, tzinfo=UTC))
            )
        db.session.commit()

    rows = _csv(client_as("owner").get("/admin/xp_transactions/export/csv/"))

    assert [row["When"] for row in rows] == ["2026-04-01 00:30:15"]
