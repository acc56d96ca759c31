"""Can HR keep the reward catalog and work the redemptions queue? (issue 7, item 7)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, Reward, RewardRedemption, UserXpBalance
from lms.models.enums import AuditAction, RedemptionStatus
from lms.services import rewards, xp
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

GOOD = {"title": "Hoodie", "description": "", "cost_xp": "100", "monthly_limit": "", "quantity_available": "3"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cost_xp", "0", "The cost must be at least 1 XP."),
        ("cost_xp", "-5", "The cost must be at least 1 XP."),
        ("monthly_limit", "-1", "Enter at least 1, or leave it empty for no limit."),
        ("quantity_available", "-1", "Enter 0 or more, or leave it empty for unlimited."),
    ],
)
def test_bad_catalog_input_is_a_form_error(
    client_as: Callable, rows: Callable, companies: Companies, field: str, value: str, message: str
) -> None:
    response = client_as("hr").post("/admin/rewards/new/", data={**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Reward.id)) == []


def test_hr_creates_a_reward_and_it_is_audited(client_as: Callable, rows: Callable, companies: Companies) -> None:
    response = client_as("hr").post("/admin/rewards/new/", data={**GOOD, "approval_required": "y", "active": "y"})
    assert response.status_code == 302
    [(title, stock, limit)] = rows(
        companies.acme_id, sa.select(Reward.title, Reward.quantity_available, Reward.monthly_limit)
    )
    assert (title, stock, limit) == ("Hoodie", 3, None)
    assert rows(companies.acme_id, sa.select(AuditLog.id).where(AuditLog.action == AuditAction.RECORD_CREATED))


def _pending(app: Flask, companies: Companies, count: int = 2) -> tuple[int, list[int]]:
    with app.app_context(), tenant_context(companies.acme_id):
        ana = companies.user_ids["employee"]
        xp.adjust(ana, 100 * count, "start", None)
        reward = Reward(title="Mug", cost_xp=100, quantity_available=count)
        db.session.add(reward)
        db.session.flush()
        ids = [rewards.redeem(ana, reward.id).id for _ in range(count)]
        db.session.commit()
        return reward.id, ids


def test_a_reward_with_redemptions_is_deactivated_not_deleted(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    reward_id, _ = _pending(app, companies, 1)
    response = client_as("hr").post("/admin/rewards/delete/", data={"id": str(reward_id)}, follow_redirects=True)
    assert "deactivated instead of deleted" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Reward.active)) == [(False,)]


def test_bulk_reject_asks_for_a_reason_and_refunds_once(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    _, ids = _pending(app, companies)
    hr = client_as("hr")
    response = hr.post("/admin/redemptions/action/", data={"action": "reject", "rowid": [str(i) for i in ids]})
    assert response.status_code == 302
    form_url = response.location
    assert hr.post(form_url, data={"reason": " "}).status_code == 400
    assert hr.post(form_url, data={"reason": "Sold out"}).status_code == 302
    again = hr.post(form_url, data={"reason": "Sold out"}, follow_redirects=True)
    assert "no longer waiting for approval" in again.get_data(as_text=True)
    statuses = rows(companies.acme_id, sa.select(RewardRedemption.status))
    assert statuses == [(RedemptionStatus.REJECTED,)] * 2
    assert rows(companies.acme_id, sa.select(UserXpBalance.total_xp)) == [(200,)]
    assert rows(companies.acme_id, sa.select(Reward.quantity_available)) == [(2,)]


def test_bulk_and_row_approve_approve_once(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    _, ids = _pending(app, companies)
    hr = client_as("hr")
    hr.post("/admin/redemptions/action/", data={"action": "approve", "rowid": [str(ids[0])]})
    page = hr.get(f"/admin/redemptions/review/?id={ids[1]}")
    assert page.status_code == 200
    assert hr.post(f"/admin/redemptions/review/?id={ids[1]}", data={"decision": "approve"}).status_code == 302
    twice = hr.post(f"/admin/redemptions/review/?id={ids[1]}", data={"decision": "approve"}, follow_redirects=True)
    assert "no longer waiting for approval" in twice.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(RewardRedemption.status)) == [(RedemptionStatus.APPROVED,)] * 2
    approvals = sa.select(AuditLog.id).where(AuditLog.action == AuditAction.REDEMPTION_APPROVED)
    assert len(rows(companies.acme_id, approvals)) == 2


def test_a_learner_cannot_open_the_queue(client_as: Callable) -> None:
    assert client_as("employee").get("/admin/redemptions/").status_code == 403


def test_queue_filters_by_status(app: Flask, client_as: Callable, companies: Companies) -> Any:
    _pending(app, companies, 1)
    page = client_as("hr").get("/admin/redemptions/?flt0_0=PENDING")
    assert page.status_code == 200
    assert "Mug" in page.get_data(as_text=True)
