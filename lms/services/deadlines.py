"""Due dates of assigned modules (DESIGN.md: deadlines).

A learner's due date for a module assigned to one of their groups is the later of
"joined the group" and "module assigned to the group", plus ``deadline_days``; across
several groups the earliest counts. A module is mandatory when any assignment says so.
``assignments`` applies the rule in Python to the rows of a few learners (a dashboard, a
page of a report); ``assigned`` is the same rule in SQL, a subquery that reports and the
reminder sweep join and aggregate over a whole company without loading it;
``tests/services/test_deadlines.py`` holds the two forms equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lms.extensions import db
from lms.models import ModuleGroup, UserGroup
from lms.models.types import UtcDateTime


@dataclass(frozen=True)
class Assignment:
    user_id: int
    module_id: int
    due_at: datetime | None
    mandatory: bool

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


def assignments(user_ids: Iterable[int] | None = None, module_ids: Iterable[int] | None = None) -> list[Assignment]:
    """Every (learner, module) assignment of the current tenant, optionally narrowed."""
    query = sa.select(
        UserGroup.user_id,
        ModuleGroup.module_id,
        UserGroup.created_at,
        ModuleGroup.created_at,
        ModuleGroup.deadline_days,
        ModuleGroup.is_mandatory,
    ).join(
        ModuleGroup,
        sa.and_(ModuleGroup.group_id == UserGroup.group_id, ModuleGroup.tenant_id == UserGroup.tenant_id),
    )
    if user_ids is not None:
        query = query.where(UserGroup.user_id.in_(list(user_ids)))
    if module_ids is not None:
        query = query.where(ModuleGroup.module_id.in_(list(module_ids)))
    merged: dict[tuple[int, int], Assignment] = {}
    for user_id, module_id, joined_at, assigned_at, days, mandatory in db.session.execute(query):
        due = max(joined_at, assigned_at) + timedelta(days=days) if days is not None else None
        key = (user_id, module_id)
        earlier = merged.get(key)
        if earlier is not None:
            dues = [d for d in (earlier.due_at, due) if d is not None]
            due = min(dues) if dues else None
            mandatory = mandatory or earlier.mandatory
        merged[key] = Assignment(user_id, module_id, due, mandatory)
    return list(merged.values())


def sql_function(name: str, type_: sa.types.TypeEngine[Any], sqlite: str, postgresql: str) -> Any:
    """A SQL function of our own, spelled for each database; ``{0}``, ``{1}`` stand for its arguments."""
    function = type(name, (FunctionElement,), {"type": type_, "inherit_cache": True})

    def spelled(template: str) -> Any:
        def compile_(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
            return template.format(*(compiler.process(clause, **kw) for clause in element.clauses))

        return compile_

    compiles(function)(spelled(sqlite))
    compiles(function, "postgresql")(spelled(postgresql))
    return function


# The later of two timestamps; a timestamp plus n days of 24 hours (as ``timedelta(days=n)``
# adds them); a timestamp's UTC date as ISO text (as ``due_at.date().isoformat()`` writes it).
# SQLite keeps a UtcDateTime as naive UTC text, which sorts as time does; its date functions
# round to milliseconds, so whole seconds go through them and the microseconds are kept aside.
later = sql_function("lms_later", UtcDateTime(), "max({0}, {1})", "GREATEST({0}, {1})")
plus_days = sql_function(
    "lms_plus_days",
    UtcDateTime(),
    "strftime('%Y-%m-%d %H:%M:%S', substr({0}, 1, 19), '+' || {1} || ' days') || substr({0}, 20)",
    "({0} + {1} * INTERVAL '24 hours')",
)
utc_day = sql_function(
    "lms_utc_day", sa.String(), "substr({0}, 1, 10)", "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
)


def assigned(group_ids: Iterable[int] | None = None, people: sa.Select[tuple[int]] | None = None) -> sa.Subquery:
    """(user_id, module_id, due_at, mandatory) of every assignment of the current tenant: the rule in SQL.

    The later of joining the group and the module's assignment to it, plus
    ``deadline_days``; the earliest across the learner's groups (``MIN`` skips the groups
    without a deadline, as ``assignments`` does); ``due_at`` is null when no group sets
    one. ``mandatory`` is 1 when any assignment says so. ``group_ids`` keeps to the
    assignments through those groups (a report narrowed to a manager's groups). ``people``
    (a select of user ids) keeps to those learners, all their groups counted: the filter sits
    inside the aggregate, so a page about one group does not compute the whole company's dates.
    """
    start = later(UserGroup.created_at, ModuleGroup.created_at)
    query = (
        sa.select(
            UserGroup.user_id,
            ModuleGroup.module_id,
            sa.func.min(plus_days(start, ModuleGroup.deadline_days)).label("due_at"),
            sa.func.max(sa.case((ModuleGroup.is_mandatory, 1), else_=0)).label("mandatory"),
        )
        .join(
            ModuleGroup,
            sa.and_(ModuleGroup.group_id == UserGroup.group_id, ModuleGroup.tenant_id == UserGroup.tenant_id),
        )
        .group_by(UserGroup.user_id, ModuleGroup.module_id)
    )
    if group_ids is not None:
        query = query.where(UserGroup.group_id.in_(sorted(group_ids)))
    if people is not None:
        query = query.where(UserGroup.user_id.in_(people))
    return query.subquery()
