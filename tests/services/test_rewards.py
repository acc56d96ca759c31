"""Does the reward store spend and refund XP and stock exactly once? (DESIGN.md: rewards; issue 7)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.errors import LmsError
from lms.extensions import db
from lms.models import AuditLog, Notification, Reward, RewardRedemption, UserXpBalance, XpTransaction
from lms.models.enums import AuditAction, NotificationType, RedemptionStatus, TenantRole
from lms.services import rewards, standings, xp, xp_rebuild
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _reward(**values: object) -> Reward:
    reward = Reward(title=values.pop("title", "Hoodie"), cost_xp=values.pop("cost_xp", 100), **values)
    db.session.add(reward)
    db.session.flush()
    return reward


def _give(user_id: int, amount: int) -> None:
    xp.adjust(user_id, amount, "start", None)


def _total(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(UserXpBalance.total_xp).where(UserXpBalance.user_id == user_id))


def _stock(reward_id: int) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Reward.quantity_available).where(Reward.id == reward_id))


def _redemptions() -> int:
    return db.session.scalar(sa.select(sa.func.count(RewardRedemption.id)))


def test_redeem_takes_xp_and_stock_and_waits_for_approval(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        _give(world.ana.id, 300)
        reward = _reward(cost_xp=120, quantity_available=3)
        redemption = rewards.redeem(world.ana.id, reward.id)
        assert redemption.status is RedemptionStatus.PENDING
        assert (_total(world.ana.id), _stock(reward.id)) == (180, 2)


def test_reward_without_approval_is_approved_at_once(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        _give(world.ana.id, 100)
        redemption = rewards.redeem(world.ana.id, _reward(approval_required=False).id)
        assert redemption.status is RedemptionStatus.APPROVED


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"active": False}, rewards.RewardUnavailable),
        ({"quantity_available": 0}, rewards.OutOfStock),
        ({"cost_xp": 1000}, xp.NotEnoughXP),
    ],
    ids=["inactive", "out-of-stock", "not-enough-xp"],
)
def test_refused_redeem_writes_nothing(world: TwoTenants, values: dict, error: type) -> None:
    with tenant_context(world.acme.id):
        _give(world.ana.id, 500)
        reward = _reward(**values)
        with pytest.raises(error) as raised:
            rewards.redeem(world.ana.id, reward.id)
        assert str(raised.value)
        assert (_total(world.ana.id), _redemptions()) == (500, 0)


def test_another_tenants_reward_is_not_found(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        reward_id = _reward().id
    with tenant_context(world.acme.id):
        _give(world.ana.id, 500)
        with pytest.raises(rewards.RewardNotFound):
            rewards.redeem(world.ana.id, reward_id)
        assert (_total(world.ana.id), _redemptions()) == (500, 0)


def test_viewer_cannot_redeem(world: TwoTenants) -> None:
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id), pytest.raises(rewards.RedeemNotAllowed):
        rewards.redeem(viewer.id, _reward().id)


def test_monthly_limit_counts_this_month_in_the_tenants_time_zone(world: TwoTenants) -> None:
    world.acme.timezone = "Europe/Ljubljana"
    with tenant_context(world.acme.id):
        _give(world.ana.id, 1000)
        reward = _reward(monthly_limit=2)
        first = rewards.redeem(world.ana.id, reward.id)
        rewards.redeem(world.ana.id, reward.id)
        with pytest.raises(rewards.MonthlyLimitReached):
            rewards.redeem(world.ana.id, reward.id)
        # A redemption of last month does not count; a cancelled one gives the place back.
        start = standings.month_start("Europe/Ljubljana", datetime.now(UTC))
        first.created_at = start - timedelta(minutes=1)
        db.session.flush()
        third = rewards.redeem(world.ana.id, reward.id)
        assert rewards.cancel(third, world.ana.id)
        rewards.redeem(world.ana.id, reward.id)
        assert _total(world.ana.id) == 700


def test_reject_refunds_xp_and_stock_once_and_tells_the_learner(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        _give(world.ana.id, 200)
        reward = _reward(quantity_available=1)
        redemption = rewards.redeem(world.ana.id, reward.id)
        with pytest.raises(rewards.ReasonRequired):
            rewards.reject(redemption, hr, "  ")
        assert rewards.reject(redemption, hr, "Out of stock in the shop") is True
        assert rewards.reject(redemption, hr, "again") is False
        assert rewards.cancel(redemption, world.ana.id) is False
        assert rewards.approve(redemption, hr) is False
        assert (_total(world.ana.id), _stock(reward.id)) == (200, 1)
        assert redemption.status is RedemptionStatus.REJECTED
        assert redemption.rejection_reason == "Out of stock in the shop"
        types = db.session.scalars(sa.select(Notification.type).where(Notification.user_id == world.ana.id)).all()
        assert NotificationType.REWARD_REJECTED in types
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
        assert actions.count(AuditAction.REDEMPTION_REJECTED) == 1


def test_cancel_refunds_once_and_only_the_owners_pending(world: TwoTenants) -> None:
    eva = make_user("eva@acme.test", (world.acme, TenantRole.EMPLOYEE))
    with tenant_context(world.acme.id):
        _give(world.ana.id, 100)
        reward = _reward(quantity_available=5)
        redemption = rewards.redeem(world.ana.id, reward.id)
        with pytest.raises(rewards.RewardNotFound):
            rewards.cancel(redemption, eva.id)
        assert rewards.cancel(redemption, world.ana.id) is True
        assert rewards.cancel(redemption, world.ana.id) is False
        assert (_total(world.ana.id), _stock(reward.id)) == (100, 5)
        assert redemption.status is RedemptionStatus.CANCELLED
        assert redemption.cancelled_at is not None


def test_second_approve_is_a_no_op(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        _give(world.ana.id, 100)
        redemption = rewards.redeem(world.ana.id, _reward().id)
        assert rewards.approve(redemption, hr) is True
        assert rewards.approve(redemption, hr) is False
        assert rewards.reject(redemption, hr, "too late") is False
        assert _total(world.ana.id) == 0
        assert redemption.status is RedemptionStatus.APPROVED
        assert redemption.reviewed_by_id == hr.id
        approvals = db.session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == AuditAction.REDEMPTION_APPROVED)
        )
        assert approvals == 1


def _invariant_holds(tenant_id: int) -> bool:
    with tenant_context(tenant_id):
        return xp_rebuild.rebuild(tenant_id, check=True) == []


def _race(app: Flask, tenant_id: int, user_ids: list[int], reward_ids: list[int]) -> list[object]:
    """One thread per (user, reward) pair, each with its own app context and connection, all released at once."""
    pairs = [(user_id, reward_id) for user_id in user_ids for reward_id in reward_ids]
    barrier = threading.Barrier(len(pairs))
    results: list[object] = []

    def attempt(user_id: int, reward_id: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            barrier.wait()
            try:
                results.append(rewards.redeem(user_id, reward_id).id)
                db.session.commit()
            except LmsError as error:
                db.session.rollback()
                results.append(error)

    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _postgres_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")


def test_fifty_threads_redeem_the_last_item_once(app: Flask, committed: None) -> None:
    _postgres_only(app)
    with app.app_context():
        tenants = two_tenants()
        users = [make_user(f"u{n}@acme.test", (tenants.acme, TenantRole.EMPLOYEE)) for n in range(50)]
        with tenant_context(tenants.acme.id):
            for user in users:
                _give(user.id, 100)
            reward_id = _reward(cost_xp=100, quantity_available=1).id
        tenant_id, user_ids = tenants.acme.id, [user.id for user in users]
        db.session.commit()
    results = _race(app, tenant_id, user_ids, [reward_id])
    wins = [r for r in results if isinstance(r, int)]
    errors = [r for r in results if not isinstance(r, int)]
    assert len(wins) == 1
    assert len(errors) == 49
    assert all(isinstance(e, rewards.OutOfStock) for e in errors)
    assert {str(e) for e in errors} == {"This reward is out of stock."}
    with app.app_context(), tenant_context(tenant_id):
        assert _stock(reward_id) == 0
        assert _redemptions() == 1
        assert db.session.scalar(sa.select(sa.func.sum(UserXpBalance.total_xp))) == 49 * 100
    with app.app_context():
        assert _invariant_holds(tenant_id)


def test_a_balance_for_one_redemption_is_spent_once_across_two_rewards(app: Flask, committed: None) -> None:
    _postgres_only(app)
    with app.app_context():
        tenants = two_tenants()
        with tenant_context(tenants.acme.id):
            _give(tenants.ana.id, 100)
            reward_ids = [_reward(title=f"R{n}", cost_xp=100).id for n in range(2)]
        tenant_id, user_id = tenants.acme.id, tenants.ana.id
        db.session.commit()
    results = _race(app, tenant_id, [user_id] * 25, reward_ids)
    wins = [r for r in results if isinstance(r, int)]
    assert len(wins) == 1
    assert all(isinstance(r, xp.NotEnoughXP) for r in results if not isinstance(r, int))
    with app.app_context(), tenant_context(tenant_id):
        assert _total(user_id) == 0
        assert _redemptions() == 1
    with app.app_context():
        assert _invariant_holds(tenant_id)
    with app.app_context(), unscoped("test"):
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1


def test_deleting_an_unredeemed_reward_deletes_it_with_an_audit(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        reward = _reward(title="Sticker")
        reward_id = reward.id

        assert rewards.delete_or_deactivate(reward) is True

        assert db.session.get(Reward, reward_id) is None
        [(entity_id, details)] = db.session.execute(
            sa.select(AuditLog.entity_id, AuditLog.details).where(AuditLog.action == AuditAction.RECORD_DELETED)
        ).all()
        assert entity_id == str(reward_id)
        assert "Sticker" in details["record"]


def test_deleting_a_redeemed_reward_deactivates_it_with_an_audit(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        _give(world.ana.id, 100)
        reward = _reward(cost_xp=100)
        rewards.redeem(world.ana.id, reward.id)

        assert rewards.delete_or_deactivate(reward) is False

        db.session.expire_all()
        assert db.session.scalar(sa.select(Reward.active).where(Reward.id == reward.id)) is False
        assert _redemptions() == 1, "the redemption stays as history"
        [(entity_id, details)] = db.session.execute(
            sa.select(AuditLog.entity_id, AuditLog.details).where(AuditLog.action == AuditAction.RECORD_UPDATED)
        ).all()
        assert (entity_id, details["changes"]) == (str(reward.id), {"active": False})
