"""Is XP awarded once per source, kept equal to the ledger, and ranked by lifetime XP? (DESIGN.md: XP and ranks)"""

from __future__ import annotations

import contextlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, Notification, UserXpBalance, XpTransaction
from lms.models.enums import AuditAction, Difficulty, NotificationType, ReputationRank, TenantRole, XpSourceType
from lms.services import xp
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants

MODULE = XpSourceType.MODULE_COMPLETED


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _balance(user_id: int) -> UserXpBalance | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(UserXpBalance).where(UserXpBalance.user_id == user_id))


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
        balance = _balance(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp) == (150, 150)
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1
        assert _xp_notifications(world.ana.id) == ["You earned 150 XP"]


def test_the_same_source_in_another_tenant_is_another_award(world: TwoTenants) -> None:
    make_user("cene@both.test", (world.acme, TenantRole.EMPLOYEE), (world.globex, TenantRole.EMPLOYEE))
    with tenant_context(world.acme.id):
        assert xp.award(world.ana.id, MODULE, "7", 100)
    with tenant_context(world.globex.id):
        assert xp.award(world.bor.id, MODULE, "7", 100)
        assert _balance(world.ana.id) is None


def test_viewer_earns_nothing(world: TwoTenants) -> None:
    viewer = make_user("vida@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id):
        assert xp.award(viewer.id, MODULE, "7", 100) is False
        assert _balance(viewer.id) is None
        with pytest.raises(xp.InvalidAdjustment):
            xp.adjust(viewer.id, 50, "Helped out", None)


def test_rank_follows_lifetime_thresholds_and_rank_up_is_announced_once(world: TwoTenants) -> None:
    assert [xp.rank_for(n) for n in (0, 1499, 1500, 3499, 3500, 5999, 6000)] == [
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
        assert _balance(world.ana.id).rank is ReputationRank.VAJENEC
        xp.award(world.ana.id, MODULE, "2", 1)
        assert _balance(world.ana.id).rank is ReputationRank.POMOCNIK
        # Losing XP by adjustment and earning it back does not announce the rank again.
        xp.adjust(world.ana.id, -100, "Correction", None)
        xp.award(world.ana.id, MODULE, "3", 100)
        balance = _balance(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp, balance.rank) == (1500, 1600, ReputationRank.POMOCNIK)
        assert _xp_notifications(world.ana.id).count("New rank: Journeyman") == 1


def test_negative_adjustment_below_zero_is_refused_and_writes_nothing(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.adjust(world.ana.id, 40, "Workshop help", None)
        with pytest.raises(xp.NotEnoughXP):
            xp.adjust(world.ana.id, -41, "Correction", None)
        assert _balance(world.ana.id).total_xp == 40
        assert db.session.scalar(sa.select(sa.func.count(XpTransaction.id))) == 1
        assert xp.adjust(world.ana.id, -40, "Correction", None)
        assert (_balance(world.ana.id).total_xp, _balance(world.ana.id).lifetime_xp) == (0, 40)


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
        assert _balance(world.ana.id).total_xp == 10


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
        assert _balance(world.ana.id).total_xp == 50


def _expected_from_ledger(user_id: int) -> tuple[int, int, ReputationRank]:
    amounts = list(db.session.scalars(sa.select(XpTransaction.amount).where(XpTransaction.user_id == user_id)))
    lifetime = sum(a for a in amounts if a > 0)
    return sum(amounts), lifetime, xp.rank_for(lifetime)


def test_a_thousand_random_awards_and_adjustments_keep_the_invariants(world: TwoTenants) -> None:
    """Awards (some repeated) and adjustments (some refused); redemptions belong to the rewards tests."""
    learners = [world.ana] + [make_user(f"l{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(4)]
    chance = random.Random(7)
    with tenant_context(world.acme.id):
        for step in range(1000):
            learner = chance.choice(learners)
            if chance.random() < 0.7:
                source = chance.choice([MODULE, XpSourceType.QUIZ_HIGH_SCORE, XpSourceType.COMPLIANCE_RENEWAL])
                xp.award(learner.id, source, str(chance.randrange(60)), chance.choice([50, 100, 150, 200]))
            else:
                amount = chance.choice([-300, -100, -20, 20, 100])
                with contextlib.suppress(xp.NotEnoughXP):
                    xp.adjust(learner.id, amount, f"step {step}", None)
        for learner in learners:
            balance = _balance(learner.id)
            assert (balance.total_xp, balance.lifetime_xp, balance.rank) == _expected_from_ledger(learner.id)
    assert xp.rebuild(check=True) == []


def test_rebuild_check_reports_a_tampered_balance_and_rebuild_repairs_it(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 1600)
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 100)
        db.session.execute(sa.update(UserXpBalance).values(total_xp=5, lifetime_xp=5, rank="VAJENEC"))
    assert xp.rebuild(world.acme.id, check=True) == []
    (difference,) = xp.rebuild(check=True)
    assert (difference.user_id, difference.stored, difference.expected) == (
        world.bor.id,
        (5, 5, "VAJENEC"),
        (100, 100, "VAJENEC"),
    )
    assert len(xp.rebuild()) == 1
    assert xp.rebuild(check=True) == []
    with tenant_context(world.globex.id):
        assert (_balance(world.bor.id).total_xp, _balance(world.bor.id).lifetime_xp) == (100, 100)


def test_rebuild_adds_a_missing_balance_row(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 3600)
        db.session.execute(sa.delete(UserXpBalance))
    assert len(xp.rebuild(check=True)) == 1
    xp.rebuild()
    with tenant_context(world.acme.id):
        balance = _balance(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp, balance.rank) == (3600, 3600, ReputationRank.MOJSTER)


def test_concurrent_awards_of_one_source_create_one_transaction(app: Flask, committed: None) -> None:
    """Twenty connections award the same module at once: one ledger row, one balance step (PostgreSQL)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        db.session.commit()
        tenant_id, user_id = world.acme.id, world.ana.id
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
        balance = _balance(user_id)
        assert (balance.total_xp, balance.lifetime_xp) == (150, 150)
