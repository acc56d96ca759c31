"""Due dates of assigned modules (DESIGN.md: deadlines).

A learner's due date for a module assigned to one of their groups is the later of
"joined the group" and "module assigned to the group", plus ``deadline_days``; across
several groups the earliest counts. A module is mandatory when any assignment says so.
One query fetches every (learner, assignment) pair; the rule is applied here, so the
dashboard of one learner and the reminder job over a whole tenant share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import ModuleGroup, UserGroup


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
