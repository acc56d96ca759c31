"""The XP ledger, balances and ranks, and the reward store (DESIGN.md: XP and ranks, rewards)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import RedemptionStatus, ReputationRank, XpSourceType
from lms.models.types import UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class XpTransaction(TenantScoped, Timestamps, db.Model):
    """One XP award or manual adjustment; the ledger balances are rebuilt from.

    The unique (tenant, user, source, source_entity_id) is what makes each award happen
    at most once, even when a job is retried (issue 7). ``source_entity_id`` names what
    earned it (module, quiz, chat message, suggestion or certificate id, as text); only
    MANUAL may leave it NULL, and the admin form gives each manual adjustment a fresh
    uuid in a hidden field, so a double submit is refused too. Spending is not here:
    RewardRedemption.xp_spent is. Additions: ``reason`` (required for MANUAL, shown in
    the history) and ``created_by_id`` (the admin of a manual adjustment).
    """

    __tablename__ = "xp_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column()
    source: Mapped[XpSourceType] = mapped_column(enum_type(XpSourceType))
    source_entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "source", "source_entity_id"),
        sa.Index(None, "tenant_id", "user_id", "created_at"),
        sa.Index(None, "tenant_id", "created_at"),
        sa.CheckConstraint("amount <> 0", name="amount_nonzero"),
        sa.CheckConstraint("source_entity_id IS NOT NULL OR source = 'MANUAL'", name="award_has_source_entity"),
    )


class UserXpBalance(TenantScoped, Timestamps, db.Model):
    """A user's XP in one tenant, kept in step with the ledger in the same transaction.

    ``total_xp`` is spendable (awards minus PENDING/APPROVED redemptions), ``lifetime_xp``
    is the sum of positive awards and never decreases; ``rank`` follows ``lifetime_xp``.
    The CHECKs make an overspend fail in the database even if a service got it wrong.
    """

    __tablename__ = "user_xp_balance"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    total_xp: Mapped[int] = mapped_column(default=0)
    lifetime_xp: Mapped[int] = mapped_column(default=0)
    rank: Mapped[ReputationRank] = mapped_column(enum_type(ReputationRank), default=ReputationRank.VAJENEC)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "tenant_id"),
        sa.Index(None, "tenant_id", "lifetime_xp"),
        sa.Index(None, "tenant_id", "total_xp"),
        sa.CheckConstraint("total_xp >= 0", name="total_nonnegative"),
        sa.CheckConstraint("lifetime_xp >= 0", name="lifetime_nonnegative"),
    )


class XpMonth(TenantScoped, db.Model):
    """XP a user earned in one calendar month of the tenant's time zone: the monthly leaderboard.

    An addition to the spec for speed (issue 12, item 2): the monthly board reads one row
    per learner through (tenant, month, earned, user) instead of summing the month's ledger.
    ``earned`` is the Σ of positive amounts whose ``created_at`` falls in ``month`` (its
    first day, see ``month_of``) — the month's share of ``lifetime_xp``, so deductions and
    spending leave it alone. ``xp.award`` adds to it with one upsert in the ledger row's
    transaction; ``xp_rebuild`` proves and repairs it. A row exists only once XP was earned.
    """

    __tablename__ = "xp_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(sa.Date)
    earned: Mapped[int] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "month"),
        # user_id last: the board counts "more XP than mine" from the index alone.
        sa.Index(None, "tenant_id", "month", "earned", "user_id"),
        sa.CheckConstraint("earned > 0", name="earned_positive"),
    )


def month_of(at: datetime, timezone: str) -> date:
    """The first day of ``at``'s calendar month in ``timezone``: the key of XpMonth (and of reward limits)."""
    return at.astimezone(ZoneInfo(timezone)).date().replace(day=1)


class local_month(FunctionElement[date]):  # noqa: N801 - used like a SQL function
    """``month_of(at, timezone)`` in SQL, so a rebuild and the migration group the ledger as awards do.

    PostgreSQL computes it itself; SQLite knows no time zones and calls ``sqlite_local_month``,
    registered on each of its connections (``lms/__init__.py``).
    """

    type = sa.Date()
    inherit_cache = True


@compiles(local_month)
def _local_month_sqlite(element: local_month, compiler: Any, **kw: Any) -> str:
    return f"lms_local_month({compiler.process(element.clauses, **kw)})"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element: local_month, compiler: Any, **kw: Any) -> str:
    at, timezone = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(date_trunc('month', timezone({timezone}, {at})) AS DATE)"


def sqlite_local_month(at: str, timezone: str) -> str:
    """SQLite's ``lms_local_month``: it stores UtcDateTime as naive UTC text and a Date as ISO text."""
    return month_of(datetime.fromisoformat(at).replace(tzinfo=UTC), timezone).isoformat()


class Reward(TenantScoped, Timestamps, db.Model):
    """An item of the tenant's reward catalog.

    ``monthly_limit`` is per user per calendar month in the tenant's time zone (NULL =
    none); ``quantity_available`` is the stock left (NULL = unlimited), taken by a
    guarded update on redeem and given back on reject or cancel. ``image`` is a storage
    key. A reward with redemptions is deactivated, not deleted.
    """

    __tablename__ = "reward"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    image: Mapped[str | None] = mapped_column(sa.String(500))
    cost_xp: Mapped[int] = mapped_column()
    monthly_limit: Mapped[int | None] = mapped_column()
    quantity_available: Mapped[int | None] = mapped_column()
    approval_required: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.Index(None, "tenant_id", "active"),
        sa.CheckConstraint("cost_xp > 0", name="cost_positive"),
        sa.CheckConstraint("monthly_limit IS NULL OR monthly_limit >= 1", name="monthly_limit_positive"),
        sa.CheckConstraint("quantity_available IS NULL OR quantity_available >= 0", name="quantity_nonnegative"),
    )

    def __str__(self) -> str:
        return self.title


class RewardRedemption(TenantScoped, Timestamps, db.Model):
    """A user's redemption of a reward; ``xp_spent`` left the balance when it was created.

    PENDING and APPROVED redemptions count against ``total_xp``; REJECTED and CANCELLED
    were refunded. Deleting a reward that has redemptions is refused (no ON DELETE
    action): the history is part of the XP invariant. Additions: ``reviewed_at``,
    ``rejection_reason`` (required on reject) and ``cancelled_at``.
    """

    __tablename__ = "reward_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    xp_spent: Mapped[int] = mapped_column()
    status: Mapped[RedemptionStatus] = mapped_column(enum_type(RedemptionStatus), default=RedemptionStatus.PENDING)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    reward: Mapped[Reward] = relationship(foreign_keys=[reward_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        same_tenant_fk(["tenant_id", "reward_id"], "reward", ondelete=None),
        sa.Index(None, "tenant_id", "user_id", "created_at"),
        sa.Index(None, "tenant_id", "status"),
        sa.Index(None, "reward_id", "created_at"),
        sa.CheckConstraint("xp_spent > 0", name="xp_spent_positive"),
    )
