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
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.admin_views.lists import spreadsheet_safe
from lms.extensions import db
from lms.models import User
from lms.models.enums import XpSourceType
from lms.services import xp
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
