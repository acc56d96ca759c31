"""Analytics for HR (issue 13, item 4): who learns, which modules are used, how long completing
takes, where learners stop, and which quiz questions mislead.

Every number counts the learners of the report (the shared rule of the reports): active
members of the company whose account is active, narrowed by the viewer's reach (a scoped
VIEW_ANALYTICS grant counts only its groups' people) and by a group filter, which the view
turns into a narrower ``Reach``. Each function is a fixed number of set-based queries
whatever the company's size: SQL filters, groups and counts; Python only shapes results
that are bounded by the calendar (30 days, 12 weeks), the catalogue (modules, sections) or
one quiz's questions. The one exception is item analysis, which streams one quiz's
submitted answers in chunks, because scoring an answer is ``quizzes.grade``'s rule and
must not be written a second time in SQL.

Days and weeks are the company's (its time zone, weeks from Monday). SQLite has no time
zones, so the local day of a moment is computed the same way on both databases: the
moment's UTC seconds plus the zone's offset in force then, divided by a day. The window
has at most a few offset changes (summer time), which become a short CASE.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.extensions import db
from lms.models import (
    Certificate,
    Membership,
    Module,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Section,
    SectionCompletion,
    User,
    UserModuleLastAccess,
    UserSession,
)
from lms.models.enums import ModuleStatus
from lms.permissions import Reach
from lms.services import quizzes
from lms.services.certificates import add_months
from lms.services.deadlines import sql_function

DAYS = 30
WEEKS = 12
USAGE_WINDOW = timedelta(days=90)
MEDIAN_MONTHS = 12
RANKED = 10  # most and least used modules shown
CHUNK = 1000  # quiz attempts read at a time

# Whole days since 1970-01-01 of a UTC moment shifted by an offset in seconds; SQLite keeps a
# UtcDateTime as naive UTC text (the first 19 characters are whole seconds).
_day_number = sql_function(
    "lms_day_number",
    sa.Integer(),
    "((CAST(strftime('%s', substr({0}, 1, 19)) AS INTEGER) + {1}) / 86400)",
    "CAST(FLOOR((date_part('epoch', {0}) + {1}) / 86400) AS INTEGER)",
)
# Seconds from the second moment to the first.
_seconds_between = sql_function(
    "lms_seconds_between",
    sa.Float(),
    "((julianday({0}) - julianday({1})) * 86400.0)",
    "EXTRACT(EPOCH FROM ({0} - {1}))",
)
_EPOCH = date(1970, 1, 1)


def learners(reach: Reach) -> sa.Select[tuple[int]]:
    """The ids of the report's learners: active members with an active account, inside ``reach``."""
    query = (
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.is_active, User.is_active)
    )
    return reach.narrow_people(query, Membership.user_id)


# --- Active learners ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A day or a week (from ``start``, in the company's zone) and its distinct active learners."""

    start: date
    learners: int


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _offset_at(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offset_changes(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The zone's offsets between two UTC moments: (from when, seconds), the first from ``start``.

    Checked hour by hour, then the change narrowed to the second; a window of twelve weeks
    is two thousand look-ups, well under a millisecond of the page.
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


def _local_day_number(column: Any, changes: Sequence[tuple[datetime, int]]) -> Any:
    """SQL: the day (since 1970-01-01, in the company's zone) of the moment in ``column``."""
    offset: Any = sa.literal(changes[-1][1])
    if len(changes) > 1:
        # Before each change the previous offset holds.
        offset = sa.case(
            *[(column < since, sa.literal(previous[1])) for previous, (since, _seconds) in pairwise(changes)],
            else_=sa.literal(changes[-1][1]),
        )
    return _day_number(column, offset)


def _activity(reach: Reach, start: datetime, end: datetime) -> sa.Subquery:
    """(user_id, at) of everything that shows a learner was there: a usage session's start
    and last ping, a section completed, a quiz attempt started or submitted."""
    people = learners(reach)
    # A session's last ping is found through its start (the indexed column): no visit lasts a day.
    recent_session = UserSession.started_at >= start - timedelta(days=1)
    sources = [
        (UserSession.user_id, UserSession.started_at, sa.true()),
        (UserSession.user_id, UserSession.last_ping_at, recent_session),
        (SectionCompletion.user_id, SectionCompletion.completed_at, sa.true()),
        (QuizAttempt.user_id, QuizAttempt.started_at, sa.true()),
        (QuizAttempt.user_id, QuizAttempt.submitted_at, QuizAttempt.started_at >= start - timedelta(days=1)),
    ]
    return sa.union_all(
        *[
            sa.select(user_id.label("user_id"), at.label("at")).where(
                at >= start, at < end, narrower, user_id.in_(people)
            )
            for user_id, at, narrower in sources
        ]
    ).subquery("activity")


def _active_periods(reach: Reach, zone: ZoneInfo, first: date, count: int, width: int) -> list[Period]:
    start, end = _midnight(first, zone), _midnight(first + timedelta(days=count * width), zone)
    activity = _activity(reach, start, end)
    first_number = (first - _EPOCH).days
    period = ((_local_day_number(activity.c.at, _offset_changes(start, end, zone)) - first_number) // width).label(
        "period"
    )
    # Distinct (period, learner) pairs first, then a count per period: two hash aggregates,
    # where COUNT(DISTINCT) would sort every activity row.
    pairs = sa.select(period, activity.c.user_id).group_by(period, activity.c.user_id).subquery("pairs")
    counts = dict(db.session.execute(sa.select(pairs.c.period, sa.func.count()).group_by(pairs.c.period)).all())
    return [Period(first + timedelta(days=index * width), counts.get(index, 0)) for index in range(count)]


def active_per_day(reach: Reach, timezone: str, today: date, days: int = DAYS) -> list[Period]:
    """Distinct active learners on each of the last ``days`` days up to ``today``, oldest first."""
    return _active_periods(reach, ZoneInfo(timezone), today - timedelta(days=days - 1), days, 1)


def active_per_week(reach: Reach, timezone: str, today: date, weeks: int = WEEKS) -> list[Period]:
    """Distinct active learners in each of the last ``weeks`` weeks (Monday to Sunday), this one last."""
    monday = today - timedelta(days=today.weekday())
    return _active_periods(reach, ZoneInfo(timezone), monday - timedelta(weeks=weeks - 1), weeks, 7)


# --- Module usage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleUse:
    module_id: int
    title: str
    learners: int


def module_usage(reach: Reach, now: datetime) -> list[ModuleUse]:
    """Every published module with its distinct learners active in it over ``USAGE_WINDOW``,
    most used first; modules nobody used are there with 0 (they matter most to HR)."""
    since = now - USAGE_WINDOW
    people = learners(reach)
    touches = sa.union_all(
        sa.select(SectionCompletion.user_id, SectionCompletion.module_id).where(
            SectionCompletion.completed_at >= since, SectionCompletion.user_id.in_(people)
        ),
        sa.select(QuizAttempt.user_id, Quiz.module_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.started_at >= since, QuizAttempt.user_id.in_(people)),
        sa.select(UserModuleLastAccess.user_id, UserModuleLastAccess.module_id).where(
            UserModuleLastAccess.accessed_at >= since, UserModuleLastAccess.user_id.in_(people)
        ),
    ).subquery("touches")
    pairs = (
        sa.select(touches.c.module_id, touches.c.user_id).group_by(touches.c.module_id, touches.c.user_id).subquery()
    )
    used = sa.select(pairs.c.module_id, sa.func.count().label("learners")).group_by(pairs.c.module_id).subquery("used")
    count = sa.func.coalesce(used.c.learners, 0)
    rows = db.session.execute(
        sa.select(Module.id, Module.title, count)
        .outerjoin(used, used.c.module_id == Module.id)
        .where(Module.status == ModuleStatus.PUBLISHED)
        .order_by(count.desc(), Module.title, Module.id)
    )
    return [ModuleUse(*row) for row in rows]


def most_used(uses: Sequence[ModuleUse]) -> list[ModuleUse]:
    return list(uses[:RANKED])


def least_used(uses: Sequence[ModuleUse]) -> list[ModuleUse]:
    """The ``RANKED`` least used, least first (ties by title, as the most used)."""
    return sorted(uses, key=lambda use: (use.learners, use.title, use.module_id))[:RANKED]


# --- Median time to complete ----------------------------------------------------------------


@dataclass(frozen=True)
class CompletionTime:
    module_id: int
    title: str
    completions: int
    median_seconds: float


def _durations(reach: Reach, now: datetime) -> sa.Subquery:
    """(module_id, seconds) per first certificate of the last ``MEDIAN_MONTHS``: from the
    learner's first step in the module (a section completed or a quiz attempt started) to
    the certificate's completion.

    Only a chain's first, not revoked certificate counts: a renewal's "start" would be the
    learning of years ago. A certificate with no recorded step (an override) has no start
    and is left out, as is one whose steps all came after it.
    """
    certificates = (
        sa.select(Certificate.id, Certificate.user_id, Certificate.module_id, Certificate.completed_at)
        .where(
            Certificate.completed_at >= add_months(now, -MEDIAN_MONTHS),
            Certificate.previous_certificate_id.is_(None),
            Certificate.revoked_at.is_(None),
            Certificate.user_id.in_(learners(reach)),
        )
        .cte("certificates")
    )
    # Joins and one GROUP BY, not a lookup per certificate: each step table is read once.
    steps = sa.union_all(
        sa.select(certificates.c.id, SectionCompletion.completed_at.label("at")).join(
            SectionCompletion,
            sa.and_(
                SectionCompletion.user_id == certificates.c.user_id,
                SectionCompletion.module_id == certificates.c.module_id,
            ),
        ),
        sa.select(certificates.c.id, QuizAttempt.started_at)
        .join(Quiz, Quiz.module_id == certificates.c.module_id)
        .join(QuizAttempt, sa.and_(QuizAttempt.quiz_id == Quiz.id, QuizAttempt.user_id == certificates.c.user_id)),
    ).subquery("steps")
    started = sa.select(steps.c.id, sa.func.min(steps.c.at).label("at")).group_by(steps.c.id).subquery("started")
    return (
        sa.select(
            certificates.c.module_id,
            _seconds_between(certificates.c.completed_at, started.c.at).label("seconds"),
        )
        .join(started, started.c.id == certificates.c.id)
        .where(started.c.at <= certificates.c.completed_at)
        .subquery("durations")
    )


def _median_per_module(durations: sa.Subquery) -> sa.Subquery:
    """(module_id, completions, median) in SQL: ``percentile_cont`` on PostgreSQL; on SQLite,
    which has no such aggregate, the mean of the middle one or two by rank (the same value)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return (
            sa.select(
                durations.c.module_id,
                sa.func.count().label("completions"),
                sa.func.percentile_cont(0.5).within_group(durations.c.seconds).label("median"),
            )
            .group_by(durations.c.module_id)
            .subquery("medians")
        )
    ranked = sa.select(
        durations.c.module_id,
        durations.c.seconds,
        sa.func.row_number().over(partition_by=durations.c.module_id, order_by=durations.c.seconds).label("rank"),
        sa.func.count().over(partition_by=durations.c.module_id).label("completions"),
    ).subquery("ranked")
    return (
        sa.select(
            ranked.c.module_id,
            sa.func.max(ranked.c.completions).label("completions"),
            sa.func.avg(ranked.c.seconds).label("median"),
        )
        .where(ranked.c.rank.in_([(ranked.c.completions + 1) // 2, (ranked.c.completions + 2) // 2]))
        .group_by(ranked.c.module_id)
        .subquery("medians")
    )


def completion_times(reach: Reach, now: datetime) -> list[CompletionTime]:
    """Per module completed in the last ``MEDIAN_MONTHS``, the median time from first step to
    certificate, and over how many completions; by module title."""
    medians = _median_per_module(_durations(reach, now))
    rows = db.session.execute(
        sa.select(Module.id, Module.title, medians.c.completions, medians.c.median)
        .join(medians, medians.c.module_id == Module.id)
        .order_by(Module.title, Module.id)
    )
    return [
        CompletionTime(module_id, title, completions, float(median)) for module_id, title, completions, median in rows
    ]


def duration_words(seconds: float) -> str:
    """A duration as HR reads it: "3 days 4 h", "5 h 20 min", "12 min" (the two largest units)."""
    minutes = max(round(seconds / 60), 1 if seconds > 0 else 0)  # a few seconds read as a minute
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        words = ngettext("%(num)d day", "%(num)d days", days)
        return _("%(days)s %(hours)d h", days=words, hours=hours) if hours else words
    if hours:
        return (
            _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes) if minutes else _("%(hours)d h", hours=hours)
        )
    return _("%(minutes)d min", minutes=minutes)


# --- Drop-off per section -------------------------------------------------------------------


@dataclass(frozen=True)
class SectionStep:
    """A section of a module in reading order: how many learners completed it, and how many
    stopped here (their furthest completed section, the module not completed)."""

    position: int
    title: str
    completed: int
    stopped: int


def drop_off(reach: Reach, module_id: int) -> list[SectionStep]:
    """The module's sections in order with completions and stops, in two queries."""
    people = learners(reach)
    sections = (
        sa.select(
            Section.id,
            Section.title,
            sa.func.row_number().over(order_by=(Section.sort_order, Section.id)).label("position"),
        )
        .where(Section.module_id == module_id)
        .subquery("sections")
    )
    completed = db.session.execute(
        sa.select(sections.c.position, sections.c.title, sa.func.count(SectionCompletion.id))
        .outerjoin(
            SectionCompletion,
            sa.and_(
                SectionCompletion.module_id == module_id,  # the module's rows through the index, not all
                SectionCompletion.section_id == sections.c.id,
                SectionCompletion.user_id.in_(people),
            ),
        )
        .group_by(sections.c.position, sections.c.title)
        .order_by(sections.c.position)
    ).all()
    holds_certificate = (
        sa.select(Certificate.id)
        .where(
            Certificate.user_id == SectionCompletion.user_id,
            Certificate.module_id == module_id,
            Certificate.revoked_at.is_(None),
        )
        .exists()
    )
    furthest = (
        sa.select(sa.func.max(sections.c.position).label("position"))
        .select_from(SectionCompletion)
        .join(sections, sections.c.id == SectionCompletion.section_id)
        .where(SectionCompletion.module_id == module_id, SectionCompletion.user_id.in_(people), ~holds_certificate)
        .group_by(SectionCompletion.user_id)
        .subquery("furthest")
    )
    stopped = dict(
        db.session.execute(sa.select(furthest.c.position, sa.func.count()).group_by(furthest.c.position)).all()
    )
    return [SectionStep(position, title, count, stopped.get(position, 0)) for position, title, count in completed]


# --- Item analysis --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    """One question over the submitted attempts: the share answering it right (0-100), and the
    wrong option chosen most often with its share (None when no one chose a wrong option)."""

    question: QuizQuestion
    correct_percent: float
    wrong_option: str | None
    wrong_percent: float


@dataclass(frozen=True)
class ItemAnalysis:
    attempts: int
    items: list[ItemResult]


def _submitted_answers(reach: Reach, quiz_id: int) -> Iterator[dict[str, Any]]:
    """The answers of the quiz's submitted attempts, read ``CHUNK`` at a time."""
    query = (
        sa.select(QuizAttempt.answers)
        .where(
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.submitted_at.is_not(None),
            QuizAttempt.user_id.in_(learners(reach)),
        )
        .order_by(QuizAttempt.id)
        .execution_options(yield_per=CHUNK)
    )
    yield from db.session.scalars(query)


def item_analysis(reach: Reach, quiz: Quiz) -> ItemAnalysis:
    """Each question's share of right answers and its most chosen wrong option (issue 13, item 4).

    Right and wrong are ``quizzes.grade``'s rule (a multiple choice counts only the exact
    set). The attempts counted are the submitted ones with answers: an attempt closed by
    the time limit before anything was answered says nothing about any question.
    Memory stays bounded by the quiz's questions and options, however many attempts.
    """
    questions = quizzes.questions_of(quiz)
    right: Counter[int] = Counter()
    wrong: dict[int, Counter[int]] = {question.id: Counter() for question in questions}
    attempts = 0
    for answers in _submitted_answers(reach, quiz.id):
        if not answers:
            continue
        attempts += 1
        _score, results = quizzes.grade(questions, {int(key): value for key, value in answers.items()})
        for result in results:
            if result.right:
                right[result.question.id] += 1
            else:
                wrong[result.question.id].update(result.chosen - quizzes.correct_options(result.question))
    return ItemAnalysis(attempts, [_item(question, right, wrong, attempts) for question in questions])


def _item(question: QuizQuestion, right: Counter[int], wrong: dict[int, Counter[int]], attempts: int) -> ItemResult:
    def percent(count: int) -> float:
        return 100 * count / attempts if attempts else 0.0

    chosen = [(count, -index) for index, count in wrong[question.id].items() if 0 <= index < len(question.options)]
    if not chosen:
        return ItemResult(question, percent(right[question.id]), None, 0.0)
    count, negative_index = max(chosen)
    return ItemResult(question, percent(right[question.id]), question.options[-negative_index]["text"], percent(count))


# --- Pickers --------------------------------------------------------------------------------


def modules_to_pick() -> list[tuple[int, str]]:
    """(id, title) of the company's modules for the drop-off picker, by title."""
    return [
        tuple(row) for row in db.session.execute(sa.select(Module.id, Module.title).order_by(Module.title, Module.id))
    ]


def quizzes_to_pick() -> list[tuple[int, str]]:
    """(id, "quiz — module") of the company's quizzes for the item analysis picker, by module."""
    rows = db.session.execute(
        sa.select(Quiz.id, Quiz.title, Module.title).join(Module, Module.id == Quiz.module_id).order_by(Module.title)
    )
    return [(quiz_id, f"{title} — {module}" if title else module) for quiz_id, title, module in rows]


def quiz_of_module(module_id: int) -> Quiz | None:
    return db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module_id))
