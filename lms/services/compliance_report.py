"""The compliance report: who holds a valid certificate of what they must hold (issue 13, item 2).

A module is in the report when it is published and is mandatory for some group or has a
``validity_months`` (DESIGN.md: certificates and compliance). Its learners are the active
members (Membership and User active) of the groups it is assigned to, kept to the groups
the viewer reaches (``permissions.Reach``) and to a group filter. Each (learner, module)
falls in one bucket, by the learner's standing certificate — the newest of the chain, not
revoked (``certificates.is_newest``); a revoked newest one leaves none standing:
- **valid**: it never expires, or expires more than ``RENEWAL_WINDOW`` (30 days) from now;
- **expiring**: it expires within ``RENEWAL_WINDOW`` (the window the learner's
  MODULE_EXPIRING notice opens, ``services/compliance.py``);
- **expired**: it has expired;
- **never**: no standing certificate.

"Who must renew by when" are the certificates expiring after now and within
``RENEWAL_HORIZON`` (90 days), soonest first; those already expired are the "expired"
bucket, not this list. A company's whole report is a fixed handful of GROUP BY queries
over one statement of (learner, group, module) rows, whatever its size; lists are pages of
``PER_PAGE`` rows cut by the database, and exports stream the same statement in chunks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.models import Certificate, Group, Membership, Module, ModuleGroup, User, UserGroup
from lms.models.enums import ModuleStatus
from lms.models.types import MAX_ID
from lms.permissions import Reach
from lms.services.certificates import RENEWAL_WINDOW, is_newest

RENEWAL_HORIZON = timedelta(days=90)
PER_PAGE = 50
CHUNK = 1000


class Bucket(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NEVER = "never"


BUCKET_LABELS = {
    Bucket.VALID: _l("Valid"),
    Bucket.EXPIRING: _l("Expiring within 30 days"),
    Bucket.EXPIRED: _l("Expired"),
    Bucket.NEVER: _l("Never completed"),
}


@dataclass(frozen=True)
class Scope:
    """Whose rows the report holds: the viewer's reach, and the group and module filters."""

    reach: Reach
    group_id: int | None = None
    module_id: int | None = None


@dataclass
class GroupCounts:
    group_id: int
    name: str
    mandatory: bool
    counts: dict[Bucket, int] = field(default_factory=dict)


@dataclass
class ModuleCounts:
    """One module's learners per bucket (each learner once), and per group it is assigned to."""

    module_id: int
    title: str
    validity_months: int | None
    mandatory: bool = False
    counts: dict[Bucket, int] = field(default_factory=dict)
    groups: list[GroupCounts] = field(default_factory=list)


@dataclass(frozen=True)
class LearnerRow:
    """One learner and one module: the groups through which the module is theirs, and the certificate."""

    user_id: int
    name: str
    email: str
    module_id: int
    module_title: str
    groups: str
    bucket: Bucket
    expires_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class Page:
    rows: list[LearnerRow]
    page: int
    has_next: bool


def standing() -> sa.Subquery:
    """(user_id, module_id, expires_at, completed_at) of each learner's standing certificate per module.

    The newest of a chain, if not revoked: a chain has one newest certificate, so a learner
    has at most one row per module.
    """
    return (
        sa.select(Certificate.user_id, Certificate.module_id, Certificate.expires_at, Certificate.completed_at)
        .where(Certificate.revoked_at.is_(None), is_newest())
        .subquery("standing")
    )


def reported_modules() -> sa.ColumnElement[bool]:
    """SQL: ``Module`` is in the report — published, and mandatory somewhere or with a validity."""
    mandatory = aliased(ModuleGroup)
    return sa.and_(
        Module.status == ModuleStatus.PUBLISHED,
        sa.or_(
            Module.validity_months.is_not(None),
            sa.select(mandatory.id).where(mandatory.module_id == Module.id, mandatory.is_mandatory).exists(),
        ),
    )


def choices(reach: Reach) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(id, name) of the groups within ``reach`` and (id, title) of the modules in the report,
    for the filters; two queries."""
    groups = reach.narrow_groups(sa.select(Group.id, Group.name), Group.id).order_by(Group.name, Group.id)
    modules = sa.select(Module.id, Module.title).where(reported_modules()).order_by(Module.title, Module.id)
    return [tuple(row) for row in db.session.execute(groups)], [tuple(row) for row in db.session.execute(modules)]


def _groups_in_scope(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The groups (``ModuleGroup.group_id``) the scope keeps: those reached, and the chosen one."""
    conditions = []
    if scope.reach.group_ids is not None:
        conditions.append(ModuleGroup.group_id.in_(sorted(scope.reach.group_ids)))
    if scope.group_id is not None:
        conditions.append(ModuleGroup.group_id == scope.group_id)
    return conditions


def _in_scope(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The assignments (``ModuleGroup``) the scope keeps: reported modules, reached and chosen groups."""
    conditions = [reported_modules(), *_groups_in_scope(scope)]
    if scope.module_id is not None:
        conditions.append(ModuleGroup.module_id == scope.module_id)
    return conditions


def _assignments(scope: Scope) -> sa.Select[tuple[int, int, int]]:
    """(user_id, group_id, module_id) of the active members of each group in scope, with each module of it."""
    return (
        sa.select(UserGroup.user_id, UserGroup.group_id, ModuleGroup.module_id)
        .join(
            ModuleGroup,
            sa.and_(ModuleGroup.group_id == UserGroup.group_id, ModuleGroup.tenant_id == UserGroup.tenant_id),
        )
        .join(Module, sa.and_(Module.id == ModuleGroup.module_id, Module.tenant_id == ModuleGroup.tenant_id))
        .join(Membership, sa.and_(Membership.user_id == UserGroup.user_id, Membership.tenant_id == UserGroup.tenant_id))
        .join(User, User.id == UserGroup.user_id)
        .where(Membership.is_active, User.is_active, *_in_scope(scope))
    )


def _pairs(scope: Scope) -> sa.Subquery:
    """``_assignments`` as a subquery: each active member of each group in scope, with each module of it."""
    return _assignments(scope).subquery("pairs")


def _bucket(certificate: sa.Subquery, now: datetime) -> sa.ColumnElement[str]:
    """The bucket of a (learner, module) row joined to its ``standing`` certificate, in SQL."""
    expires = certificate.c.expires_at
    return sa.case(
        (certificate.c.user_id.is_(None), Bucket.NEVER.value),
        (expires.is_(None), Bucket.VALID.value),
        (expires <= now, Bucket.EXPIRED.value),
        (expires <= now + RENEWAL_WINDOW, Bucket.EXPIRING.value),
        else_=Bucket.VALID.value,
    )


def _certified(rows: sa.Subquery) -> tuple[sa.Subquery, Any]:
    """``rows`` (with user_id and module_id) left-joined to their standing certificates."""
    certificate = standing()
    joined = sa.outerjoin(
        rows,
        certificate,
        sa.and_(certificate.c.user_id == rows.c.user_id, certificate.c.module_id == rows.c.module_id),
    )
    return certificate, joined


def _learners(scope: Scope, now: datetime) -> sa.Subquery:
    """(user_id, module_id, expires_at, completed_at, bucket): each learner once per module of the scope."""
    pairs = _pairs(scope)
    once = sa.select(pairs.c.user_id, pairs.c.module_id).group_by(pairs.c.user_id, pairs.c.module_id).subquery("once")
    certificate, joined = _certified(once)
    return (
        sa.select(
            once.c.user_id,
            once.c.module_id,
            certificate.c.expires_at,
            certificate.c.completed_at,
            _bucket(certificate, now).label("bucket"),
        )
        .select_from(joined)
        .subquery("learners")
    )


def _renewing(scope: Scope, now: datetime) -> sa.Subquery:
    """``_learners``' rows for the renewals: standing certificates expiring within ``RENEWAL_HORIZON``
    whose learner and module are in the scope.

    Certificate first: the few due for renewal look their assignment up, where starting
    from every (learner, module) pair of the company read fifty thousand rows to keep a hundred.
    """
    certificate = standing()
    in_scope = (
        _assignments(scope)
        .where(UserGroup.user_id == certificate.c.user_id, ModuleGroup.module_id == certificate.c.module_id)
        .exists()
    )
    return (
        sa.select(
            certificate.c.user_id,
            certificate.c.module_id,
            certificate.c.expires_at,
            certificate.c.completed_at,
            _bucket(certificate, now).label("bucket"),
        )
        .where(certificate.c.expires_at > now, certificate.c.expires_at <= now + RENEWAL_HORIZON, in_scope)
        .subquery("learners")
    )


def overview(scope: Scope, now: datetime) -> list[ModuleCounts]:
    """Every module of the scope with its counts per bucket, overall and per group; two queries.

    A module's count is of learners, so someone in two of its groups counts once there and
    once in each group's line. Groups without members are listed with no counts.
    """
    structure = db.session.execute(
        sa.select(Module.id, Module.title, Module.validity_months, Group.id, Group.name, ModuleGroup.is_mandatory)
        .select_from(ModuleGroup)
        .join(Module, sa.and_(Module.id == ModuleGroup.module_id, Module.tenant_id == ModuleGroup.tenant_id))
        .join(Group, sa.and_(Group.id == ModuleGroup.group_id, Group.tenant_id == ModuleGroup.tenant_id))
        .where(*_in_scope(scope))
        .order_by(Module.title, Module.id, Group.name, Group.id)
    )
    modules: dict[int, ModuleCounts] = {}
    groups: dict[tuple[int, int], GroupCounts] = {}
    for module_id, title, validity, group_id, group_name, mandatory in structure:
        module = modules.setdefault(module_id, ModuleCounts(module_id, title, validity))
        module.mandatory = module.mandatory or mandatory
        groups[module_id, group_id] = GroupCounts(group_id, group_name, mandatory)
        module.groups.append(groups[module_id, group_id])

    # Each (learner, group, module) row with its bucket once, counted two ways in one statement:
    # distinct learners per module, and rows per group (a learner is once in a group).
    pairs = _pairs(scope)
    certificate, joined = _certified(pairs)
    rows = (
        sa.select(pairs.c.user_id, pairs.c.group_id, pairs.c.module_id, _bucket(certificate, now).label("bucket"))
        .select_from(joined)
        .cte("rows")
        .prefix_with("MATERIALIZED")
    )
    # A learner has one bucket per module: distinct (module, learner, bucket) rows are the
    # module's learners (hash aggregates, where COUNT(DISTINCT) would sort them all).
    learners = sa.select(rows.c.module_id, rows.c.user_id, rows.c.bucket).distinct().subquery("learners")
    per_module = sa.select(
        learners.c.module_id, sa.null().label("group_id"), learners.c.bucket, sa.func.count()
    ).group_by(learners.c.module_id, learners.c.bucket)
    per_group = sa.select(rows.c.module_id, rows.c.group_id, rows.c.bucket, sa.func.count()).group_by(
        rows.c.module_id, rows.c.group_id, rows.c.bucket
    )
    for module_id, group_id, key, count in db.session.execute(sa.union_all(per_module, per_group)):
        counts = modules[module_id].counts if group_id is None else groups[module_id, group_id].counts
        counts[Bucket(key)] = count
    return list(modules.values())


def _learner_rows(
    scope: Scope, now: datetime, *, bucket: Bucket | None = None, renewals: bool = False, page: int | None = None
) -> sa.Select:
    """(learner, module) rows of the scope with their groups and certificate: one bucket's, or the renewals.

    The renewals come soonest first; the rest by module and learner, so a page or a file
    reads like the overview. The rows are chosen, sorted and cut (``page``) first, and
    only the rows kept look up the names of their groups.
    """
    learners = _renewing(scope, now) if renewals else _learners(scope, now)
    named = (
        sa.select(learners, User.name, User.email, Module.title)
        .join(User, User.id == learners.c.user_id)
        .join(Module, Module.id == learners.c.module_id)
        .subquery("named")
    )
    chosen = sa.select(named).order_by(*_order(named, renewals=renewals))
    if bucket is not None:
        chosen = chosen.where(named.c.bucket == bucket.value)
    if renewals:
        chosen = chosen.where(named.c.expires_at > now, named.c.expires_at <= now + RENEWAL_HORIZON)
    if page is not None:
        chosen = chosen.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
    kept = chosen.subquery("kept")
    group_names = (
        sa.select(sa.func.aggregate_strings(Group.name, ", "))
        .select_from(UserGroup)
        .join(
            ModuleGroup,
            sa.and_(ModuleGroup.group_id == UserGroup.group_id, ModuleGroup.tenant_id == UserGroup.tenant_id),
        )
        .join(Group, sa.and_(Group.id == UserGroup.group_id, Group.tenant_id == UserGroup.tenant_id))
        .where(
            UserGroup.user_id == kept.c.user_id,
            ModuleGroup.module_id == kept.c.module_id,
            *_groups_in_scope(scope),
        )
        .scalar_subquery()
    )
    return sa.select(
        kept.c.user_id,
        kept.c.name,
        kept.c.email,
        kept.c.module_id,
        kept.c.title,
        group_names,
        kept.c.bucket,
        kept.c.expires_at,
        kept.c.completed_at,
    ).order_by(*_order(kept, renewals=renewals))


def _order(rows: Any, *, renewals: bool) -> list[Any]:
    """The renewals soonest first; other lists by module and learner (ids break ties: pages are stable)."""
    if renewals:
        return [rows.c.expires_at, rows.c.name, rows.c.user_id, rows.c.title, rows.c.module_id]
    return [rows.c.title, rows.c.module_id, rows.c.name, rows.c.user_id]


def _row(values: sa.Row[Any]) -> LearnerRow:
    user_id, name, email, module_id, title, groups, bucket, expires_at, completed_at = values
    return LearnerRow(user_id, name, email, module_id, title, groups or "", Bucket(bucket), expires_at, completed_at)


def _page(page: int, **which: Any) -> Page:
    """Page ``page`` (from 1) cut by the database; one row more tells whether another follows."""
    page = min(max(page, 1), MAX_ID // PER_PAGE)
    rows = db.session.execute(_learner_rows(**which, page=page)).all()
    return Page([_row(values) for values in rows[:PER_PAGE]], page, len(rows) > PER_PAGE)


def bucket_page(scope: Scope, bucket: Bucket, now: datetime, page: int = 1) -> Page:
    """The learners of one bucket (of one module and group, as the scope says); one query."""
    return _page(page, scope=scope, now=now, bucket=bucket)


def renewals_page(scope: Scope, now: datetime, page: int = 1) -> Page:
    """Who must renew by when: certificates expiring within ``RENEWAL_HORIZON``, soonest first; one query."""
    return _page(page, scope=scope, now=now, renewals=True)


def all_rows(
    scope: Scope, now: datetime, *, bucket: Bucket | None = None, renewals: bool = False
) -> Iterator[LearnerRow]:
    """Every row of the scope (one bucket's, or the renewals), read in chunks: for exports."""
    query = _learner_rows(scope, now, bucket=bucket, renewals=renewals)
    for values in db.session.execute(query.execution_options(yield_per=CHUNK)):
        yield _row(values)
