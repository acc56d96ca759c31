"""Is XP awarded once per source, kept equal to the ledger, and ranked by lifetime XP? (DESIGN.md: XP and ranks)"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    AuditLog,
    ChatMessage,
    Notification,
    Reward,
    RewardRedemption,
    XpMonth,
    XpTransaction,
)
from lms.models.enums import (
    AuditAction,
    ChatMessageType,
    Difficulty,
    NotificationType,
    RedemptionStatus,
    ReputationRank,
    TenantRole,
    XpSourceType,
)
from lms.models.gamification import month_of
from lms.services import rewards, standings, xp, xp_rebuild
from lms.services.ranks import rank_for
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants, xp_balance_row

MODULE = XpSourceType.MODULE_COMPLETED


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _stock(reward_id: int) -> int | None:
    return db.session.scalar(sa.select(Reward.quantity_available).where(Reward.id == reward_id))


def _xp_notifications(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.title)
            .where(Notification.user_id == user_id, Notification.type == NotificationType.XP_EARNED)
            .order_by(Notification.id)
        )
    )


def test_second_award_of_the_same_source_is_a_no_op(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert xp.award(world.ana.id, MODULE, "7", 150) is True
        assert xp.award(world.ana.id, MODULE, "7", 150) is False
        balance = xp_balance_row(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp) == (150, 150)
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1
        assert _xp_notifications(world.ana.id) == ["You earned 150 XP"]


def test_the_same_source_in_another_tenant_is_another_award(world: TwoTenants) -> None:
    make_user("cene@both.test", (world.acme, TenantRole.EMPLOYEE), (world.globex, TenantRole.EMPLOYEE))
    with tenant_context(world.acme.id):
        assert xp.award(world.ana.id, MODULE, "7", 100)
    with tenant_context(world.globex.id):
        assert xp.award(world.bor.id, MODULE, "7", 100)
        assert xp_balance_row(world.ana.id) is None


def test_viewer_earns_nothing(world: TwoTenants) -> None:
    viewer = make_user("vida@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id):
        assert xp.award(viewer.id, MODULE, "7", 100) is False
        assert xp_balance_row(viewer.id) is None
        with pytest.raises(xp.InvalidAdjustment):
            xp.adjust(viewer.id, 50, "Helped out", None)


def test_rank_follows_lifetime_thresholds_and_rank_up_is_announced_once(world: TwoTenants) -> None:
    assert [rank_for(n) for n in (0, 1499, 1500, 3499, 3500, 5999, 6000)] == [
        ReputationRank.VAJENEC,
        ReputationRank.VAJENEC,
        ReputationRank.POMOCNIK,
        ReputationRank.POMOCNIK,
        ReputationRank.MOJSTER,
        ReputationRank.MOJSTER,
        ReputationRank.MENTOR,
    ]
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 1499)
        assert xp_balance_row(world.ana.id).rank is ReputationRank.VAJENEC
        xp.award(world.ana.id, MODULE, "2", 1)
        assert xp_balance_row(world.ana.id).rank is ReputationRank.POMOCNIK
        # Losing XP by adjustment and earning it back does not announce the rank again.
        xp.adjust(world.ana.id, -100, "Correction", None)
        xp.award(world.ana.id, MODULE, "3", 100)
        balance = xp_balance_row(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp, balance.rank) == (1500, 1600, ReputationRank.POMOCNIK)
        assert _xp_notifications(world.ana.id).count("New rank: Journeyman") == 1


def test_negative_adjustment_below_zero_is_refused_and_writes_nothing(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.adjust(world.ana.id, 40, "Workshop help", None)
        with pytest.raises(xp.NotEnoughXP):
            xp.adjust(world.ana.id, -41, "Correction", None)
        assert xp_balance_row(world.ana.id).total_xp == 40
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1
        assert xp.adjust(world.ana.id, -40, "Correction", None)
        assert (xp_balance_row(world.ana.id).total_xp, xp_balance_row(world.ana.id).lifetime_xp) == (0, 40)


def test_adjustment_needs_a_reason_and_is_audited(world: TwoTenants) -> None:
    admin = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        with pytest.raises(xp.InvalidAdjustment):
            xp.adjust(world.ana.id, 10, "  ", admin.id)
        assert xp.adjust(world.ana.id, 10, "Mentoring a newcomer", admin.id, key="k1")
        assert not xp.adjust(world.ana.id, 10, "Mentoring a newcomer", admin.id, key="k1")
        entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == AuditAction.XP_ADJUSTED))
        assert entry.actor_id == admin.id
        assert entry.details["amount"] == 10
        assert xp_balance_row(world.ana.id).total_xp == 10


def test_module_xp_follows_difficulty_and_tenant_override(world: TwoTenants) -> None:
    world.acme.settings = {"xp": {"module_completed": {"ADVANCED": 333}}}
    db.session.flush()
    with tenant_context(world.acme.id):
        assert xp.amount_for("module_completed", Difficulty.BEGINNER.name) == 100
        assert xp.amount_for("module_completed", Difficulty.INTERMEDIATE.name) == 150
        assert xp.amount_for("module_completed", Difficulty.ADVANCED.name) == 333
    with tenant_context(world.globex.id):
        assert xp.amount_for("module_completed", Difficulty.ADVANCED.name) == 200


def test_quiz_high_score_needs_ninety_percent_and_pays_once(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert not xp.award_quiz_score(world.ana.id, 5, "Safety", 89.9)
        assert xp.award_quiz_score(world.ana.id, 5, "Safety", 90.0)
        assert not xp.award_quiz_score(world.ana.id, 5, "Safety", 100.0)
        assert xp_balance_row(world.ana.id).total_xp == 50


def test_a_mentor_confirmed_chat_answer_pays_its_author_once(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        answer = ChatMessage(user_id=world.ana.id, type=ChatMessageType.MESSAGE, body="Use the lockout kit.")
        db.session.add(answer)
        db.session.flush()
        assert xp.award_confirmed_answer(answer)
        assert not xp.award_confirmed_answer(answer)
        assert xp_balance_row(world.ana.id).total_xp == 30


def _expected_from_ledger(user_id: int) -> tuple[int, int, ReputationRank]:
    """DESIGN.md: XP invariant, recomputed from the ledger and the redemptions that hold XP."""
    amounts = list(db.session.scalars(sa.select(XpTransaction.amount).where(XpTransaction.user_id == user_id)))
    spent = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RewardRedemption.xp_spent), 0)).where(
            RewardRedemption.user_id == user_id, RewardRedemption.status.in_(xp_rebuild.SPENDING)
        )
    )
    lifetime = sum(a for a in amounts if a > 0)
    return sum(amounts) - spent, lifetime, rank_for(lifetime)


def _refusal(balance: int, reward: Reward, stock: int | None, used: int) -> type[Exception] | None:
    """What ``rewards.redeem`` must refuse with, checked in its order (stock, monthly limit, XP)."""
    if stock is not None and stock <= 0:
        return rewards.OutOfStock
    if reward.monthly_limit is not None and used >= reward.monthly_limit:
        return rewards.MonthlyLimitReached
    if balance < reward.cost_xp:
        return xp.NotEnoughXP
    return None


def test_a_thousand_random_operations_keep_the_ledger_invariants(world: TwoTenants) -> None:
    """Issue 7, item 4: awards (some repeated), adjustments, redemptions, rejections and cancellations
    (some refused or repeated) in one tenant, next to another, leave every balance equal to the ledger.

    A small model of the rules predicts each outcome, so a refusal or a no-op is also the right one.
    """
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    learners = [world.ana] + [make_user(f"l{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(3)]
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 500)
        bor_reward = Reward(title="Mug", cost_xp=200)
        db.session.add(bor_reward)
        db.session.flush()
        rewards.redeem(world.bor.id, bor_reward.id)
        bor_before = _expected_from_ledger(world.bor.id)
    chance = random.Random(7)
    outcomes: Counter[str] = Counter()
    with tenant_context(world.acme.id):
        catalog = [
            Reward(title="Coffee", cost_xp=60, monthly_limit=3, approval_required=False),
            Reward(title="Book", cost_xp=250, monthly_limit=2),
            Reward(title="Hoodie", cost_xp=400, quantity_available=3),
            Reward(title="Day off", cost_xp=1500, quantity_available=2, monthly_limit=1),
        ]
        db.session.add_all(catalog)
        db.session.flush()
        balance = {learner.id: 0 for learner in learners}
        stock = {reward.id: reward.quantity_available for reward in catalog}
        used: Counter[tuple[int, int]] = Counter()
        awarded: set[tuple[int, XpSourceType, str]] = set()
        pending: list[RewardRedemption] = []
        settled: list[RewardRedemption] = []
        for step in range(1000):
            learner = chance.choice(learners).id
            roll = chance.random()
            if roll < 0.45:
                source = chance.choice([MODULE, XpSourceType.QUIZ_HIGH_SCORE, XpSourceType.COMPLIANCE_RENEWAL])
                entity = str(chance.randrange(40))
                amount = chance.choice([50, 100, 150, 200])
                fresh = (learner, source, entity) not in awarded
                assert xp.award(learner, source, entity, amount) is fresh
                if fresh:
                    awarded.add((learner, source, entity))
                    balance[learner] += amount
                outcomes["award" if fresh else "repeated award"] += 1
            elif roll < 0.6:
                amount = chance.choice([-400, -100, -20, 30, 120])
                if balance[learner] + amount < 0:
                    with pytest.raises(xp.NotEnoughXP):
                        xp.adjust(learner, amount, f"step {step}", hr.id)
                    outcomes["refused adjustment"] += 1
                else:
                    assert xp.adjust(learner, amount, f"step {step}", hr.id)
                    balance[learner] += amount
                    outcomes["adjustment"] += 1
            elif roll < 0.8:
                reward = chance.choice(catalog)
                refusal = _refusal(balance[learner], reward, stock[reward.id], used[learner, reward.id])
                if refusal is not None:
                    with pytest.raises(refusal):
                        rewards.redeem(learner, reward.id)
                    outcomes[refusal.__name__] += 1
                    continue
                redemption = rewards.redeem(learner, reward.id)
                balance[learner] -= reward.cost_xp
                used[learner, reward.id] += 1
                if stock[reward.id] is not None:
                    stock[reward.id] -= 1
                (pending if redemption.status is RedemptionStatus.PENDING else settled).append(redemption)
                outcomes["redemption"] += 1
            elif pending or settled:
                from_pending = bool(pending) and (not settled or chance.random() < 0.7)
                redemption = pending.pop(chance.randrange(len(pending))) if from_pending else chance.choice(settled)
                action = chance.choice(["approve", "reject", "cancel"])
                if action == "approve":
                    done = rewards.approve(redemption, hr)
                elif action == "reject":
                    done = rewards.reject(redemption, hr, "Not this month")
                else:
                    done = rewards.cancel(redemption, redemption.user_id)
                assert done is from_pending
                if done and action != "approve":
                    balance[redemption.user_id] += redemption.xp_spent
                    used[redemption.user_id, redemption.reward_id] -= 1
                    if stock[redemption.reward_id] is not None:
                        stock[redemption.reward_id] += 1
                settled.append(redemption)
                outcomes[action if done else f"repeated {action}"] += 1
        assert set(outcomes) >= {
            "award",
            "repeated award",
            "adjustment",
            "refused adjustment",
            "redemption",
            "NotEnoughXP",
            "OutOfStock",
            "MonthlyLimitReached",
            "approve",
            "reject",
            "cancel",
            "repeated approve",
            "repeated reject",
            "repeated cancel",
        }
        for learner in learners:
            stored = xp_balance_row(learner.id)
            assert (stored.total_xp, stored.lifetime_xp, stored.rank) == _expected_from_ledger(learner.id)
            assert stored.total_xp == balance[learner.id]
        assert {reward.id: _stock(reward.id) for reward in catalog} == stock
    with tenant_context(world.globex.id):
        assert _expected_from_ledger(world.bor.id) == bor_before
    assert xp_rebuild.rebuild(check=True) == []


def _committed_acme_and_ana(app: Flask) -> tuple[int, int]:
    """Two tenants really committed, so that parallel connections see them (PostgreSQL only)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        db.session.commit()
        return world.acme.id, world.ana.id


def test_concurrent_awards_of_one_source_create_one_transaction(app: Flask, committed: None) -> None:
    """Twenty connections award the same module at once: one ledger row, one balance step (PostgreSQL)."""
    tenant_id, user_id = _committed_acme_and_ana(app)
    barrier = threading.Barrier(20)

    def race() -> bool:
        with app.app_context(), tenant_context(tenant_id):
            barrier.wait()
            won = xp.award(user_id, MODULE, "42", 150)
            db.session.commit()
            return won

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: race(), range(20)))
    assert results.count(True) == 1
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1
        balance = xp_balance_row(user_id)
        assert (balance.total_xp, balance.lifetime_xp) == (150, 150)


def _months_from_ledger(timezone: str) -> dict[tuple[int, date], int]:
    """XP earned per (user, calendar month in ``timezone``), summed from the ledger in Python."""
    earned: Counter[tuple[int, date]] = Counter()
    for user_id, amount, created_at in db.session.execute(
        sa.select(XpTransaction.user_id, XpTransaction.amount, XpTransaction.created_at).where(XpTransaction.amount > 0)
    ):
        earned[user_id, month_of(created_at, timezone)] += amount
    return dict(earned)


def _months_stored() -> dict[tuple[int, date], int]:
    return {(row.user_id, row.month): row.earned for row in db.session.scalars(sa.select(XpMonth))}


def test_random_awards_adjustments_and_spending_keep_the_monthly_summary_equal_to_the_ledger(
    world: TwoTenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12, item 2: across the turn of a month in the tenant's time zone, awards (some
    repeated), adjustments both ways, redemptions and their refunds leave the monthly board's
    summary equal to the ledger summed per learner and local month, and the board shows it."""
    world.acme.timezone = "Europe/Ljubljana"
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    learners = [world.ana] + [make_user(f"l{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(3)]
    clock = [datetime(2025, 3, 31, 20, 0, tzinfo=UTC)]  # 22:00 in Ljubljana; April begins there at 22:00 UTC
    monkeypatch.setattr(xp, "utcnow", lambda: clock[0])
    monkeypatch.setattr(standings, "utcnow", lambda: clock[0])
    chance = random.Random(12)
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 500)
    with tenant_context(world.acme.id):
        reward = Reward(title="Coffee", cost_xp=40)
        db.session.add(reward)
        db.session.flush()
        balance = dict.fromkeys((learner.id for learner in learners), 0)
        pending: list[RewardRedemption] = []
        for step in range(400):
            clock[0] += timedelta(seconds=chance.randrange(60))
            learner = chance.choice(learners).id
            roll = chance.random()
            if roll < 0.4:
                amount = chance.choice([50, 100, 150])
                if xp.award(learner, MODULE, str(chance.randrange(60)), amount):
                    balance[learner] += amount
            elif roll < 0.6:
                amount = chance.choice([-80, -20, 25, 60])
                if balance[learner] + amount >= 0:
                    assert xp.adjust(learner, amount, f"step {step}", hr.id)
                    balance[learner] += amount
            elif roll < 0.8:
                if balance[learner] >= reward.cost_xp:
                    pending.append(rewards.redeem(learner, reward.id))
                    balance[learner] -= reward.cost_xp
            elif pending:
                redemption = pending.pop(chance.randrange(len(pending)))
                if chance.random() < 0.5:
                    assert rewards.reject(redemption, hr, "Not this month")
                else:
                    assert rewards.cancel(redemption, redemption.user_id)
                balance[redemption.user_id] += redemption.xp_spent
        expected = _months_from_ledger("Europe/Ljubljana")
        assert {month for _user, month in expected} == {date(2025, 3, 1), date(2025, 4, 1)}
        assert _months_stored() == expected
        april = sorted(
            ((earned, user_id) for (user_id, month), earned in expected.items() if month == date(2025, 4, 1)),
            key=lambda score: (-score[0], score[1]),
        )
        board = standings.leaderboard(world.ana.id, period="month")
        assert [(row.xp, row.user_id) for row in board.rows] == april
    assert xp_rebuild.rebuild(check=True) == []


def test_parallel_awards_to_one_learner_in_one_month_all_count_in_the_summary(app: Flask, committed: None) -> None:
    """Twenty connections award Ana different modules at once: the month's summary is their sum (PostgreSQL)."""
    tenant_id, user_id = _committed_acme_and_ana(app)
    barrier = threading.Barrier(20)

    def race(n: int) -> bool:
        with app.app_context(), tenant_context(tenant_id):
            barrier.wait()
            won = xp.award(user_id, MODULE, str(n), 10 + n)
            db.session.commit()
            return won

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert all(pool.map(race, range(20)))
    with app.app_context(), tenant_context(tenant_id):
        (month,) = _months_stored().values()
        assert month == sum(10 + n for n in range(20))
        assert _months_stored() == _months_from_ledger("UTC")
        assert xp_balance_row(user_id).lifetime_xp == month
        assert xp_rebuild.rebuild(check=True) == []
