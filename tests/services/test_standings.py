"""Do a learner's standing, XP history and the leaderboard read the ledger of their own tenant only?"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Membership
from lms.models.enums import ReputationRank, TenantRole, XpSourceType
from lms.services import standings, xp
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_group, make_user, two_tenants

MODULE = XpSourceType.MODULE_COMPLETED


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def test_a_newcomer_stands_at_zero_on_the_way_to_the_first_rank(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        newcomer = standings.standing(world.ana.id)
    assert (newcomer.total_xp, newcomer.lifetime_xp, newcomer.rank) == (0, 0, ReputationRank.VAJENEC)
    assert (newcomer.next_rank, newcomer.progress, newcomer.to_next) == (ReputationRank.POMOCNIK, 0, 1500)


def test_standing_counts_lifetime_xp_for_the_rank_and_the_balance_for_spending(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 2500)
        xp.adjust(world.ana.id, -500, "Correction", None)
        mine = standings.standing(world.ana.id)
    assert (mine.total_xp, mine.lifetime_xp, mine.rank) == (2000, 2500, ReputationRank.POMOCNIK)
    assert (mine.progress, mine.to_next) == (50, 1000)


def test_at_the_top_rank_the_progress_is_full(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 7000)
        top = standings.standing(world.ana.id)
    assert (top.rank, top.next_rank, top.progress, top.to_next) == (ReputationRank.MENTOR, None, 100, 0)


def test_history_is_the_learners_own_ledger_newest_first(world: TwoTenants) -> None:
    colleague = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 10, "first")
        xp.award(world.ana.id, MODULE, "2", 20, "second")
        xp.award(colleague.id, MODULE, "1", 30, "colleague's")
        page = standings.history(world.ana.id)
    assert [entry.reason for entry in page.items] == ["second", "first"]


def test_tied_learners_share_a_position(world: TwoTenants) -> None:
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE), name="Cene")
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 999)
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 100)
        xp.award(cene.id, MODULE, "1", 100)
        board = standings.leaderboard(world.ana.id)
    assert [(row.position, row.xp) for row in board.rows] == [(1, 100), (1, 100)]
    assert {row.user_id for row in board.rows} == {world.ana.id, cene.id}
    assert not board.me_outside


def test_group_choices_are_this_tenants_groups_by_name(world: TwoTenants) -> None:
    make_group(world.acme, "Warehouse", [world.ana])
    make_group(world.acme, "Office", [])
    make_group(world.globex, "Kitchen", [world.bor])
    with tenant_context(world.acme.id):
        assert [name for _id, name in standings.group_choices()] == ["Office", "Warehouse"]


def test_the_month_starts_at_local_midnight_of_the_first() -> None:
    now = datetime(2025, 3, 31, 22, 30, tzinfo=UTC)  # already 1 April in Ljubljana
    assert standings.month_start("Europe/Ljubljana", now) == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert standings.month_start("UTC", now) == datetime(2025, 3, 1, tzinfo=UTC)


def test_my_position_outside_the_top_counts_the_learners_ahead_and_shares_ties(world: TwoTenants) -> None:
    """Issue 12, item 2: the position is counted, not ranked; a tie shares it, an inactive member is not counted."""
    scores = {"a": 300, "b": 200, "c": 100, "gone": 250}
    users = {key: make_user(f"{key}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for key in scores}
    with tenant_context(world.acme.id):
        for key, amount in scores.items():
            xp.award(users[key].id, MODULE, "1", amount)
        xp.award(world.ana.id, MODULE, "1", 100)
        db.session.execute(sa.update(Membership).where(Membership.user_id == users["gone"].id).values(is_active=False))
        board = standings.leaderboard(world.ana.id, limit=2)
        month = standings.leaderboard(world.ana.id, period="month", limit=2)
    assert [(row.position, row.xp) for row in board.rows] == [(1, 300), (2, 200)]
    assert (board.me.position, board.me.xp, board.me_outside) == (3, 100, True)
    assert [(row.position, row.xp) for row in month.rows] == [(1, 300), (2, 200)]
    assert (month.me.position, month.me.xp) == (3, 100)


def test_the_monthly_board_counts_the_month_of_the_tenants_time_zone(
    world: TwoTenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    world.acme.timezone = "Europe/Ljubljana"
    clock = [datetime(2025, 3, 31, 21, 30, tzinfo=UTC)]  # still March in Ljubljana
    monkeypatch.setattr(xp, "utcnow", lambda: clock[0])
    monkeypatch.setattr(standings, "utcnow", lambda: clock[0])
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 500)
        clock[0] = datetime(2025, 3, 31, 22, 30, tzinfo=UTC)  # 1 April, 00:30 in Ljubljana
        xp.award(cene.id, MODULE, "1", 50)
        april = standings.leaderboard(world.ana.id, period="month")
        all_time = standings.leaderboard(world.ana.id)
    assert [(row.user_id, row.xp) for row in april.rows] == [(cene.id, 50)]
    assert april.me is None
    assert [(row.user_id, row.xp) for row in all_time.rows] == [(world.ana.id, 500), (cene.id, 50)]
