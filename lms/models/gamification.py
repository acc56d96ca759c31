"""The XP ledger, balances and ranks, and the reward store (DESIGN.md: XP and ranks, rewards)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
