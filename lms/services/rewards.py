"""The reward store: redeeming, reviewing and cancelling redemptions (DESIGN.md: rewards; issue 7).

XP and stock are money-like (STYLE.md: data). Redeeming locks the reward row (SELECT …
FOR UPDATE on PostgreSQL; SQLite serialises writers), so the stock and the monthly limit
are checked with no other redemption of that reward in between, and then takes XP with
one guarded UPDATE (``total_xp >= cost``) and stock with another. Reviewing and cancelling
start with a guarded status transition out of PENDING: only the call that moved the row
refunds, so XP and stock come back exactly once however many clicks arrive.

Every function changes rows and flushes; the caller commits (or rolls back on an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Reward, RewardRedemption, Tenant, User, UserXpBalance
from lms.models.enums import AuditAction, NotificationType, RedemptionStatus
from lms.models.types import utcnow
from lms.services import xp
from lms.services.audit import audit
from lms.services.links import path_for
from lms.services.notifications import notify
from lms.services.standings import month_start
from lms.tenancy import current_tenant_id

# Redemptions that hold XP (DESIGN.md: XP invariant) and count against the monthly limit.
HOLDING = (RedemptionStatus.PENDING, RedemptionStatus.APPROVED)


class RewardError(LmsError):
    """A redemption the rules refuse; the message says why, and nothing was written."""


class RewardNotFound(RewardError):
    """No such reward in this tenant (the views answer 404)."""


class RedeemNotAllowed(RewardError):
    pass


class RewardUnavailable(RewardError):
    pass


class OutOfStock(RewardError):
    pass


class MonthlyLimitReached(RewardError):
    pass


class ReasonRequired(RewardError):
    pass


@dataclass(frozen=True)
class CatalogEntry:
    """A reward as the store shows it, with how often the learner may still take it this month."""

    reward: Reward
    used_this_month: int

    @property
    def left_this_month(self) -> int | None:
        if self.reward.monthly_limit is None:
            return None
        return max(0, self.reward.monthly_limit - self.used_this_month)


def _tenant() -> Tenant:
    return db.session.get(Tenant, current_tenant_id())


def _month_start() -> datetime:
    """Monthly limits count the calendar month in the tenant's time zone (Tenant.timezone)."""
    return month_start(_tenant().timezone or "UTC", utcnow())


def _used_this_month(user_id: int, reward_ids: list[int], since: datetime) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(RewardRedemption.reward_id, sa.func.count())
        .where(
            RewardRedemption.user_id == user_id,
            RewardRedemption.reward_id.in_(reward_ids),
            RewardRedemption.status.in_(HOLDING),
            RewardRedemption.created_at >= since,
        )
        .group_by(RewardRedemption.reward_id)
    )
    return {reward_id: count for reward_id, count in rows}


def catalog(user_id: int) -> list[CatalogEntry]:
    """The active rewards, cheapest first, with the learner's use of each this month (two queries)."""
    rewards = db.session.scalars(sa.select(Reward).where(Reward.active).order_by(Reward.cost_xp, Reward.id)).all()
    used = _used_this_month(user_id, [r.id for r in rewards if r.monthly_limit], _month_start())
    return [CatalogEntry(reward, used.get(reward.id, 0)) for reward in rewards]


def active_reward(reward_id: int) -> Reward | None:
    """An active reward of the current tenant; any member may see it."""
    return db.session.scalar(sa.select(Reward).where(Reward.id == reward_id, Reward.active))


def balance_of(user_id: int) -> int:
    return db.session.scalar(sa.select(UserXpBalance.total_xp).where(UserXpBalance.user_id == user_id)) or 0


def redemptions_of(user_id: int) -> list[RewardRedemption]:
    return db.session.scalars(
        sa.select(RewardRedemption)
        .where(RewardRedemption.user_id == user_id)
        .options(sa.orm.joinedload(RewardRedemption.reward))
        .order_by(RewardRedemption.created_at.desc(), RewardRedemption.id.desc())
    ).all()


def own_redemption(redemption_id: int, user_id: int) -> RewardRedemption | None:
    """The user's own redemption; another user's (or tenant's) is None, so the view answers 404."""
    return db.session.scalar(
        sa.select(RewardRedemption).where(RewardRedemption.id == redemption_id, RewardRedemption.user_id == user_id)
    )


def redeem(user_id: int, reward_id: int) -> RewardRedemption:
    """Spend XP on a reward (DESIGN.md: rewards); raises a RewardError (or xp.NotEnoughXP), writing nothing.

    The checks run under the reward's row lock; the writes are guarded updates inside a
    savepoint, so a refusal after the XP was taken leaves no trace even before the
    caller rolls back.
    """
    if not xp.may_earn(user_id):
        raise RedeemNotAllowed(_l("Your account cannot redeem rewards."))
    reward = db.session.scalar(
        sa.select(Reward).where(Reward.id == reward_id).with_for_update().execution_options(populate_existing=True)
    )
    if reward is None:
        raise RewardNotFound(_l("This reward does not exist."))
    if not reward.active:
        raise RewardUnavailable(_l("This reward is no longer available."))
    if reward.quantity_available is not None and reward.quantity_available <= 0:
        raise OutOfStock(_l("This reward is out of stock."))
    if reward.monthly_limit is not None:
        used = _used_this_month(user_id, [reward.id], _month_start()).get(reward.id, 0)
        if used >= reward.monthly_limit:
            raise MonthlyLimitReached(
                _l("You have reached this month's limit for this reward (%(limit)d).", limit=reward.monthly_limit)
            )
    xp.ensure_balance(user_id)
    with db.session.begin_nested():
        if reward.quantity_available is not None:
            taken = db.session.execute(
                sa.update(Reward)
                .where(Reward.id == reward.id, Reward.quantity_available > 0)
                .values(quantity_available=Reward.quantity_available - 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                raise OutOfStock(_l("This reward is out of stock."))
        paid = db.session.execute(
            sa.update(UserXpBalance)
            .where(UserXpBalance.user_id == user_id, UserXpBalance.total_xp >= reward.cost_xp)
            .values(total_xp=UserXpBalance.total_xp - reward.cost_xp)
            .execution_options(synchronize_session=False)
        )
        if paid.rowcount != 1:
            raise xp.NotEnoughXP(
                _l("You do not have enough XP for this reward (it costs %(cost)d XP).", cost=reward.cost_xp)
            )
        status = RedemptionStatus.PENDING if reward.approval_required else RedemptionStatus.APPROVED
        redemption = RewardRedemption(reward_id=reward.id, user_id=user_id, xp_spent=reward.cost_xp, status=status)
        db.session.add(redemption)
        db.session.flush()
    db.session.expire(reward, ["quantity_available"])
    return redemption


def _leave_pending(redemption: RewardRedemption, status: RedemptionStatus, **values: object) -> bool:
    """The guarded transition PENDING → ``status``; True only for the one call that made it."""
    moved = db.session.execute(
        sa.update(RewardRedemption)
        .where(RewardRedemption.id == redemption.id, RewardRedemption.status == RedemptionStatus.PENDING)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(redemption)
    return moved.rowcount == 1


def _refund(redemption: RewardRedemption) -> None:
    """Give back the XP and, for a reward with limited stock, the item; called once per redemption."""
    db.session.execute(
        sa.update(UserXpBalance)
        .where(UserXpBalance.user_id == redemption.user_id)
        .values(total_xp=UserXpBalance.total_xp + redemption.xp_spent)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Reward)
        .where(Reward.id == redemption.reward_id, Reward.quantity_available.is_not(None))
        .values(quantity_available=Reward.quantity_available + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(redemption.reward)


def approve(redemption: RewardRedemption, actor: User) -> bool:
    """Approve a PENDING redemption; False (nothing written) when it was already reviewed or cancelled."""
    if not _leave_pending(redemption, RedemptionStatus.APPROVED, reviewed_by_id=actor.id, reviewed_at=utcnow()):
        return False
    audit(AuditAction.REDEMPTION_APPROVED, redemption, actor_id=actor.id, reward=redemption.reward.title)
    notify(
        redemption.user_id,
        NotificationType.REWARD_APPROVED,
        _l("Your reward is approved: %(reward)s", reward=redemption.reward.title),
        link=path_for("learner.my_redemptions"),
    )
    return True


def reject(redemption: RewardRedemption, actor: User, reason: str) -> bool:
    """Reject a PENDING redemption with a reason and refund it; False when it was no longer PENDING."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_l("Give a reason for rejecting."))
    moved = _leave_pending(
        redemption, RedemptionStatus.REJECTED, reviewed_by_id=actor.id, reviewed_at=utcnow(), rejection_reason=reason
    )
    if not moved:
        return False
    _refund(redemption)
    audit(AuditAction.REDEMPTION_REJECTED, redemption, actor_id=actor.id, reward=redemption.reward.title, reason=reason)
    notify(
        redemption.user_id,
        NotificationType.REWARD_REJECTED,
        _l("Your reward was not approved: %(reward)s", reward=redemption.reward.title),
        _l("Reason: %(reason)s. Your %(xp)d XP are back on your balance.", reason=reason, xp=redemption.xp_spent),
        link=path_for("learner.my_redemptions"),
    )
    return True


def cancel(redemption: RewardRedemption, user_id: int) -> bool:
    """The learner takes back their own PENDING redemption and gets the XP back; False when too late."""
    if redemption.user_id != user_id:
        raise RewardNotFound(_l("This redemption does not exist."))
    if not _leave_pending(redemption, RedemptionStatus.CANCELLED, cancelled_at=utcnow()):
        return False
    _refund(redemption)
    return True


def delete_or_deactivate(reward: Reward) -> bool:
    """Delete a reward nobody redeemed; deactivate one with redemptions, which are history the
    XP invariant needs (DESIGN.md: XP). Either way audited here, in the same transaction.

    Returns True when the reward is deleted, False when it is deactivated instead.
    """
    used = db.session.scalar(sa.select(RewardRedemption.id).where(RewardRedemption.reward_id == reward.id).limit(1))
    if used is None:
        audit(AuditAction.RECORD_DELETED, reward, record=str(reward))
        db.session.delete(reward)
        db.session.flush()
        return True
    changes = {"active": False} if reward.active else {}
    reward.active = False
    db.session.flush()
    audit(AuditAction.RECORD_UPDATED, reward, changes=changes)
    return False
