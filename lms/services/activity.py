"""Who was active on which day of the company's calendar (issue 13: analytics at company scale).

A learner is active on a day when something shows they were there: a usage session
started or pinged, a section completed, a quiz attempt started or submitted. Counting
distinct learners per day and week straight from those tables reads every row of twelve
weeks (half a million completions on the bulk tenant, over a second); so a nightly job
rolls each closed day and week up into one ``ActivityPeriod`` row per learner, and
readers count the rolled-up periods from there and only the days after them (today, or everything when the
job has not run yet: the embedded mode, a new install) from the sources. A worker that
dies leaves the marker where it was, so the next run rolls up what is missing and the
pages read it live meanwhile: slower, never wrong.

Days are the company's (its time zone). SQLite has no time zones, so the local day of a
moment is computed the same way on both databases: the moment's UTC seconds plus the
zone's offset in force then, divided by a day. A window has at most a few offset
changes (summer time), which become a short CASE.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.extensions import db
from lms.jobs import job
from lms.models import ActivityPeriod, ActivityRollup, QuizAttempt, SectionCompletion, Tenant, UserSession
from lms.models.types import utcnow
from lms.models.upserts import insert_or_update, insert_select_or_ignore
from lms.services.deadlines import sql_function
from lms.tenancy import tenant_context

log = logging.getLogger(__name__)

KEPT_DAYS = 7 * 13  # analytics reads twelve weeks from a Monday and thirty days: under 90 days back

EPOCH = date(1970, 1, 1)

# Whole days since 1970-01-01 of a UTC moment shifted by an offset in seconds; SQLite keeps a
# UtcDateTime as naive UTC text (the first 19 characters are whole seconds).
_day_number = sql_function(
    "lms_day_number",
    sa.Integer(),
    "((CAST(strftime('%s', substr({0}, 1, 19)) AS INTEGER) + {1}) / 86400)",
    "CAST(FLOOR((date_part('epoch', {0}) + {1}) / 86400) AS INTEGER)",
)


def day_number(day: date) -> int:
    """The key of ``ActivityDay.day``: whole days since 1970-01-01."""
    return (day - EPOCH).days


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment a day of ``zone`` begins."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def local_today(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def _offset_at(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offset_changes(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The zone's offsets between two UTC moments: (from when, seconds), the first from ``start``.

    Checked hour by hour, then the change narrowed to the second; a window of thirteen
    weeks is two thousand look-ups, well under a millisecond.
    """
    changes = [(start, _offset_at(start, zone))]
    moment = start
    while moment < end:
        following = min(moment + timedelta(hours=1), end)
        if _offset_at(following, zone) != changes[-1][1]:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_at(middle, zone) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high, _offset_at(high, zone)))
        moment = following
    return changes


def local_day_number(column: Any, start: datetime, end: datetime, zone: ZoneInfo) -> Any:
    """SQL: the day number (in ``zone``) of the moment in ``column``, for moments in [start, end)."""
    changes: Sequence[tuple[datetime, int]] = _offset_changes(start, end, zone)
    offset: Any = sa.literal(changes[-1][1])
    if len(changes) > 1:
        # Before each change the previous offset holds.
        offset = sa.case(
            *[(column < since, sa.literal(previous[1])) for previous, (since, _seconds) in pairwise(changes)],
            else_=sa.literal(changes[-1][1]),
        )
    return _day_number(column, offset)


def _moments(start: datetime, end: datetime) -> sa.Subquery:
    """(user_id, at) of everything that shows someone was there in [start, end)."""
    # A session's last ping is found through its start (the indexed column): no visit lasts a day.
    sources = [
        (UserSession.user_id, UserSession.started_at, sa.true()),
        (UserSession.user_id, UserSession.last_ping_at, UserSession.started_at >= start - timedelta(days=1)),
        (SectionCompletion.user_id, SectionCompletion.completed_at, sa.true()),
        (QuizAttempt.user_id, QuizAttempt.started_at, sa.true()),
        (QuizAttempt.user_id, QuizAttempt.submitted_at, QuizAttempt.started_at >= start - timedelta(days=1)),
    ]
    return sa.union_all(
        *[
            sa.select(user_id.label("user_id"), at.label("at")).where(at >= start, at < end, narrower)
            for user_id, at, narrower in sources
        ]
    ).subquery("moments")


def _live(first: date, end: date, zone: ZoneInfo, people: sa.Select | None) -> sa.Select:
    """(day, user_id) of the days [first, end) read from the sources; a learner may repeat.

    ``people`` narrows the union once, not each of its five sources: one look-up table of
    the learners instead of five.
    """
    start, stop = midnight(first, zone), midnight(end, zone)
    moments = _moments(start, stop)
    live = sa.select(local_day_number(moments.c.at, start, stop, zone).label("day"), moments.c.user_id)
    return live if people is None else live.where(moments.c.user_id.in_(people))


def _rolled_through(timezone: str) -> int | None:
    """The last day number rolled up for the current company in its zone, if any."""
    marker = db.session.execute(sa.select(ActivityRollup.timezone, ActivityRollup.through)).first()
    return marker.through if marker is not None and marker.timezone == timezone else None


def _rolled(width: int, first: int, last: int, people: sa.Select) -> sa.Select:
    """(day, user_id): rolled-up periods of ``width`` starting on a day in [first, last], each pair once.

    A join from ``people`` (each learner once), not ``IN``: for a group of a few hundred the
    database then reads each one's rows through the per-learner index instead of the whole
    company's range; for everyone it still chooses the range.
    """
    learners = people.subquery("learners")
    return (
        sa.select(ActivityPeriod.start.label("day"), ActivityPeriod.user_id)
        .select_from(learners)
        .join(ActivityPeriod, ActivityPeriod.user_id == learners.c[0])
        .where(ActivityPeriod.width == width, ActivityPeriod.start >= first, ActivityPeriod.start <= last)
    )


def active_counts(people: sa.Select, timezone: str, first: date, count: int, width: int) -> list[int]:
    """Distinct learners of ``people`` active in each of ``count`` periods of ``width`` days (1 or 7,
    a week from ``first``, a Monday) of the company's calendar; one statement.

    Periods the rollup holds whole are counted from their rows (unique per learner, so a
    count of index entries); the rest — today, this week, or everything before the first
    rollup — from the rolled-up days and the live sources after them, made distinct.
    """
    zone, through = ZoneInfo(timezone), _rolled_through(timezone)
    origin, end = day_number(first), day_number(first) + count * width
    whole = 0 if through is None else max(0, min(count, (through + 1 - origin) // width))
    parts = []
    if whole:
        rolled = _rolled(width, origin, origin + (whole - 1) * width, people).subquery("rolled")
        period = ((rolled.c.day - origin) // width).label("period")
        parts.append(sa.select(period, sa.func.count().label("learners")).group_by(period))
    rest_from = origin + whole * width
    if rest_from < end:
        days = []
        if through is not None and through >= rest_from:
            days.append(_rolled(1, rest_from, through, people))
        live_from = rest_from if through is None else max(rest_from, through + 1)
        days.append(_live(EPOCH + timedelta(days=live_from), EPOCH + timedelta(days=end), zone, people))
        rest = sa.union_all(*days).subquery("rest")
        period = ((rest.c.day - origin) // width).label("period")
        pairs = sa.select(period, rest.c.user_id).group_by(period, rest.c.user_id).subquery("pairs")
        parts.append(sa.select(pairs.c.period, sa.func.count().label("learners")).group_by(pairs.c.period))
    counts = dict(db.session.execute(sa.union_all(*parts)).all())
    return [counts.get(index, 0) for index in range(count)]


def roll_up(tenant: Tenant, today: date) -> int:
    """Roll the company's closed days (before ``today``, its local date) of the kept window up
    into ``ActivityPeriod`` days, and its closed weeks into weeks; how many days were added.
    Run again, it adds nothing.

    Set-based: one INSERT … SELECT for the missing days, one for the weeks they close,
    one DELETE of periods that left the window. A zone change rolls everything up again.
    """
    kept_from = today - timedelta(days=KEPT_DAYS)
    kept_from -= timedelta(days=kept_from.weekday())  # from a Monday: the first week is whole
    marker = db.session.scalar(sa.select(ActivityRollup).with_for_update())
    if marker is not None and marker.timezone != tenant.timezone:
        db.session.execute(sa.delete(ActivityPeriod).execution_options(synchronize_session=False))
        marker = None
    db.session.execute(
        sa.delete(ActivityPeriod)
        .where(ActivityPeriod.start < day_number(kept_from))
        .execution_options(synchronize_session=False)
    )
    first = kept_from if marker is None else max(kept_from, EPOCH + timedelta(days=marker.through + 1))
    if first >= today:
        return 0
    columns = ["tenant_id", "width", "start", "user_id"]
    live = _live(first, today, ZoneInfo(tenant.timezone), None).subquery("live")
    days = sa.select(sa.literal(tenant.id), sa.literal(1), live.c.day, live.c.user_id).distinct()
    insert_select_or_ignore(ActivityPeriod, columns, days, columns)
    # Weeks (from Monday) that end by yesterday and were not whole before: from their day rows.
    monday = first - timedelta(days=first.weekday())
    closed = today - timedelta(days=today.weekday())  # this week's Monday: weeks before it are closed
    if monday < closed:
        week = (ActivityPeriod.start - (ActivityPeriod.start - day_number(monday)) % 7).label("week")
        weeks = (
            sa.select(sa.literal(tenant.id), sa.literal(7), week, ActivityPeriod.user_id)
            .where(
                ActivityPeriod.width == 1,
                ActivityPeriod.start >= day_number(monday),
                ActivityPeriod.start < day_number(closed),
            )
            .distinct()
        )
        insert_select_or_ignore(ActivityPeriod, columns, weeks, columns)
    insert_or_update(
        ActivityRollup,
        {"tenant_id": tenant.id, "timezone": tenant.timezone, "through": day_number(today) - 1},
        conflict=["tenant_id"],
        update=["timezone", "through"],
    )
    return (today - first).days


@job()
def tenant_activity_rollup(tenant_id: int) -> int:
    """One company's part of the nightly activity rollup (``services/schedule.py``); ``run_job`` commits."""
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        days = roll_up(tenant, local_today(tenant.timezone))
    log.info("activity rollup for tenant %s: %d days", tenant_id, days)
    return days
