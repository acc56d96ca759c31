"""The progress matrix and a learner's timeline (issue 13, item 1; the shared rules of the reports).

The learners of the report are the company's active members (active membership, active
account) inside the viewer's reach, narrowed by the filters. Each (learner, module) cell
has one status at ``now``, decided in this order:

1. the learner's newest certificate of the module, when it is not revoked (a revoked
   newest one means no standing certificate): no expiry → completed (on its date);
   expired → expired; else certified until its expiry, "expiring" inside
   ``RENEWAL_WINDOW``;
2. else assigned with a due date in the past → overdue by whole days (at least one);
3. else any section completed or a quiz attempt → in progress, n % of its sections;
4. else not started.

The rule is written twice, on purpose and side by side: ``cell_of`` decides a cell in
Python for the few pairs a page or an export chunk shows (fed by a fixed handful of
set-based queries), and ``_has_status`` says the same in SQL, so the status filter can
page learners in the database without loading the company. The tests hold the two
equal. Paging, sorting and counting happen in SQL; a page costs the same number of
queries for 3 learners as for 10,000.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import aliased

from lms.errors import LmsError
from lms.extensions import db
from lms.models import (
    Certificate,
    Group,
    Membership,
    Module,
    ModuleCategory,
    ModuleGroup,
    ModuleSelfAssessment,
    ProgressOverride,
    Quiz,
    QuizAttempt,
    Section,
    SectionCompletion,
    User,
    UserGroup,
    UserModuleLastAccess,
)
from lms.models.enums import ModuleStatus
from lms.permissions import Reach
from lms.services import deadlines
from lms.services.certificates import RENEWAL_WINDOW, STATUS_LABELS, is_newest, status_of
from lms.services.module_search import like_escaped
from lms.services.paging import Page

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"
CERTIFIED = "certified"
EXPIRED = "expired"
STATUSES = (NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETED, CERTIFIED, EXPIRED)
STATUS_NAMES = {
    NOT_STARTED: _l("Not started"),
    IN_PROGRESS: _l("In progress"),
    OVERDUE: _l("Overdue"),
    COMPLETED: _l("Completed"),
    CERTIFIED: _l("Certified"),
    EXPIRED: _l("Expired"),
}
SORTS = ("name", "-name", "email", "-email")
LEARNERS_PER_PAGE = 50
MODULES_PER_PAGE = 12
EXPORT_CHUNK = 200
TIMELINE_LIMIT = 200
SEARCH_MAX = 200


class FilterNotFound(LmsError):
    """A filter names a group, module or category that this company does not have (a 404)."""


class GroupOutOfReach(LmsError):
    """A group filter names a group outside the viewer's reach (a 403)."""


class LearnerNotFound(LmsError):
    """No learner of this report has the id: unknown, of another company or outside the reach (a 404)."""


@dataclass(frozen=True)
class Filters:
    """What the matrix and its export are narrowed to; ids are checked by ``check_filters``."""

    group_id: int | None = None
    module_id: int | None = None
    category_id: int | None = None
    mandatory: bool = False
    status: str | None = None
    search: str = ""
    sort: str = "name"


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Column:
    id: int
    title: str


@dataclass(frozen=True)
class Cell:
    """One learner's standing in one module: a key of ``STATUSES`` and what its words need."""

    status: str
    percent: int = 0
    days: int = 0
    at: datetime | None = None
    expiring: bool = False


@dataclass(frozen=True)
class Evidence:
    """What decides a cell, as the set-based queries found it."""

    completed_at: datetime | None = None  # of the standing certificate, if any
    expires_at: datetime | None = None
    certified: bool = False
    due_at: datetime | None = None
    sections_done: int = 0
    sections: int = 0
    attempted: bool = False


def cell_of(evidence: Evidence, now: datetime) -> Cell:
    """The status of a cell (the order of the module docstring)."""
    if evidence.certified:
        if evidence.expires_at is None:
            return Cell(COMPLETED, at=evidence.completed_at)
        if evidence.expires_at <= now:
            return Cell(EXPIRED, at=evidence.expires_at)
        return Cell(CERTIFIED, at=evidence.expires_at, expiring=evidence.expires_at <= now + RENEWAL_WINDOW)
    if evidence.due_at is not None and evidence.due_at < now:
        return Cell(OVERDUE, days=max((now - evidence.due_at).days, 1))
    if evidence.sections_done or evidence.attempted:
        percent = 100 * evidence.sections_done // evidence.sections if evidence.sections else 0
        return Cell(IN_PROGRESS, percent=min(percent, 100))
    return Cell(NOT_STARTED)


def words(cell: Cell, day: Callable[[datetime], str]) -> str:
    """A cell as HR reads it, on the page and in the export ("Overdue by 3 days"); ``day`` writes a date."""
    if cell.status == COMPLETED:
        return _("Completed %(date)s", date=day(cell.at))
    if cell.status == EXPIRED:
        return _("Expired %(date)s", date=day(cell.at))
    if cell.status == CERTIFIED:
        if cell.expiring:
            return _("Certified until %(date)s, expiring soon", date=day(cell.at))
        return _("Certified until %(date)s", date=day(cell.at))
    if cell.status == OVERDUE:
        return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", cell.days)
    if cell.status == IN_PROGRESS:
        return _("In progress %(percent)d %%", percent=cell.percent)
    return _("Not started")


# --- Filters -------------------------------------------------------------------------------


def check_filters(filters: Filters, reach: Reach) -> None:
    """The ids a filter names exist in this company, and a group lies inside ``reach``.

    Another company's id reads as no row at all (the tenancy hook): FilterNotFound, as for
    an id that never existed; a group of this company outside a scoped reach is
    GroupOutOfReach (the viewer may know it exists, but not look inside).
    """
    for model, row_id, what in (
        (Group, filters.group_id, _l("This group does not exist.")),
        (Module, filters.module_id, _l("This module does not exist.")),
        (ModuleCategory, filters.category_id, _l("This category does not exist.")),
    ):
        if row_id is not None and db.session.scalar(sa.select(model.id).where(model.id == row_id)) is None:
            raise FilterNotFound(what)
    if filters.group_id is not None and not reach.everywhere and filters.group_id not in (reach.group_ids or ()):
        raise GroupOutOfReach(_l("This group is outside the groups whose progress you may see."))


def _module_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    """The modules shown as columns: published ones matching the module, category and mandatory filters."""
    conditions: list[sa.ColumnElement[bool]] = [Module.status == ModuleStatus.PUBLISHED]
    if filters.module_id is not None:
        conditions.append(Module.id == filters.module_id)
    if filters.category_id is not None:
        conditions.append(Module.category_id == filters.category_id)
    if filters.mandatory:
        conditions.append(Module.id.in_(sa.select(ModuleGroup.module_id).where(ModuleGroup.is_mandatory)))
    return conditions


def module_columns(filters: Filters) -> sa.Select[Any]:
    """(id, title) of the shown modules, by title."""
    return sa.select(Module.id, Module.title).where(*_module_conditions(filters)).order_by(Module.title, Module.id)


@dataclass(frozen=True)
class Choices:
    """What the filter lists offer: the groups within reach, every category, the published modules."""

    groups: list[Any]
    categories: list[Any]
    modules: list[Any]


def choices(reach: Reach) -> Choices:
    """(id, name) rows for the filter lists; three queries, each bounded by the company's catalogue."""
    groups = reach.narrow_groups(sa.select(Group.id, Group.name), Group.id).order_by(Group.name, Group.id)
    categories = sa.select(ModuleCategory.id, ModuleCategory.name).order_by(
        ModuleCategory.sort_order, ModuleCategory.name
    )
    modules = module_columns(Filters())
    return Choices(*(db.session.execute(query).all() for query in (groups, categories, modules)))


def learners(reach: Reach, filters: Filters, now: datetime) -> sa.Select[Any]:
    """(id, name, email) of the report's learners matching ``filters``, unordered (the shared rules)."""
    query = (
        sa.select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.is_active, User.is_active)
    )
    query = reach.narrow_people(query, User.id)
    if filters.group_id is not None:
        query = query.where(User.id.in_(sa.select(UserGroup.user_id).where(UserGroup.group_id == filters.group_id)))
    if filters.search:
        like = f"%{like_escaped(filters.search)}%"
        query = query.where(sa.or_(User.name.ilike(like, escape="\\"), User.email.ilike(like, escape="\\")))
    if filters.status is not None:
        query = query.where(_has_status(User.id, filters, now))
    return query


def _ordered(query: sa.Select[Any], sort: str) -> sa.Select[Any]:
    column = User.email if sort.lstrip("-") == "email" else User.name
    if sort.startswith("-"):
        return query.order_by(column.desc(), User.id.desc())
    return query.order_by(column, User.id)


# --- The rule in SQL, for the status filter ------------------------------------------------


def _standing(user_id: Any, module_id: Any, *conditions: Any) -> sa.Exists:
    """The learner holds a standing certificate of the module: the newest of the chain, not revoked."""
    certificate = aliased(Certificate)
    return (
        sa.select(certificate.id)
        .where(
            certificate.user_id == user_id,
            certificate.module_id == module_id,
            certificate.revoked_at.is_(None),
            is_newest(certificate),
            *conditions,
        )
        .correlate_except(certificate)
        .exists()
    )


def _assigned(user_id: Any, module_id: Any, condition: Callable[[Any], Any]) -> sa.Exists:
    """The learner's assignment of the module (``deadlines.assigned``) meets ``condition(columns)``."""
    rows = deadlines.assigned()
    return (
        sa.select(rows.c.user_id)
        .where(rows.c.user_id == user_id, rows.c.module_id == module_id, condition(rows.c))
        .correlate_except(rows)
        .exists()
    )


def _has_status(user_id: Any, filters: Filters, now: datetime) -> sa.ColumnElement[bool]:
    """SQL: the learner has at least one cell of ``filters.status`` among the shown modules.

    Each status starts from the table that proves it (certificates, assignments,
    completions), so the database looks at one learner's few rows, not every module.
    Subqueries name what they correlate (``correlate_except``): nested two levels deep,
    SQLAlchemy's automatic correlation would leave the learner's table uncorrelated, a
    cross join that answers for everyone at once.
    """
    shown = sa.select(Module.id).where(*_module_conditions(filters)).correlate(None)

    def counted(module_id: Any) -> list[Any]:
        conditions = [module_id.in_(shown)]
        if filters.mandatory:
            conditions.append(_assigned(user_id, module_id, lambda plan: plan.mandatory == 1))
        return conditions

    def undecided(module_id: Any) -> list[Any]:
        """Neither certified nor overdue: left for "in progress" or "not started"."""
        return [~_standing(user_id, module_id), ~_assigned(user_id, module_id, lambda plan: plan.due_at < now)]

    status = filters.status
    if status in (COMPLETED, EXPIRED, CERTIFIED):
        certificate = aliased(Certificate)
        expiry = {
            COMPLETED: certificate.expires_at.is_(None),
            EXPIRED: certificate.expires_at <= now,
            CERTIFIED: certificate.expires_at > now,
        }[status]
        return (
            sa.select(certificate.id)
            .where(
                certificate.user_id == user_id,
                certificate.revoked_at.is_(None),
                is_newest(certificate),
                expiry,
                *counted(certificate.module_id),
            )
            .correlate_except(certificate)
            .exists()
        )
    if status == OVERDUE:
        rows = deadlines.assigned()
        return (
            sa.select(rows.c.module_id)
            .where(
                rows.c.user_id == user_id,
                rows.c.due_at < now,
                ~_standing(user_id, rows.c.module_id),
                *counted(rows.c.module_id),
            )
            .correlate_except(rows)
            .exists()
        )
    done = (
        sa.select(SectionCompletion.id).where(SectionCompletion.user_id == user_id).correlate_except(SectionCompletion)
    )
    attempts = (
        sa.select(QuizAttempt.id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == user_id)
        .correlate_except(QuizAttempt, Quiz)
    )
    if status == IN_PROGRESS:
        return sa.or_(
            done.where(*undecided(SectionCompletion.module_id), *counted(SectionCompletion.module_id)).exists(),
            attempts.where(*undecided(Quiz.module_id), *counted(Quiz.module_id)).exists(),
        )
    return (
        sa.select(Module.id)
        .where(
            *counted(Module.id),
            *undecided(Module.id),
            ~done.where(SectionCompletion.module_id == Module.id).exists(),
            ~attempts.where(Quiz.module_id == Module.id).exists(),
        )
        .correlate_except(Module)
        .exists()
    )


# --- The rule in Python, for the cells shown -----------------------------------------------


def cells(
    user_ids: Sequence[int], module_ids: Sequence[int], now: datetime, *, mandatory: bool = False
) -> dict[tuple[int, int], Cell | None]:
    """Every cell of ``user_ids`` by ``module_ids`` in five set-based queries, whatever their number.

    With ``mandatory``, a module not assigned as mandatory to the learner has no cell (None).
    """
    if not user_ids or not module_ids:
        return {}
    users, modules = sorted(set(user_ids)), sorted(set(module_ids))
    standing = {
        (user_id, module_id): (completed_at, expires_at)
        for user_id, module_id, completed_at, expires_at in db.session.execute(
            sa.select(
                Certificate.user_id, Certificate.module_id, Certificate.completed_at, Certificate.expires_at
            ).where(
                Certificate.user_id.in_(users),
                Certificate.module_id.in_(modules),
                Certificate.revoked_at.is_(None),
                is_newest(),
            )
        )
    }
    plans = {(a.user_id, a.module_id): a for a in deadlines.assignments(user_ids=users, module_ids=modules)}
    done = {
        (user_id, module_id): count
        for user_id, module_id, count in db.session.execute(
            sa.select(SectionCompletion.user_id, SectionCompletion.module_id, sa.func.count(SectionCompletion.id))
            .where(SectionCompletion.user_id.in_(users), SectionCompletion.module_id.in_(modules))
            .group_by(SectionCompletion.user_id, SectionCompletion.module_id)
        )
    }
    sections = dict(
        db.session.execute(
            sa.select(Section.module_id, sa.func.count(Section.id))
            .where(Section.module_id.in_(modules))
            .group_by(Section.module_id)
        ).all()
    )
    attempted = set(
        db.session.execute(
            sa.select(QuizAttempt.user_id, Quiz.module_id)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .where(QuizAttempt.user_id.in_(users), Quiz.module_id.in_(modules))
            .distinct()
        ).all()
    )
    grid: dict[tuple[int, int], Cell | None] = {}
    for user_id in users:
        for module_id in modules:
            key = (user_id, module_id)
            plan = plans.get(key)
            if mandatory and (plan is None or not plan.mandatory):
                grid[key] = None
                continue
            completed_at, expires_at = standing.get(key, (None, None))
            evidence = Evidence(
                completed_at=completed_at,
                expires_at=expires_at,
                certified=key in standing,
                due_at=plan.due_at if plan is not None else None,
                sections_done=done.get(key, 0),
                sections=sections.get(module_id, 0),
                attempted=key in attempted,
            )
            grid[key] = cell_of(evidence, now)
    return grid


# --- The page and the export ---------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    """One page of learners by one page of modules, and how many learners match in all."""

    learners: Page[Learner]
    columns: Page[Column]
    total: int
    grid: dict[tuple[int, int], Cell | None] = field(default_factory=dict)

    def cell(self, learner: Learner, column: Column) -> Cell | None:
        return self.grid.get((learner.id, column.id))


def _page(query: sa.Select[Any], page: int, per_page: int, make: Callable[..., Any]) -> Page[Any]:
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return Page([make(*row) for row in rows[:per_page]], page, len(rows) > per_page)


def matrix(reach: Reach, filters: Filters, now: datetime, page: int = 1, module_page: int = 1) -> Matrix:
    """Page ``page`` of the learners and ``module_page`` of the modules, with their cells.

    Seven queries: the columns, the learners, their count, and the five of ``cells``.
    Pages start at 1; one beyond the end is empty.
    """
    columns = _page(module_columns(filters), module_page, MODULES_PER_PAGE, Column)
    matching = learners(reach, filters, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matching.subquery())) or 0
    page_of_learners = _page(_ordered(matching, filters.sort), page, LEARNERS_PER_PAGE, Learner)
    grid = cells(
        [learner.id for learner in page_of_learners.items],
        [column.id for column in columns.items],
        now,
        mandatory=filters.mandatory,
    )
    return Matrix(page_of_learners, columns, total, grid)


def export_header(filters: Filters) -> tuple[list[str], list[Column]]:
    """The export's labels (name, email, one per shown module) and its modules; one query."""
    columns = [Column(*row) for row in db.session.execute(module_columns(filters))]
    return [_("Name"), _("Email"), *(column.title for column in columns)], columns


def export_rows(
    reach: Reach, filters: Filters, now: datetime, columns: Sequence[Column], day: Callable[[datetime], str]
) -> Iterator[list[Any]]:
    """Every matching learner (by name) with the words of each cell, ``EXPORT_CHUNK`` learners at a time.

    Learners come in keyset chunks (name, id), so memory stays that of one chunk however
    large the company; a cell without a status (not mandatory for them) is empty.
    """
    module_ids = [column.id for column in columns]
    query = learners(reach, filters, now).order_by(User.name, User.id).limit(EXPORT_CHUNK)
    after: tuple[str, int] | None = None
    while True:
        chunk = [
            Learner(*row)
            for row in db.session.execute(
                query if after is None else query.where(sa.tuple_(User.name, User.id) > after)
            )
        ]
        grid = cells([learner.id for learner in chunk], module_ids, now, mandatory=filters.mandatory)
        for learner in chunk:
            statuses = (grid.get((learner.id, module_id)) for module_id in module_ids)
            yield [learner.name, learner.email, *("" if cell is None else words(cell, day) for cell in statuses)]
        if len(chunk) < EXPORT_CHUNK:
            return
        after = (chunk[-1].name, chunk[-1].id)


# --- A learner's timeline ------------------------------------------------------------------


@dataclass(frozen=True)
class Events:
    """The newest ``TIMELINE_LIMIT`` rows of one kind; ``cut`` when there were more."""

    rows: list[Any]
    cut: bool


@dataclass(frozen=True)
class Deadline:
    module: str
    due_at: datetime | None
    mandatory: bool
    overdue: bool


@dataclass(frozen=True)
class CertificateEvent:
    certificate: Certificate
    module: str
    status: str


@dataclass(frozen=True)
class Timeline:
    learner: Learner
    sections: Events
    attempts: Events
    certificates: Events
    overrides: Events
    accesses: Events
    assessments: Events
    deadlines: Events


def _newest(query: sa.Select[Any], make: Callable[[Any], Any] = lambda row: row) -> Events:
    rows = db.session.execute(query.limit(TIMELINE_LIMIT + 1)).all()
    return Events([make(row) for row in rows[:TIMELINE_LIMIT]], len(rows) > TIMELINE_LIMIT)


def learner_in_reach(reach: Reach, user_id: int, now: datetime) -> Learner:
    """The report's learner ``user_id``, or LearnerNotFound: the timeline shows whom the matrix shows."""
    row = db.session.execute(learners(reach, Filters(), now).where(User.id == user_id)).first()
    if row is None:
        raise LearnerNotFound(_l("This learner does not exist or is outside the groups you may see."))
    return Learner(*row)


def _module_is(column: Any) -> sa.ColumnElement[bool]:
    return Module.id == column


def timeline(reach: Reach, user_id: int, now: datetime) -> Timeline:
    """What one learner did and holds, newest first, in one query per kind (at most 200 rows each)."""
    learner = learner_in_reach(reach, user_id, now)
    by = aliased(User)
    plans = deadlines.assigned()
    return Timeline(
        learner=learner,
        sections=_newest(
            sa.select(SectionCompletion.completed_at, Module.title, Section.title)
            .join(Section, Section.id == SectionCompletion.section_id)
            .join(Module, _module_is(SectionCompletion.module_id))
            .where(SectionCompletion.user_id == user_id)
            .order_by(SectionCompletion.completed_at.desc(), SectionCompletion.id.desc())
        ),
        attempts=_newest(
            sa.select(QuizAttempt, Module.title, Quiz.passing_score)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(Module, _module_is(Quiz.module_id))
            .where(QuizAttempt.user_id == user_id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        ),
        certificates=_newest(
            sa.select(Certificate, Module.title, is_newest())
            .join(Module, _module_is(Certificate.module_id))
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.completed_at.desc(), Certificate.id.desc()),
            lambda row: CertificateEvent(
                row[0], row[1], str(STATUS_LABELS[status_of(row[0], now, renewed=not row[2])])
            ),
        ),
        overrides=_newest(
            sa.select(ProgressOverride, Module.title, by.name)
            .join(Module, _module_is(ProgressOverride.module_id))
            .outerjoin(by, by.id == ProgressOverride.override_by_id)
            .where(ProgressOverride.user_id == user_id)
            .order_by(ProgressOverride.created_at.desc(), ProgressOverride.id.desc())
        ),
        accesses=_newest(
            sa.select(UserModuleLastAccess.accessed_at, Module.title)
            .join(Module, _module_is(UserModuleLastAccess.module_id))
            .where(UserModuleLastAccess.user_id == user_id)
            .order_by(UserModuleLastAccess.accessed_at.desc(), UserModuleLastAccess.id.desc())
        ),
        assessments=_newest(
            sa.select(ModuleSelfAssessment, Module.title)
            .join(Module, _module_is(ModuleSelfAssessment.module_id))
            .where(ModuleSelfAssessment.user_id == user_id)
            .order_by(ModuleSelfAssessment.updated_at.desc(), ModuleSelfAssessment.id.desc())
        ),
        deadlines=_newest(
            sa.select(Module.title, plans.c.due_at, plans.c.mandatory, _standing(user_id, plans.c.module_id))
            .join(Module, _module_is(plans.c.module_id))
            .where(plans.c.user_id == user_id)
            .order_by(plans.c.due_at.is_(None), plans.c.due_at, Module.title),
            lambda row: Deadline(
                row[0], row[1], bool(row[2]), overdue=not row[3] and row[1] is not None and row[1] < now
            ),
        ),
    )
