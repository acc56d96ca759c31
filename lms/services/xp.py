"""The XP ledger: awards, manual adjustments, ranks, rebuild and the leaderboard (DESIGN.md: XP and ranks).

Every path that gives or takes XP calls ``award`` (or ``adjust`` for a manual ±N), so
the ledger and the balance change together, in the caller's transaction:
- the XpTransaction is inserted with ON CONFLICT DO NOTHING on its unique (tenant, user,
  source, source_entity_id): a retried job, a double click or a race awards once, and
  the database decides, not a lookup (issue 7, item 1);
- only when it was inserted, one guarded UPDATE moves UserXpBalance: ``total_xp`` by
  the amount (never below zero), ``lifetime_xp`` by its positive part, and ``rank``
  recomputed from the new lifetime XP in the same statement.
Spending is the rewards store's (RewardRedemption.xp_spent, taken from ``total_xp`` with
its own guarded update); ``rebuild`` recomputes balances from both and proves the
invariants: total = Σ amounts - Σ xp_spent of PENDING/APPROVED redemptions, lifetime =
Σ positive amounts, rank = highest threshold reached by lifetime.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import label
from lms.models import (
    Certificate,
    ChatMessage,
    Group,
    Membership,
    Module,
    RewardRedemption,
    Tenant,
    User,
    UserGroup,
    UserXpBalance,
    XpTransaction,
)
from lms.models.enums import (
    AuditAction,
    Difficulty,
    NotificationType,
    RedemptionStatus,
    ReputationRank,
    XpSourceType,
)
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore, insert_select_or_ignore
from lms.permissions import can_submit
from lms.services import paging
from lms.services.audit import audit
from lms.services.notifications import notify
from lms.services.paging import Page
from lms.tenancy import current_tenant_id, unscoped

# DESIGN.md: XP and ranks. A tenant may override any of them in Tenant.settings["xp"], e.g.
# {"xp": {"module_completed": {"BEGINNER": 120}, "quiz_high_score": 40}}.
DEFAULT_AMOUNTS: dict[str, Any] = {
    "module_completed": {
        Difficulty.BEGINNER.name: 100,
        Difficulty.INTERMEDIATE.name: 150,
        Difficulty.ADVANCED.name: 200,
    },
    "quiz_high_score": 50,
    "mentor_confirmation": 30,
    "top_suggestion": 200,
    "compliance_renewal": 100,
}
QUIZ_HIGH_SCORE = 90.0
RANKS = sorted(ReputationRank, key=lambda rank: rank.threshold)
HISTORY_PAGE_SIZE = 20
LEADERBOARD_SIZE = 50
PERIODS = ("all", "month")
# Money-like counters that only the rewards store changes besides this module.
SPENDING = (RedemptionStatus.PENDING, RedemptionStatus.APPROVED)


class XpError(LmsError):
    """An XP change that the rules refuse."""


class NotEnoughXP(XpError):
    """A deduction would take the spendable balance below zero."""


class InvalidAdjustment(XpError):
    """A manual adjustment without an amount or a reason, or for someone who cannot earn XP."""


# --- Amounts and ranks ---------------------------------------------------------------------


def amount_for(setting: str, key: str | None = None) -> int:
    """The XP an award is worth in the current tenant: its override in settings, else the default."""
    tenant = db.session.get(Tenant, current_tenant_id())
    overrides = ((tenant.settings or {}) if tenant is not None else {}).get("xp") or {}
    value = overrides.get(setting, DEFAULT_AMOUNTS[setting])
    if key is not None:
        value = value.get(key, DEFAULT_AMOUNTS[setting][key]) if isinstance(value, dict) else value
    return int(value)


def rank_for(lifetime_xp: int) -> ReputationRank:
    """The highest rank whose threshold ``lifetime_xp`` reaches."""
    return [rank for rank in RANKS if lifetime_xp >= rank.threshold][-1]


def rank_clause(lifetime: sa.ColumnElement[int]) -> sa.ColumnElement[Any]:
    """``rank_for`` in SQL, so an UPDATE sets the rank from the lifetime XP it writes."""
    whens = [(lifetime >= rank.threshold, rank.name) for rank in reversed(RANKS[1:])]
    return sa.case(*whens, else_=RANKS[0].name)


def next_rank(rank: ReputationRank) -> ReputationRank | None:
    index = RANKS.index(rank)
    return RANKS[index + 1] if index + 1 < len(RANKS) else None


# --- Awards ----------------------------------------------------------------------------------


def ensure_balance(user_id: int) -> None:
    """The user's balance row in the current tenant exists (INSERT … ON CONFLICT DO NOTHING)."""
    now = utcnow()
    insert_or_ignore(
        UserXpBalance,
        {
            "tenant_id": current_tenant_id(),
            "user_id": user_id,
            "total_xp": 0,
            "lifetime_xp": 0,
            "rank": RANKS[0],
            "created_at": now,
            "updated_at": now,
        },
        conflict=["user_id", "tenant_id"],
    )


def may_earn(user_id: int) -> bool:
    """Active members earn XP; VIEWER earns nothing (DESIGN.md: roles), nor does a non-member."""
    role = db.session.scalar(sa.select(Membership.role).where(Membership.user_id == user_id, Membership.is_active))
    return can_submit(role)


def award(
    user_id: int,
    source: XpSourceType,
    source_entity_id: str | None,
    amount: int,
    reason: str | None = None,
    *,
    actor_id: int | None = None,
) -> bool:
    """Give (or, for MANUAL, take) ``amount`` XP once per source entity; True when this call did.

    Raises NotEnoughXP for a deduction below zero (nothing is written then). The caller
    commits; the XP_EARNED notification and a rank-up notice go with the same transaction.
    """
    if amount == 0 or not may_earn(user_id):
        return False
    # A deduction runs in a savepoint: refused, it leaves no ledger row behind.
    with db.session.begin_nested() if amount < 0 else nullcontext():
        now = utcnow()
        inserted = insert_or_ignore(
            XpTransaction,
            {
                "tenant_id": current_tenant_id(),
                "user_id": user_id,
                "amount": amount,
                "source": source,
                "source_entity_id": source_entity_id,
                "reason": reason,
                "created_by_id": actor_id,
                "created_at": now,
                "updated_at": now,
            },
            conflict=["tenant_id", "user_id", "source", "source_entity_id"],
        )
        if not inserted:
            return False
        ensure_balance(user_id)
        gained = max(amount, 0)
        new_lifetime = UserXpBalance.lifetime_xp + gained
        row = db.session.execute(
            sa.update(UserXpBalance)
            .where(UserXpBalance.user_id == user_id, UserXpBalance.total_xp + amount >= 0)
            .values(
                total_xp=UserXpBalance.total_xp + amount,
                lifetime_xp=new_lifetime,
                rank=rank_clause(new_lifetime),
                updated_at=now,
            )
            .returning(UserXpBalance.lifetime_xp)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:
            raise NotEnoughXP(_l("This would take the XP balance below zero."))
    _notify_award(user_id, amount, reason)
    before, after = rank_for(row.lifetime_xp - gained), rank_for(row.lifetime_xp)
    if after is not before:
        notify(
            user_id,
            NotificationType.XP_EARNED,
            _("New rank: %(rank)s", rank=label(after)),
            _("You have reached %(xp)d lifetime XP.", xp=after.threshold),
            link="/xp",
            dedup_key=f"xp-rank:{user_id}:{after.name}",
        )
    return True


def _notify_award(user_id: int, amount: int, reason: str | None) -> None:
    if amount > 0:
        title = _("You earned %(amount)d XP", amount=amount)
    else:
        title = _("%(amount)d XP were deducted", amount=-amount)
    notify(user_id, NotificationType.XP_EARNED, title, reason or "", link="/xp")


def adjust(user_id: int, amount: int, reason: str, actor_id: int | None, *, key: str | None = None) -> bool:
    """A manual ±N with a required reason, audited as XP_ADJUSTED; False for a repeated ``key``.

    ``key`` (the admin form's hidden uuid) makes a double submit harmless; without it each
    call is a new adjustment. Raises InvalidAdjustment or NotEnoughXP (nothing written).
    """
    reason = (reason or "").strip()
    if amount == 0:
        raise InvalidAdjustment(_l("Give a number of XP other than zero."))
    if not reason:
        raise InvalidAdjustment(_l("Give a reason."))
    if not may_earn(user_id):
        raise InvalidAdjustment(_l("This person does not take part in XP (a viewer or not an active member)."))
    key = key or uuid.uuid4().hex
    if not award(user_id, XpSourceType.MANUAL, key, amount, reason, actor_id=actor_id):
        return False
    audit(
        AuditAction.XP_ADJUSTED,
        entity_type="user",
        entity_id=user_id,
        actor_id=actor_id,
        amount=amount,
        reason=reason,
        key=key,
    )
    return True


def award_completion(user_id: int, module: Module, certificate: Certificate, *, renewal: bool) -> bool:
    """XP of a completion: COMPLIANCE_RENEWAL per renewed certificate, else MODULE_COMPLETED once per module.

    Keying MODULE_COMPLETED by the module (not the certificate) means a revoked and
    re-earned certificate does not pay twice (DESIGN.md: XP and ranks).
    """
    if renewal:
        return award(
            user_id,
            XpSourceType.COMPLIANCE_RENEWAL,
            str(certificate.id),
            amount_for("compliance_renewal"),
            module.title,
        )
    amount = amount_for("module_completed", module.difficulty.name)
    return award(user_id, XpSourceType.MODULE_COMPLETED, str(module.id), amount, module.title)


def award_quiz_score(user_id: int, quiz_id: int, quiz_title: str, score: float | None) -> bool:
    """QUIZ_HIGH_SCORE once per quiz for a score of at least 90 %."""
    if score is None or score < QUIZ_HIGH_SCORE:
        return False
    return award(user_id, XpSourceType.QUIZ_HIGH_SCORE, str(quiz_id), amount_for("quiz_high_score"), quiz_title)


def award_confirmed_answer(message: ChatMessage) -> bool:
    """MENTOR_CONFIRMATION once per chat answer a mentor confirms (the chat's hook, issue 7)."""
    if message.user_id is None:
        return False
    return award(message.user_id, XpSourceType.MENTOR_CONFIRMATION, str(message.id), amount_for("mentor_confirmation"))


# --- The learner's pages --------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    total_xp: int
    lifetime_xp: int
    rank: ReputationRank
    next_rank: ReputationRank | None

    @property
    def progress(self) -> int:
        """Percent of the way from this rank's threshold to the next one's (100 at the top)."""
        if self.next_rank is None:
            return 100
        span = self.next_rank.threshold - self.rank.threshold
        return min(100, (self.lifetime_xp - self.rank.threshold) * 100 // span)

    @property
    def to_next(self) -> int:
        return 0 if self.next_rank is None else self.next_rank.threshold - self.lifetime_xp


def standing(user_id: int) -> Standing:
    balance = db.session.scalar(sa.select(UserXpBalance).where(UserXpBalance.user_id == user_id))
    total, lifetime = (balance.total_xp, balance.lifetime_xp) if balance is not None else (0, 0)
    rank = rank_for(lifetime)
    return Standing(total, lifetime, rank, next_rank(rank))


def history(user_id: int, page: int = 1, per_page: int = HISTORY_PAGE_SIZE) -> Page[XpTransaction]:
    """One page of the user's ledger, newest first (one query)."""
    return paging.page_of(
        sa.select(XpTransaction)
        .where(XpTransaction.user_id == user_id)
        .order_by(XpTransaction.created_at.desc(), XpTransaction.id.desc()),
        page,
        per_page,
    )


@dataclass(frozen=True)
class BoardRow:
    position: int
    user_id: int
    name: str
    xp: int
    rank: ReputationRank


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    me: BoardRow | None

    @property
    def me_outside(self) -> bool:
        return self.me is not None and all(row.user_id != self.me.user_id for row in self.rows)


def group_choices() -> list[tuple[str, str]]:
    """The tenant's groups for the leaderboard filter, by name."""
    return [
        (str(group_id), name)
        for group_id, name in db.session.execute(sa.select(Group.id, Group.name).order_by(Group.name))
    ]


def month_start(timezone: str, now: datetime) -> datetime:
    """The start of the current calendar month in the tenant's time zone, as a UTC-aware datetime."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(ZoneInfo("UTC"))


def leaderboard(
    user_id: int, *, group_id: int | None = None, period: str = "all", limit: int = LEADERBOARD_SIZE
) -> Board:
    """The tenant's top ``limit`` by lifetime XP (or XP earned this month), and the user's own row.

    One query whatever the tenant size: the scores are ranked with window functions and
    only the top rows plus the user's own come back. Ties share a position (RANK()).
    """
    if period == "month":
        tenant = db.session.get(Tenant, current_tenant_id())
        since = month_start(tenant.timezone or "UTC", utcnow())
        scores = (
            sa.select(XpTransaction.user_id.label("user_id"), sa.func.sum(XpTransaction.amount).label("xp"))
            .where(XpTransaction.amount > 0, XpTransaction.created_at >= since)
            .group_by(XpTransaction.user_id)
        )
    else:
        scores = sa.select(UserXpBalance.user_id.label("user_id"), UserXpBalance.lifetime_xp.label("xp")).where(
            UserXpBalance.lifetime_xp > 0
        )
    scores = scores.join(Membership, Membership.user_id == scores.selected_columns.user_id).where(Membership.is_active)
    if group_id is not None:
        scores = scores.join(
            UserGroup,
            sa.and_(UserGroup.user_id == scores.selected_columns.user_id, UserGroup.group_id == group_id),
        )
    scored = scores.subquery("scores")
    order = (scored.c.xp.desc(),)
    ranked = sa.select(
        scored.c.user_id,
        scored.c.xp,
        sa.func.rank().over(order_by=order).label("position"),
        sa.func.row_number().over(order_by=(*order, scored.c.user_id)).label("row_number"),
    ).subquery("ranked")
    rows = db.session.execute(
        sa.select(ranked.c.position, ranked.c.user_id, User.name, User.email, ranked.c.xp, UserXpBalance.lifetime_xp)
        .join(User, User.id == ranked.c.user_id)
        .outerjoin(UserXpBalance, UserXpBalance.user_id == ranked.c.user_id)
        .where(sa.or_(ranked.c.row_number <= limit, ranked.c.user_id == user_id))
        .order_by(ranked.c.row_number)
    ).all()
    board = [
        BoardRow(row.position, row.user_id, row.name or row.email, row.xp, rank_for(row.lifetime_xp or 0))
        for row in rows
    ]
    # Ordered by row number: the first ``limit`` rows are the top, the user's own may follow.
    return Board(board[:limit], next((row for row in board if row.user_id == user_id), None))


# --- Rebuild --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    tenant_id: int
    user_id: int
    stored: tuple[int, int, str] | None
    expected: tuple[int, int, str]


def _expected(tenant_id: int | None) -> tuple[sa.Subquery, sa.ColumnElement[bool]]:
    """Per (tenant, user): total and lifetime XP as the ledger and the redemptions say."""

    def scoped(model: Any) -> sa.ColumnElement[bool]:
        return sa.true() if tenant_id is None else model.tenant_id == tenant_id

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


def rebuild(tenant_id: int | None = None, *, check: bool = False) -> list[Difference]:
    """Compare (and unless ``check``, correct) every balance against the ledger; the differences found.

    Operator work across tenants (``flask lms xp-rebuild``), so it runs unscoped with its
    own tenant filter. Set-based: one query finds the differences, one INSERT … SELECT
    adds missing balance rows and one UPDATE corrects the rest. The caller commits.
    """
    with unscoped("xp rebuild"):
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
        if check or not differences:
            return differences
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
