"""Where learners stand: one learner's XP, rank and ledger (the XP page), and everyone's (the leaderboard).

Read-only views of the ledger that ``services/xp.py`` writes (DESIGN.md: XP and ranks).
Each is a fixed number of queries whatever the tenant's size: the leaderboard ranks with
window functions in the database and brings back only the rows it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Group, Membership, Tenant, User, UserGroup, UserXpBalance, XpTransaction
from lms.models.enums import ReputationRank
from lms.models.types import utcnow
from lms.services import paging
from lms.services.paging import Page
from lms.services.ranks import next_rank, rank_for
from lms.tenancy import current_tenant_id

HISTORY_PAGE_SIZE = 20
LEADERBOARD_SIZE = 50
PERIODS = ("all", "month")


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
    return paging.newest_first(XpTransaction, user_id, page, per_page)


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
