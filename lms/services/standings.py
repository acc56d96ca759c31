"""Where learners stand: one learner's XP, rank and ledger (the XP page), and everyone's (the leaderboard).

Read-only views of the ledger that ``services/xp.py`` writes (DESIGN.md: XP and ranks).
Each is a fixed number of queries whatever the tenant's size: the leaderboard reads its
top rows and counts the user's position through indexes, and brings back only the rows
it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Group, Membership, Tenant, User, UserGroup, UserXpBalance, XpMonth, XpTransaction
from lms.models.enums import ReputationRank
from lms.models.gamification import month_of
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

    One query at index speed whatever the tenant size (issue 12, item 2): the top rows are
    read in order from (tenant, lifetime_xp), or from this month's XpMonth rows through
    (tenant, month, earned); the user's position is one more than the number of learners
    with more XP, a counted range of the same index, not a ranking of everyone. Ties share
    a position (as RANK() would) and are listed by user id.
    """
    month = None
    if period == "month":
        month = month_of(utcnow(), db.session.get(Tenant, current_tenant_id()).timezone)
    top = _scores(month, group_id)
    top = sa.select(top).order_by(top.c.xp.desc(), top.c.user_id).limit(limit).subquery("top")
    ranked = sa.select(
        top.c.user_id,
        top.c.xp,
        sa.func.rank().over(order_by=top.c.xp.desc()).label("position"),
        sa.func.row_number().over(order_by=(top.c.xp.desc(), top.c.user_id)).label("row_number"),
    )
    mine, better = _scores(month, group_id), _scores(month, group_id)
    ahead = sa.select(sa.func.count()).select_from(better).where(better.c.xp > mine.c.xp).scalar_subquery()
    my_row = sa.select(mine.c.user_id, mine.c.xp, ahead + 1, sa.literal(limit + 1)).where(mine.c.user_id == user_id)
    board = sa.union_all(ranked, my_row).subquery("board")
    rows = db.session.execute(
        sa.select(board, User.name, User.email, UserXpBalance.lifetime_xp)
        .join(User, User.id == board.c.user_id)
        .outerjoin(UserXpBalance, UserXpBalance.user_id == board.c.user_id)
        .order_by(board.c.row_number)
    ).all()
    entries = [
        BoardRow(row.position, row.user_id, row.name or row.email, row.xp, rank_for(row.lifetime_xp or 0))
        for row in rows
    ]
    # The top rows are numbered 1..limit; the user's own, numbered limit + 1, comes last if they have XP.
    me = entries.pop() if rows and rows[-1].row_number > limit else None
    return Board(entries, me)


def _scores(month: date | None, group_id: int | None) -> sa.Subquery:
    """(user_id, xp) of the board's learners: active members with XP, in the group if one is chosen.

    A plain subquery (no grouping), so the database reads it straight from the index of
    its ``xp``: lifetime XP, or the month's XpMonth rows when ``month`` is given.
    """
    if month is None:
        scores = sa.select(UserXpBalance.user_id, UserXpBalance.lifetime_xp.label("xp"))
    else:
        scores = sa.select(XpMonth.user_id, XpMonth.earned.label("xp")).where(XpMonth.month == month)
    owner, xp = scores.selected_columns
    scores = scores.join(Membership, sa.and_(Membership.user_id == owner, Membership.is_active)).where(xp > 0)
    if group_id is not None:
        scores = scores.join(UserGroup, sa.and_(UserGroup.user_id == owner, UserGroup.group_id == group_id))
    return scores.subquery()
