"""The manager dashboard: how one group is doing with its training (issue 13, item 3).

A manager (VIEW_MANAGER_DASHBOARD, possibly narrowed by a grant's scope to some groups)
picks one of the groups within reach and sees, about the group's active members and the
published modules assigned to the group: the completion rate per module, who is overdue
(and by how many days), whose certificate expires within ``RENEWAL_WINDOW``, the quiz
pass rate, time spent and the self-assessment, and 12-week trends. "Send reminder"
notifies the overdue learners, at most once per learner, module and company day.

The words are those of every report (the shared rules of issue 13): a learner's newest
not-revoked certificate decides first ("standing"; an expired one still means the
learner did the module, so it is not overdue); otherwise an assignment whose due date
(``deadlines.assigned``: the earliest across the learner's groups) has passed is overdue.

Scale: a group may have 5,000 members on a company of 10,000 with a million section
completions. Everything is counted in SQL with GROUP BY over subqueries of the group's
members and modules; the page costs the same handful of queries for any group size, and
the overdue list is paged. Weeks are the company's (its time zone, Monday first): their
boundaries are computed here in UTC and the database only compares timestamps, which
PostgreSQL and SQLite do alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from lms.errors import LmsError
from lms.extensions import db
from lms.models import (
    Certificate,
    Group,
    Membership,
    Module,
    ModuleGroup,
    ModuleSelfAssessment,
    NotificationDedup,
    Quiz,
    QuizAttempt,
    Tenant,
    User,
    UserGroup,
    UserSession,
)
from lms.models.enums import AuditAction, ModuleStatus, NotificationType
from lms.permissions import OutOfReach, Reach
from lms.services import activity
from lms.services.audit import audit
from lms.services.certificates import RENEWAL_WINDOW, is_newest
from lms.services.deadlines import assigned
from lms.services.notifications import notify_about_modules

PAGE_SIZE = 50
TREND_WEEKS = 12


class GroupNotFound(LmsError):
    """No group of the current company has this id."""


class NothingThere(LmsError):
    """A page of a list beyond its end."""


# --- Who and what a group's figures are about -------------------------------------------------


def active_members(group_ids: Iterable[int] | None = None) -> sa.Select[tuple[int, int]]:
    """(group_id, user_id) of the active people (membership and account) in the groups (None: all)."""
    query = (
        sa.select(UserGroup.group_id, UserGroup.user_id)
        .join(Membership, Membership.user_id == UserGroup.user_id)
        .join(User, User.id == UserGroup.user_id)
        .where(Membership.is_active, User.is_active)
    )
    if group_ids is not None:
        query = query.where(UserGroup.group_id.in_(sorted(group_ids)))
    return query


def _placed(group_ids: Iterable[int] | None) -> sa.CTE:
    """``active_members`` read once, before the rest of a list's joins.

    MATERIALIZED keeps PostgreSQL from flattening it into the list's own eight-table join,
    whose join orders it otherwise weighs for longer (120 ms on the bulk tenant) than the
    list takes to read (1 ms); a group's few hundred people are cheap to hold.
    """
    return active_members(group_ids).cte("placed").prefix_with("MATERIALIZED")


def _members_of(group_id: int) -> sa.Select[tuple[int]]:
    return active_members([group_id]).with_only_columns(UserGroup.user_id)


def _modules_of(group_id: int) -> sa.Select[tuple[int]]:
    """The published modules assigned to the group: drafts and archived ones ask nothing of anyone."""
    return (
        sa.select(ModuleGroup.module_id)
        .join(Module, Module.id == ModuleGroup.module_id)
        .where(ModuleGroup.group_id == group_id, Module.status == ModuleStatus.PUBLISHED)
    )


def _standing() -> tuple[sa.ColumnElement[bool], ...]:
    """The certificate that decides a learner's status for a module: the newest, if not revoked."""
    return Certificate.revoked_at.is_(None), is_newest()


def overdue_rows(now: datetime, group_ids: Iterable[int] | None = None) -> sa.Select[tuple]:
    """(group_id, user_id, name, email, module_id, title, due_at) of every overdue assignment of the
    groups' active members on the groups' published modules (None: every group).

    A learner in two groups that share a module appears once per group; callers looking at
    several groups merge by (user_id, module_id).
    """
    placed = _placed(group_ids)
    due = assigned(people=None if group_ids is None else sa.select(placed.c.user_id))
    return (
        sa.select(
            placed.c.group_id,
            due.c.user_id,
            User.name,
            User.email,
            due.c.module_id,
            Module.title,
            due.c.due_at,
        )
        .join(placed, placed.c.user_id == due.c.user_id)
        .join(
            ModuleGroup,
            sa.and_(ModuleGroup.group_id == placed.c.group_id, ModuleGroup.module_id == due.c.module_id),
        )
        .join(User, User.id == due.c.user_id)
        .join(Module, Module.id == due.c.module_id)
        .where(
            due.c.due_at < now,
            Module.status == ModuleStatus.PUBLISHED,
            ~sa.select(Certificate.id)
            .where(Certificate.user_id == due.c.user_id, Certificate.module_id == due.c.module_id, *_standing())
            .exists(),
        )
    )


def expiring_rows(now: datetime, group_ids: Iterable[int] | None = None) -> sa.Select[tuple]:
    """(group_id, user_id, name, email, module_id, title, expires_at) of the standing certificates of
    the groups' active members on the groups' modules that expire within ``RENEWAL_WINDOW``."""
    placed = _placed(group_ids)
    return (
        sa.select(
            placed.c.group_id,
            Certificate.user_id,
            User.name,
            User.email,
            Certificate.module_id,
            Module.title,
            Certificate.expires_at,
        )
        .join(placed, placed.c.user_id == Certificate.user_id)
        .join(
            ModuleGroup,
            sa.and_(ModuleGroup.group_id == placed.c.group_id, ModuleGroup.module_id == Certificate.module_id),
        )
        .join(User, User.id == Certificate.user_id)
        .join(Module, Module.id == Certificate.module_id)
        .where(
            *_standing(),
            Module.status == ModuleStatus.PUBLISHED,
            Certificate.expires_at > now,
            Certificate.expires_at <= now + RENEWAL_WINDOW,
        )
    )


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past the due date, at least 1 (the shared status rule of the reports)."""
    return max((now - due_at).days, 1)


# --- The group picker -------------------------------------------------------------------------


def groups_within(reach: Reach) -> list[Group]:
    """The company's groups the manager reaches, by name: the picker (one query)."""
    return list(db.session.scalars(reach.narrow_groups(sa.select(Group), Group.id).order_by(Group.name, Group.id)))


def group_for(group_id: int, reach: Reach) -> Group:
    """The group a manager asked for: GroupNotFound when the company has none with this id
    (another company's is none: a 404), OutOfReach when a scoped grant does not name it (a 403)."""
    group = db.session.scalar(sa.select(Group).where(Group.id == group_id))
    if group is None:
        raise GroupNotFound(group_id)
    if not reach.everywhere and group_id not in (reach.group_ids or ()):
        raise OutOfReach(_("You may see the dashboard of your own groups only."))
    return group


# --- The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleFigures:
    """One assigned module of the group."""

    module_id: int
    title: str
    certified: int
    members: int
    quiz_attempts: int
    quiz_passed: int
    quiz_learners: int
    rating: float | None
    ratings: int

    @property
    def completion_rate(self) -> int | None:
        """Members holding a standing certificate, in whole per cent (None: the group is empty)."""
        return round(100 * self.certified / self.members) if self.members else None


@dataclass(frozen=True)
class Overdue:
    user_id: int
    name: str
    email: str
    module_id: int
    module_title: str
    due_at: datetime
    days: int


@dataclass(frozen=True)
class Expiring:
    user_id: int
    name: str
    email: str
    module_id: int
    module_title: str
    expires_at: datetime


@dataclass(frozen=True)
class Week:
    """One company week of the trends, from its Monday."""

    start: date
    completions: int
    active_learners: int
    seconds: int


@dataclass(frozen=True)
class GroupDashboard:
    group: Group
    members: int
    modules: list[ModuleFigures]
    overdue: list[Overdue]
    overdue_assignments: int
    overdue_learners: int
    page: int
    pages: int
    expiring: list[Expiring]
    expiring_total: int
    weeks: list[Week]

    @property
    def quiz_pass_rate(self) -> int | None:
        """Passed submitted attempts / submitted attempts, in whole per cent (None: nobody tried)."""
        attempts = sum(module.quiz_attempts for module in self.modules)
        return round(100 * sum(module.quiz_passed for module in self.modules) / attempts) if attempts else None

    @property
    def attempts_per_learner(self) -> float | None:
        """Submitted attempts per learner who tried a quiz, counted per quiz."""
        learners = sum(module.quiz_learners for module in self.modules)
        return sum(module.quiz_attempts for module in self.modules) / learners if learners else None

    @property
    def seconds_spent(self) -> int:
        """Time in the learner pages over the trend's weeks."""
        return sum(week.seconds for week in self.weeks)


def week_starts(now: datetime, timezone: str, weeks: int = TREND_WEEKS) -> list[datetime]:
    """``weeks + 1`` moments (UTC-comparable, aware): the company's Mondays at midnight from
    ``weeks - 1`` weeks before the current week to the Monday after it."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    return [datetime.combine(first + timedelta(weeks=index), time(), zone) for index in range(weeks + 1)]


def _week_of(column: sa.ColumnElement[datetime], bounds: Sequence[datetime]) -> sa.ColumnElement[int]:
    """The index of the week ``column`` falls in (rows outside the weeks are filtered out by ``_in_weeks``)."""
    return sa.case(*((column < bound, index) for index, bound in enumerate(bounds[1:-1])), else_=len(bounds) - 2)


def _in_weeks(column: sa.ColumnElement[datetime], bounds: Sequence[datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(column >= bounds[0], column < bounds[-1])


def _module_figures(group_id: int, members: int) -> list[ModuleFigures]:
    """Per assigned module: certified members, quiz attempts of members, self-assessment; one query."""
    people = _members_of(group_id)
    certified = (
        sa.select(Certificate.module_id, sa.func.count(Certificate.id).label("certified"))
        .where(Certificate.user_id.in_(people), *_standing())
        .group_by(Certificate.module_id)
        .subquery()
    )
    submitted = QuizAttempt.submitted_at.is_not(None)
    quizzes = (
        sa.select(
            Quiz.module_id,
            sa.func.count(QuizAttempt.id).label("attempts"),
            sa.func.sum(sa.case((QuizAttempt.passed, 1), else_=0)).label("passed"),
            sa.func.count(sa.distinct(QuizAttempt.user_id)).label("learners"),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id.in_(people), submitted)
        .group_by(Quiz.module_id)
        .subquery()
    )
    ratings = (
        sa.select(
            ModuleSelfAssessment.module_id,
            sa.func.avg(ModuleSelfAssessment.rating).label("rating"),
            sa.func.count(ModuleSelfAssessment.id).label("ratings"),
        )
        .where(ModuleSelfAssessment.user_id.in_(people))
        .group_by(ModuleSelfAssessment.module_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Module.id,
            Module.title,
            sa.func.coalesce(certified.c.certified, 0),
            sa.func.coalesce(quizzes.c.attempts, 0),
            sa.func.coalesce(quizzes.c.passed, 0),
            sa.func.coalesce(quizzes.c.learners, 0),
            ratings.c.rating,
            sa.func.coalesce(ratings.c.ratings, 0),
        )
        .join(ModuleGroup, ModuleGroup.module_id == Module.id)
        .outerjoin(certified, certified.c.module_id == Module.id)
        .outerjoin(quizzes, quizzes.c.module_id == Module.id)
        .outerjoin(ratings, ratings.c.module_id == Module.id)
        .where(ModuleGroup.group_id == group_id, Module.status == ModuleStatus.PUBLISHED)
        .order_by(Module.title, Module.id)
    ).all()
    return [
        ModuleFigures(
            module_id=row[0],
            title=row[1],
            certified=int(row[2]),
            members=members,
            quiz_attempts=int(row[3]),
            quiz_passed=int(row[4]),
            quiz_learners=int(row[5]),
            rating=None if row[6] is None else float(row[6]),
            ratings=int(row[7]),
        )
        for row in rows
    ]


def _weeks(group_id: int, bounds: Sequence[datetime], timezone: str) -> list[Week]:
    """Completions, active learners and time spent per company week; three queries.

    Active learners are analytics' rule (``services/activity.py``: a session, a section or
    a quiz attempt in the week), read from its weekly rollup for the closed weeks.
    """
    people = _members_of(group_id)
    completions = dict(
        db.session.execute(
            sa.select(_week_of(Certificate.completed_at, bounds), sa.func.count(Certificate.id))
            .where(
                Certificate.user_id.in_(people),
                Certificate.module_id.in_(_modules_of(group_id)),
                Certificate.revoked_at.is_(None),
                _in_weeks(Certificate.completed_at, bounds),
            )
            .group_by(sa.literal_column("1"))
        ).all()
    )
    active = activity.active_counts(people, timezone, bounds[0].date(), len(bounds) - 1, 7)
    # The group's people drive the read (a join, not ``IN``): each person's sessions come from
    # the (tenant, user, start) index, instead of the company's whole window filtered afterwards.
    members = people.subquery("members")
    seconds = dict(
        db.session.execute(
            sa.select(_week_of(UserSession.started_at, bounds), sa.func.sum(UserSession.duration_seconds))
            .select_from(members)
            .join(UserSession, UserSession.user_id == members.c.user_id)
            .where(_in_weeks(UserSession.started_at, bounds))
            .group_by(sa.literal_column("1"))
        ).all()
    )
    return [
        Week(
            start=bounds[index].date(),
            completions=int(completions.get(index, 0)),
            active_learners=active[index],
            seconds=int(seconds.get(index) or 0),
        )
        for index in range(len(bounds) - 1)
    ]


def dashboard(group: Group, now: datetime, timezone: str, page: int = 1) -> GroupDashboard:
    """The figures of one group at ``now``; page ``page`` of its overdue learners.

    NothingThere for a page beyond the last (page 1 of an empty list is an empty page).
    A fixed number of queries, whatever the size of the group.
    """
    members = db.session.scalar(sa.select(sa.func.count()).select_from(_members_of(group.id).subquery()))
    overdue = overdue_rows(now, [group.id]).subquery()
    assignments, learners = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(overdue.c.user_id)))
    ).one()
    pages = max(1, -(-assignments // PAGE_SIZE))
    if page > pages:
        raise NothingThere(page)
    overdue_page = db.session.execute(
        sa.select(overdue)
        .order_by(overdue.c.due_at, overdue.c.name, overdue.c.user_id, overdue.c.title, overdue.c.module_id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    expiring = expiring_rows(now, [group.id]).add_columns(sa.func.count().over().label("total"))
    expiring_page = db.session.execute(
        expiring.order_by(Certificate.expires_at, User.name, User.id).limit(PAGE_SIZE)
    ).all()
    return GroupDashboard(
        group=group,
        members=members,
        modules=_module_figures(group.id, members),
        overdue=[
            Overdue(
                row.user_id, row.name, row.email, row.module_id, row.title, row.due_at, days_overdue(row.due_at, now)
            )
            for row in overdue_page
        ],
        overdue_assignments=assignments,
        overdue_learners=learners,
        page=page,
        pages=pages,
        expiring=[
            Expiring(row.user_id, row.name, row.email, row.module_id, row.title, row.expires_at)
            for row in expiring_page
        ],
        expiring_total=expiring_page[0].total if expiring_page else 0,
        weeks=_weeks(group.id, week_starts(now, timezone), timezone),
    )


# --- "Send reminder" --------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagerReminder:
    """A manager's nudge to one overdue learner about one module (a ``notifications.ModuleNotice``)."""

    user_id: int
    module_id: int
    module_title: str
    due_at: datetime
    dedup_key: str

    @property
    def type(self) -> NotificationType:
        return NotificationType.DEADLINE_REMINDER


def _reminder_texts(reminder: ManagerReminder, tenant: Tenant) -> tuple[str, str]:
    """Title and message in the company's language, the due date in its time zone."""
    day = format_date(reminder.due_at.astimezone(ZoneInfo(tenant.timezone)).date(), "medium")
    return (
        _("Reminder from your manager: %(module)s", module=reminder.module_title),
        _("%(module)s was due on %(date)s. Please finish it soon.", module=reminder.module_title, date=day),
    )


def send_reminders(tenant: Tenant, group: Group, now: datetime) -> int:
    """Remind the group's overdue learners now; how many learners were reminded. The caller commits.

    Each (learner, module) is reminded at most once per company day, whoever clicks and
    how often: the key ``manager-reminder:<user>:<module>:<local date>`` in NotificationDedup
    decides (its unique constraint, as for the reminder sweep). Keys already used are left
    out in SQL, so a second click builds nothing; when nothing is sent nothing is written,
    audit included.
    """
    day = now.astimezone(ZoneInfo(tenant.timezone)).date().isoformat()
    overdue = overdue_rows(now, [group.id]).subquery()
    key = (
        sa.literal("manager-reminder:")
        + sa.cast(overdue.c.user_id, sa.String)
        + sa.literal(":")
        + sa.cast(overdue.c.module_id, sa.String)
        + sa.literal(f":{day}")
    )
    rows = db.session.execute(
        sa.select(overdue.c.user_id, overdue.c.module_id, overdue.c.title, overdue.c.due_at, key)
        .where(~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == key).exists())
        .order_by(overdue.c.user_id, overdue.c.module_id)
    ).all()
    reminders = [ManagerReminder(*row) for row in rows]
    if not notify_about_modules(tenant, reminders, _reminder_texts):
        return 0
    learners = len({reminder.user_id for reminder in reminders})
    audit(
        AuditAction.RECORD_CREATED,
        entity_type="deadline_reminders",
        entity_id=group.id,
        group=group.name,
        learners=learners,
        reminders=len(reminders),
    )
    return learners
