"""Can a learner browse the store, redeem with a confirmation and cancel while pending? (issue 7, item 6)"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Reward, RewardRedemption, UserXpBalance
from lms.models.enums import RedemptionStatus
from lms.services import xp
from lms.tenancy import tenant_context
from tests.learner.conftest import Place


def _reward(app: Flask, tenant_id: int, **values: object) -> int:
    with app.app_context(), tenant_context(tenant_id):
        reward = Reward(title=values.pop("title", "Hoodie"), cost_xp=values.pop("cost_xp", 100), **values)
        db.session.add(reward)
        db.session.commit()
        return reward.id


def _give(app: Flask, place: Place, amount: int) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        xp.adjust(place.ana_id, amount, "start", None)
        db.session.commit()


def _state(app: Flask, place: Place) -> tuple[int, list[RedemptionStatus]]:
    with app.app_context(), tenant_context(place.acme_id):
        total = db.session.scalar(sa.select(UserXpBalance.total_xp).where(UserXpBalance.user_id == place.ana_id))
        return total, list(db.session.scalars(sa.select(RewardRedemption.status)))


def test_redeem_after_confirmation_then_cancel(app: Flask, place: Place, ana: FlaskClient) -> None:
    _give(app, place, 300)
    reward_id = _reward(app, place.acme_id, quantity_available=4, monthly_limit=2)
    store = ana.get("/rewards").get_data(as_text=True)
    assert "Hoodie" in store
    assert "Needs approval" in store
    confirm = ana.get(f"/rewards/{reward_id}/redeem")
    assert "Yes, redeem for 100 XP" in confirm.get_data(as_text=True)
    assert _state(app, place) == (300, [])
    assert ana.post(f"/rewards/{reward_id}/redeem").status_code == 302
    assert _state(app, place) == (200, [RedemptionStatus.PENDING])
    mine = ana.get("/rewards/mine").get_data(as_text=True)
    assert "Waiting for approval" in mine
    with app.app_context(), tenant_context(place.acme_id):
        redemption_id = db.session.scalar(sa.select(RewardRedemption.id))
    assert ana.post(f"/rewards/redemptions/{redemption_id}/cancel").status_code == 302
    assert _state(app, place) == (300, [RedemptionStatus.CANCELLED])
    again = ana.post(f"/rewards/redemptions/{redemption_id}/cancel")
    assert again.status_code == 409
    assert _state(app, place) == (300, [RedemptionStatus.CANCELLED])


def test_out_of_stock_and_not_enough_xp_are_clear_and_write_nothing(app: Flask, place: Place, ana: FlaskClient) -> None:
    _give(app, place, 50)
    sold_out = _reward(app, place.acme_id, quantity_available=0)
    dear = _reward(app, place.acme_id, title="Trip", cost_xp=5000)
    response = ana.post(f"/rewards/{sold_out}/redeem")
    assert response.status_code == 409
    assert "out of stock" in response.get_data(as_text=True)
    response = ana.post(f"/rewards/{dear}/redeem")
    assert response.status_code == 409
    assert "not have enough XP" in response.get_data(as_text=True)
    assert _state(app, place) == (50, [])


def test_inactive_reward_is_refused_and_another_tenants_is_404(app: Flask, place: Place, ana: FlaskClient) -> None:
    _give(app, place, 500)
    inactive = _reward(app, place.acme_id, active=False)
    foreign = _reward(app, place.globex_id)
    for reward_id in (inactive, foreign):
        assert ana.get(f"/rewards/{reward_id}/redeem").status_code == 404
    assert ana.post(f"/rewards/{foreign}/redeem").status_code == 404
    response = ana.post(f"/rewards/{inactive}/redeem")
    assert response.status_code == 409
    assert "no longer available" in response.get_data(as_text=True)
    assert _state(app, place) == (500, [])


def test_viewer_sees_the_store_but_cannot_redeem(app: Flask, place: Place, viewer: FlaskClient) -> None:
    reward_id = _reward(app, place.acme_id)
    assert viewer.get(f"/rewards/{reward_id}/redeem").status_code == 200
    assert viewer.post(f"/rewards/{reward_id}/redeem").status_code == 403


def test_a_viewer_sees_no_redeem_button(app: Flask, place: Place, viewer: FlaskClient, ana: FlaskClient) -> None:
    """Issue 14, item 7: the store shows a VIEWER the rewards, not a button they may not use."""
    reward_id = _reward(app, place.acme_id)

    assert f"/rewards/{reward_id}/redeem" not in viewer.get("/rewards").get_data(as_text=True)
    assert f"/rewards/{reward_id}/redeem" in ana.get("/rewards").get_data(as_text=True)
