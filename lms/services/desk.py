"""HR's desk: what needs someone today, as counts on the admin home (issue 13, item 8).

Each count is what its screen lists when opened with the desk's filter, so a number and
the list behind its link agree:
- **overdue learners**: active members with at least one assigned module past its due
  date (``deadlines.assigned``) and no standing certificate of it — the progress
  report's "overdue" (a standing certificate, even an expired one, puts a module in
  "completed", "certified" or "expired" first);
- **certificates expiring this month**: standing certificates (``compliance_report.standing``)
  of published modules, held by active members, that expire from now to the end of the
  current calendar month in the company's time zone;
- **redemptions waiting** (PENDING), **suggestions waiting for a decision** (OPEN) and
  **radar posts waiting** (PENDING);
- **failed jobs**: what the Jobs screen lists (``operations.overview``), read from Redis.

People counts keep to the viewer's progress reach. Which counts a viewer gets is the
caller's choice (the cards whose screens they may open); all the database counts come in
one query however many are asked for.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo

import sqlalchemy as sa
from redis.exceptions import RedisError

from lms.extensions import db
from lms.models import (
    KnowledgeSuggestion,
    Membership,
    MentorRadarPost,
    Module,
    RewardRedemption,
    User,
)
from lms.models.enums import ModuleStatus, RadarPostStatus, RedemptionStatus, SuggestionStatus
from lms.permissions import Reach
from lms.services import operations
from lms.services.compliance_report import standing
from lms.services.deadlines import assigned


class Count(enum.StrEnum):
    OVERDUE = "overdue"
    EXPIRING = "expiring"
    REDEMPTIONS = "redemptions"
    SUGGESTIONS = "suggestions"
    RADAR_POSTS = "radar_posts"


def month_bounds(now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The first moment of ``now``'s calendar month in ``zone`` and of the month after it."""
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    following = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start, following


def _active(user_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """SQL: ``user_id`` is an active member of the current company."""
    members = (
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.is_active, User.is_active)
    )
    return user_id.in_(members)


def _within(reach: Reach, user_id: sa.ColumnElement[int]) -> list[sa.ColumnElement[bool]]:
    return [] if reach.everywhere else [user_id.in_(reach.people())]


def _overdue(reach: Reach, now: datetime) -> sa.ScalarSelect[int]:
    due = assigned()
    certificate = standing()
    return (
        sa.select(sa.func.count(sa.distinct(due.c.user_id)))
        .select_from(
            due.outerjoin(
                certificate,
                sa.and_(certificate.c.user_id == due.c.user_id, certificate.c.module_id == due.c.module_id),
            )
        )
        .where(
            due.c.due_at < now, certificate.c.user_id.is_(None), _active(due.c.user_id), *_within(reach, due.c.user_id)
        )
        .scalar_subquery()
    )


def _expiring(reach: Reach, now: datetime, zone: tzinfo) -> sa.ScalarSelect[int]:
    certificate = standing()
    _, month_end = month_bounds(now, zone)
    return (
        sa.select(sa.func.count())
        .select_from(certificate)
        .join(Module, Module.id == certificate.c.module_id)
        .where(
            Module.status == ModuleStatus.PUBLISHED,
            certificate.c.expires_at > now,
            certificate.c.expires_at < month_end,
            _active(certificate.c.user_id),
            *_within(reach, certificate.c.user_id),
        )
        .scalar_subquery()
    )


def _waiting(model: type, status: enum.Enum) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(model).where(model.status == status).scalar_subquery()


def counts(wanted: Collection[Count], reach: Reach, now: datetime, zone: tzinfo) -> dict[Count, int]:
    """The ``wanted`` database counts of the current company, in one query."""
    subqueries = {
        Count.OVERDUE: lambda: _overdue(reach, now),
        Count.EXPIRING: lambda: _expiring(reach, now, zone),
        Count.REDEMPTIONS: lambda: _waiting(RewardRedemption, RedemptionStatus.PENDING),
        Count.SUGGESTIONS: lambda: _waiting(KnowledgeSuggestion, SuggestionStatus.OPEN),
        Count.RADAR_POSTS: lambda: _waiting(MentorRadarPost, RadarPostStatus.PENDING),
    }
    keys = [key for key in Count if key in wanted]
    if not keys:
        return {}
    values = db.session.execute(sa.select(*(subqueries[key]() for key in keys))).one()
    return dict(zip(keys, values, strict=True))


def failed_jobs(tenant_id: int, all_tenants: bool) -> int | None:
    """How many failed jobs the Jobs screen lists for this operator; None when Redis cannot say.

    In the embedded mode (no Redis) jobs run inline and none is ever left failed: 0.
    """
    try:
        return len(operations.overview(tenant_id, all_tenants).failed)
    except RedisError:
        return None


@dataclass(frozen=True)
class Card:
    """A count on the desk as shown: ``count`` None when it cannot be known now (Redis is down)."""

    label: str
    count: int | None
    url: str
