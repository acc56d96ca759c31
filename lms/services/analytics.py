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

Days and weeks are the company's (its time zone, weeks from Monday), as
``services/activity.py`` keeps them: active learners are read from its nightly rollup and
only the days after it live, so the page does not count twelve weeks of raw rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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
)
from lms.models.enums import ModuleStatus
from lms.permissions import Reach
from lms.services import activity, quizzes
from lms.services.certificates import add_months
from lms.services.deadlines import sql_function

DAYS = 30
WEEKS = 12
USAGE_WINDOW = timedelta(days=90)
MEDIAN_MONTHS = 12
RANKED = 10  # most and least used modules shown
CHUNK = 1000  # quiz attempts read at a time

# Seconds from the second moment to the first.
_seconds_between = sql_function(
    "lms_seconds_between",
    sa.Float(),
    "((julianday({0}) - julianday({1})) * 86400.0)",
    "EXTRACT(EPOCH FROM ({0} - {1}))",
)


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


def _active_periods(reach: Reach, timezone: str, first: date, count: int, width: int) -> list[Period]:
    counts = activity.active_counts(learners(reach), timezone, first, count, width)
    return [Period(first + timedelta(days=index * width), learners) for index, learners in enumerate(counts)]


def active_per_day(reach: Reach, timezone: str, today: date, days: int = DAYS) -> list[Period]:
    """Distinct active learners on each of the last ``days`` days up to ``today``, oldest first."""
    return _active_periods(reach, timezone, today - timedelta(days=days - 1), days, 1)


def active_per_week(reach: Reach, timezone: str, today: date, weeks: int = WEEKS) -> list[Period]:
    """Distinct active learners in each of the last ``weeks`` weeks (Monday to Sunday), this one last."""
    monday = today - timedelta(days=today.weekday())
    return _active_periods(reach, timezone, monday - timedelta(weeks=weeks - 1), weeks, 7)


# --- Module usage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleUse:
    module_id: int
    title: str
    learners: int


def module_usage(reach: Reach, now: datetime) -> list[ModuleUse]:
    """Every published module with its distinct learners who opened it over ``USAGE_WINDOW``,
    most used first; modules nobody used are there with 0 (they matter most to HR).

    "Opened" is the reader's last access, kept per learner and module: completing a
    section or starting a quiz happens on the module's pages, which record it, so one
    indexed range over that table stands for all three and never reads the completions.
    """
    opened = (
        sa.select(UserModuleLastAccess.module_id, sa.func.count().label("learners"))
        .where(
            UserModuleLastAccess.accessed_at >= now - USAGE_WINDOW, UserModuleLastAccess.user_id.in_(learners(reach))
        )
        .group_by(UserModuleLastAccess.module_id)
        .subquery("opened")
    )
    count = sa.func.coalesce(opened.c.learners, 0)
    rows = db.session.execute(
        sa.select(Module.id, Module.title, count)
        .outerjoin(opened, opened.c.module_id == Module.id)
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
    """One question over the submitted attempts that asked it (``asked``: a quiz that draws N
    questions asks each in some attempts only): the share answering it right (0-100), and
    the wrong option chosen most often with its share (None when no one chose a wrong option)."""

    question: QuizQuestion
    asked: int
    correct_percent: float
    wrong_option: str | None
    wrong_percent: float


@dataclass(frozen=True)
class ItemAnalysis:
    attempts: int
    items: list[ItemResult]


def _submitted_answers(reach: Reach, quiz_id: int) -> Iterator[Any]:
    """(answers, drawn questions) of the quiz's submitted attempts, read ``CHUNK`` at a time."""
    query = (
        sa.select(QuizAttempt.answers, QuizAttempt.drawn_questions)
        .where(
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.submitted_at.is_not(None),
            QuizAttempt.user_id.in_(learners(reach)),
        )
        .order_by(QuizAttempt.id)
        .execution_options(yield_per=CHUNK)
    )
    yield from db.session.execute(query)  # rows unpack like tuples


def item_analysis(reach: Reach, quiz: Quiz) -> ItemAnalysis:
    """Each question's share of right answers and its most chosen wrong option (issue 13, item 4).

    Right and wrong are ``quizzes.grade``'s rule (a multiple choice counts only the exact
    set), over the questions each attempt asked (``quiz_draws``: an attempt that drew five
    of twenty says nothing of the other fifteen). The attempts counted are the submitted
    ones with answers: an attempt closed by the time limit before anything was answered
    says nothing about any question. Memory stays bounded by the quiz's questions and
    options, however many attempts.
    """
    questions = quizzes.questions_of(quiz)
    by_id = {question.id: question for question in questions}
    asked: Counter[int] = Counter()
    right: Counter[int] = Counter()
    wrong: dict[int, Counter[int]] = {question.id: Counter() for question in questions}
    attempts = 0
    for answers, drawn in _submitted_answers(reach, quiz.id):
        if not answers:
            continue
        attempts += 1
        shown = questions if drawn is None else [by_id[entry["id"]] for entry in drawn if entry["id"] in by_id]
        _score, results = quizzes.grade(shown, {int(key): value for key, value in answers.items()})
        for result in results:
            asked[result.question.id] += 1
            if result.right:
                right[result.question.id] += 1
            else:
                wrong[result.question.id].update(result.chosen - quizzes.correct_options(result.question))
    return ItemAnalysis(attempts, [_item(question, asked[question.id], right, wrong) for question in questions])


def _item(question: QuizQuestion, asked: int, right: Counter[int], wrong: dict[int, Counter[int]]) -> ItemResult:
    def percent(count: int) -> float:
        return 100 * count / asked if asked else 0.0

    chosen = [(count, -index) for index, count in wrong[question.id].items() if 0 <= index < len(question.options)]
    if not chosen:
        return ItemResult(question, asked, percent(right[question.id]), None, 0.0)
    count, negative_index = max(chosen)
    return ItemResult(
        question, asked, percent(right[question.id]), question.options[-negative_index]["text"], percent(count)
    )


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
