"""Can HR adjust a learner's XP by hand in the admin, and is a bad amount a form error? (issue 10, item 6)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from lms.models import AuditLog, UserXpBalance, XpTransaction
from lms.models.enums import AuditAction, XpSourceType
from tests.admin_views.conftest import Companies

Rows = Callable[..., list[Any]]
NEW = "/admin/xp_transactions/new/"


def _adjustment(companies: Companies, amount: str, key: str = "first-adjustment") -> dict[str, str]:
    return {"user": str(companies.user_ids["employee"]), "amount": amount, "reason": "Helped at the fair", "key": key}


def _balance(rows: Rows, companies: Companies) -> int | None:
    found = rows(
        companies.acme_id,
        sa.select(UserXpBalance.total_xp).where(UserXpBalance.user_id == companies.user_ids["employee"]),
    )
    return found[0][0] if found else None


def test_the_adjustment_form_opens_with_its_once_only_key(client_as: Callable[..., FlaskClient]) -> None:
    page = client_as("hr").get(NEW)

    assert page.status_code == 200
    assert 'name="key"' in page.text


def test_hr_adjusts_a_learners_xp_and_the_balance_changes(
    client_as: Callable[..., FlaskClient], rows: Rows, companies: Companies
) -> None:
    hr = client_as("hr")

    response = hr.post(NEW, data=_adjustment(companies, "120"))
    again = hr.post(NEW, data=_adjustment(companies, "120"))  # a double submit of the same form
    deducted = hr.post(NEW, data=_adjustment(companies, "-20", key="second-adjustment"))

    assert (response.status_code, again.status_code, deducted.status_code) == (302, 302, 302)
    assert _balance(rows, companies) == 100
    ledger = rows(
        companies.acme_id,
        sa.select(XpTransaction.amount, XpTransaction.reason).where(XpTransaction.source == XpSourceType.MANUAL),
    )
    assert sorted(ledger) == [(-20, "Helped at the fair"), (120, "Helped at the fair")]
    assert len(rows(companies.acme_id, sa.select(AuditLog.id).where(AuditLog.action == AuditAction.XP_ADJUSTED))) == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Not a valid integer value."),
        ("", "This field is required."),
        ("0", "Give a number of XP other than zero."),
        ("99999999999999999999", "Number must be between -100000 and 100000."),
        ("-50", "below zero"),
    ],
)
def test_a_bad_amount_is_a_form_error_and_changes_nothing(
    client_as: Callable[..., FlaskClient], rows: Rows, companies: Companies, amount: str, message: str
) -> None:
    response = client_as("hr").post(NEW, data=_adjustment(companies, amount))

    assert response.status_code == 200
    assert message in response.text
    assert "Helped at the fair" in response.text, "the form keeps what was typed"
    assert _balance(rows, companies) in (None, 0)
    assert rows(companies.acme_id, sa.select(XpTransaction.id)) == []
