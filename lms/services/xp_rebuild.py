"""Rebuilding XP balances from the ledger (``flask lms xp-rebuild``; DESIGN.md: XP and ranks).

A balance is a cache of the ledger and the rewards store, kept in step by ``xp.award``
and ``rewards``' guarded updates. The rebuild is the proof and the repair: it recomputes
every balance from both and checks the invariants — total = Σ amounts - Σ xp_spent of
PENDING/APPROVED redemptions, lifetime = Σ positive amounts, rank = highest threshold
reached by lifetime — reporting (and unless asked only to check, correcting) any row
that disagrees. The monthly summary is a cache of the ledger too (issue 12, item 2):
XpMonth.earned = Σ positive amounts of the user's calendar month in the tenant's time
zone, and it is checked and repaired with the balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from lms.extensions import db
from lms.models import RewardRedemption, Tenant, UserXpBalance, XpMonth, XpTransaction
from lms.models.enums import RedemptionStatus
from lms.models.gamification import local_month
from lms.models.types import utcnow
from lms.models.upserts import insert_select_or_ignore
from lms.services.ranks import RANKS, rank_clause
from lms.tenancy import unscoped

# Redemptions whose XP is spent: they count against the balance (DESIGN.md: XP invariant).
SPENDING = (RedemptionStatus.PENDING, RedemptionStatus.APPROVED)


@dataclass(frozen=True)
class Difference:
    tenant_id: int
    user_id: int
    stored: tuple[int, int, str] | None
    expected: tuple[int, int, str]

    def __str__(self) -> str:
        stored = "missing" if self.stored is None else "total={} lifetime={} rank={}".format(*self.stored)
        return f"{stored}, ledger says " + "total={} lifetime={} rank={}".format(*self.expected)


@dataclass(frozen=True)
class MonthDifference:
    """An XpMonth row that disagrees with the ledger: ``stored`` None when missing, ``expected`` 0 when extra."""

    tenant_id: int
    user_id: int
    month: date
    stored: int | None
    expected: int

    def __str__(self) -> str:
        stored = "missing" if self.stored is None else f"earned={self.stored}"
        return f"month {self.month:%Y-%m} {stored}, ledger says earned={self.expected}"


def _in_tenant(tenant_id: int | None, model: Any) -> sa.ColumnElement[bool]:
    return sa.true() if tenant_id is None else model.tenant_id == tenant_id


def _expected(tenant_id: int | None) -> tuple[sa.Subquery, sa.ColumnElement[bool]]:
    """Per (tenant, user): total and lifetime XP as the ledger and the redemptions say."""

    def scoped(model: Any) -> sa.ColumnElement[bool]:
        return _in_tenant(tenant_id, model)

    ledger = (
        sa.select(
            XpTransaction.tenant_id,
            XpTransaction.user_id,
            sa.func.sum(XpTransaction.amount).label("earned"),
            sa.func.sum(sa.case((XpTransaction.amount > 0, XpTransaction.amount), else_=0)).label("lifetime"),
        )
        .where(scoped(XpTransaction))
        .group_by(XpTransaction.tenant_id, XpTransaction.user_id)
        .subquery("ledger")
    )
    spent = (
        sa.select(
            RewardRedemption.tenant_id,
            RewardRedemption.user_id,
            sa.func.sum(RewardRedemption.xp_spent).label("spent"),
        )
        .where(scoped(RewardRedemption), RewardRedemption.status.in_(SPENDING))
        .group_by(RewardRedemption.tenant_id, RewardRedemption.user_id)
        .subquery("spent")
    )
    keys = sa.union(
        sa.select(XpTransaction.tenant_id, XpTransaction.user_id).where(scoped(XpTransaction)),
        sa.select(RewardRedemption.tenant_id, RewardRedemption.user_id).where(scoped(RewardRedemption)),
        sa.select(UserXpBalance.tenant_id, UserXpBalance.user_id).where(scoped(UserXpBalance)),
    ).subquery("keys")
    lifetime = sa.func.coalesce(ledger.c.lifetime, 0)
    expected = (
        sa.select(
            keys.c.tenant_id,
            keys.c.user_id,
            (sa.func.coalesce(ledger.c.earned, 0) - sa.func.coalesce(spent.c.spent, 0)).label("total_xp"),
            lifetime.label("lifetime_xp"),
            rank_clause(lifetime).label("rank"),
        )
        .select_from(keys)
        .outerjoin(ledger, sa.and_(ledger.c.tenant_id == keys.c.tenant_id, ledger.c.user_id == keys.c.user_id))
        .outerjoin(spent, sa.and_(spent.c.tenant_id == keys.c.tenant_id, spent.c.user_id == keys.c.user_id))
        .subquery("expected")
    )
    return expected, scoped(UserXpBalance)


def rebuild(tenant_id: int | None = None, *, check: bool = False) -> list[Difference | MonthDifference]:
    """Compare (and unless ``check``, correct) every balance and monthly summary against the ledger.

    Operator work across tenants (``flask lms xp-rebuild``), so it runs unscoped with its
    own tenant filter. Set-based: one query finds the balances that differ, one INSERT …
    SELECT adds missing balance rows and one UPDATE corrects the rest; one query finds the
    months that differ, and the summary is replaced by the ledger's in two statements.
    Returns the differences found (balances first). The caller commits.
    """
    with unscoped("xp rebuild"):
        balances = _rebuild_balances(tenant_id, check=check)
        months = _rebuild_months(tenant_id, check=check)
    return [*balances, *months]


def _rebuild_balances(tenant_id: int | None, *, check: bool) -> list[Difference]:
    expected, balance_scope = _expected(tenant_id)
    stored = UserXpBalance
    rows = db.session.execute(
        sa.select(
            expected.c.tenant_id,
            expected.c.user_id,
            expected.c.total_xp,
            expected.c.lifetime_xp,
            expected.c.rank,
            stored.id,
            stored.total_xp.label("stored_total"),
            stored.lifetime_xp.label("stored_lifetime"),
            stored.rank.label("stored_rank"),
        )
        .select_from(expected)
        .outerjoin(stored, sa.and_(stored.tenant_id == expected.c.tenant_id, stored.user_id == expected.c.user_id))
        .where(
            sa.or_(
                stored.id.is_(None),
                stored.total_xp != expected.c.total_xp,
                stored.lifetime_xp != expected.c.lifetime_xp,
                sa.cast(stored.rank, sa.String) != expected.c.rank,
            )
        )
        .order_by(expected.c.tenant_id, expected.c.user_id)
    ).all()
    differences = [
        Difference(
            row.tenant_id,
            row.user_id,
            None if row.id is None else (row.stored_total, row.stored_lifetime, row.stored_rank.name),
            (row.total_xp, row.lifetime_xp, row.rank),
        )
        for row in rows
    ]
    if not check and differences:
        _correct(tenant_id, balance_scope)
    return differences


def _correct(tenant_id: int | None, balance_scope: sa.ColumnElement[bool]) -> None:
    expected, _scope = _expected(tenant_id)
    now = utcnow()
    missing = sa.select(
        expected.c.tenant_id,
        expected.c.user_id,
        sa.literal(0),
        sa.literal(0),
        sa.literal(RANKS[0].name),
        sa.literal(now, UserXpBalance.created_at.type),
        sa.literal(now, UserXpBalance.updated_at.type),
    )
    insert_select_or_ignore(
        UserXpBalance,
        ["tenant_id", "user_id", "total_xp", "lifetime_xp", "rank", "created_at", "updated_at"],
        missing,
        conflict=["user_id", "tenant_id"],
    )
    mine = sa.and_(expected.c.tenant_id == UserXpBalance.tenant_id, expected.c.user_id == UserXpBalance.user_id)
    db.session.execute(
        sa.update(UserXpBalance)
        .where(balance_scope)
        .values(
            total_xp=sa.select(expected.c.total_xp).where(mine).scalar_subquery(),
            lifetime_xp=sa.select(expected.c.lifetime_xp).where(mine).scalar_subquery(),
            rank=sa.select(expected.c.rank).where(mine).scalar_subquery(),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def _expected_months(tenant_id: int | None) -> sa.Select[Any]:
    """Per (tenant, user, month): XP earned as the ledger says, months counted as ``xp.award`` counts them."""
    month = local_month(XpTransaction.created_at, Tenant.timezone)
    return (
        sa.select(
            XpTransaction.tenant_id,
            XpTransaction.user_id,
            month.label("month"),
            sa.func.sum(XpTransaction.amount).label("earned"),
        )
        .join(Tenant, Tenant.id == XpTransaction.tenant_id)
        .where(_in_tenant(tenant_id, XpTransaction), XpTransaction.amount > 0)
        .group_by(XpTransaction.tenant_id, XpTransaction.user_id, month)
    )


def _rebuild_months(tenant_id: int | None, *, check: bool) -> list[MonthDifference]:
    expected = _expected_months(tenant_id).subquery("expected")
    stored = (
        sa.select(XpMonth.tenant_id, XpMonth.user_id, XpMonth.month, XpMonth.earned)
        .where(_in_tenant(tenant_id, XpMonth))
        .subquery("stored")
    )
    same = [expected.c[key] == stored.c[key] for key in ("tenant_id", "user_id", "month")]
    keys = [sa.func.coalesce(expected.c[key], stored.c[key]).label(key) for key in ("tenant_id", "user_id", "month")]
    rows = db.session.execute(
        sa.select(*keys, stored.c.earned.label("stored"), expected.c.earned.label("expected"))
        .select_from(expected)
        .join(stored, sa.and_(*same), full=True)
        .where(sa.or_(stored.c.earned.is_(None), expected.c.earned.is_(None), stored.c.earned != expected.c.earned))
        .order_by(*keys)
    ).all()
    differences = [
        MonthDifference(row.tenant_id, row.user_id, row.month, row.stored, row.expected or 0) for row in rows
    ]
    if not check and differences:
        _correct_months(tenant_id)
    return differences


def _correct_months(tenant_id: int | None) -> None:
    db.session.execute(
        sa.delete(XpMonth).where(_in_tenant(tenant_id, XpMonth)).execution_options(synchronize_session=False)
    )
    columns = ["tenant_id", "user_id", "month", "earned"]
    db.session.execute(sa.insert(XpMonth).from_select(columns, _expected_months(tenant_id)))
    db.session.expire_all()
