"""Does the rebuild find every balance that disagrees with the ledger, and only repair when asked?"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import UserXpBalance, XpMonth
from lms.models.enums import ReputationRank, XpSourceType
from lms.models.types import utcnow
from lms.services import xp
from lms.services.xp_rebuild import MonthDifference, rebuild
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, two_tenants, xp_balance_row

MODULE = XpSourceType.MODULE_COMPLETED


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def test_rebuild_check_reports_a_tampered_balance_and_rebuild_repairs_it(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 1600)
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 100)
        db.session.execute(sa.update(UserXpBalance).values(total_xp=5, lifetime_xp=5, rank="VAJENEC"))
    assert rebuild(world.acme.id, check=True) == []
    (difference,) = rebuild(check=True)
    assert (difference.user_id, difference.stored, difference.expected) == (
        world.bor.id,
        (5, 5, "VAJENEC"),
        (100, 100, "VAJENEC"),
    )
    assert len(rebuild()) == 1
    assert rebuild(check=True) == []
    with tenant_context(world.globex.id):
        assert (xp_balance_row(world.bor.id).total_xp, xp_balance_row(world.bor.id).lifetime_xp) == (100, 100)


def test_rebuild_adds_a_missing_balance_row(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 3600)
        db.session.execute(sa.delete(UserXpBalance))
    assert len(rebuild(check=True)) == 1
    rebuild()
    with tenant_context(world.acme.id):
        balance = xp_balance_row(world.ana.id)
        assert (balance.total_xp, balance.lifetime_xp, balance.rank) == (3600, 3600, ReputationRank.MOJSTER)


def test_rebuild_check_reports_monthly_totals_that_differ_from_the_ledger_and_rebuild_repairs_them(
    world: TwoTenants,
) -> None:
    """The monthly leaderboard's summary is a cache of the ledger too (issue 12, item 2): a changed,
    a missing and a stray month are each reported, only in their tenant, and rebuilt from the ledger."""
    this_month = utcnow().date().replace(day=1)
    with tenant_context(world.acme.id):
        xp.award(world.ana.id, MODULE, "1", 300)
        db.session.execute(sa.update(XpMonth).values(earned=7))
        db.session.add(XpMonth(user_id=world.ana.id, month=date(2020, 1, 1), earned=50))
    with tenant_context(world.globex.id):
        xp.award(world.bor.id, MODULE, "1", 100)
        db.session.execute(sa.delete(XpMonth))
    assert rebuild(world.acme.id, check=True) == [
        MonthDifference(world.acme.id, world.ana.id, date(2020, 1, 1), 50, 0),
        MonthDifference(world.acme.id, world.ana.id, this_month, 7, 300),
    ]
    assert rebuild(world.globex.id, check=True) == [
        MonthDifference(world.globex.id, world.bor.id, this_month, None, 100)
    ]
    assert len(rebuild()) == 3
    assert rebuild(check=True) == []
    with tenant_context(world.acme.id):
        assert db.session.execute(sa.select(XpMonth.month, XpMonth.earned)).all() == [(this_month, 300)]
