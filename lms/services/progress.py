"""Progress through modules: section completions, per-module progress, prerequisites.

Every number is computed for a set of modules at once (one grouped query), so a
page's query count does not grow with the number of modules or completions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Module, ModulePrerequisite, Section, SectionCompletion, UserModuleLastAccess
from lms.models.enums import ModuleStatus
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore, insert_or_update
from lms.services import completion


class ModuleLocked(LmsError):
    """The module's prerequisites are not completed yet."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)

    @property
    def started(self) -> bool:
        return self.done > 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    def shown_percent(self, completed: bool, has_quiz: bool = False) -> int:
        """The percent a learner is shown: 100 only once the module is completed.

        Sections alone do not complete a module with a quiz (DESIGN.md: completion), so the
        quiz counts as one more step and an unfinished module stops at 99 (issue 14, item 7).
        """
        if completed:
            return 100
        steps = self.total + int(has_quiz)
        return min(99, 100 * self.done // steps) if steps else 0

    def quiz_to_pass(self, completed: bool, has_quiz: bool = False) -> bool:
        """Is passing the quiz what stands between the learner and completion (or may, before the sections)."""
        return not completed and (has_quiz or self.complete)


def progress_of(user_id: int, module_ids: Iterable[int]) -> dict[int, Progress]:
    """Sections done and total per module, for one learner, in one query."""
    ids = list(set(module_ids))
    if not ids:
        return {}
    # The learner's completions first (the (user_id, section_id) index finds them), then the
    # join: joining all completions of the tenant and filtering after is seconds on a big tenant.
    mine = sa.select(SectionCompletion.section_id).where(SectionCompletion.user_id == user_id).subquery()
    rows = db.session.execute(
        sa.select(Section.module_id, sa.func.count(Section.id), sa.func.count(mine.c.section_id))
        .outerjoin(mine, mine.c.section_id == Section.id)
        .where(Section.module_id.in_(ids))
        .group_by(Section.module_id)
    )
    progress = {module_id: Progress(0, 0) for module_id in ids}
    for module_id, total, completed in rows:
        progress[module_id] = Progress(completed, total)
    return progress


def prerequisite_links(module_ids: Iterable[int]) -> list[tuple[int, Module]]:
    """(dependent module id, prerequisite module) for the given modules, in one query."""
    ids = list(set(module_ids))
    if not ids:
        return []
    return [
        (dependent_id, prerequisite)
        for dependent_id, prerequisite in db.session.execute(
            sa.select(ModulePrerequisite.dependent_module_id, Module)
            .join(Module, Module.id == ModulePrerequisite.prerequisite_module_id)
            .where(ModulePrerequisite.dependent_module_id.in_(ids))
            .order_by(Module.title)
        )
    ]


def missing_from(links: list[tuple[int, Module]], completed: set[int]) -> dict[int, list[Module]]:
    """Per dependent module, its prerequisites not among the learner's ``completed`` modules."""
    missing: dict[int, list[Module]] = {}
    for dependent_id, prerequisite in links:
        if prerequisite.id not in completed:
            missing.setdefault(dependent_id, []).append(prerequisite)
    return missing


def missing_prerequisites(user_id: int, module_ids: Iterable[int]) -> dict[int, list[Module]]:
    """For each module, the prerequisite modules the learner has not completed (one or two queries).

    Completed means by the completion rule (``services.completion``), not sections alone.
    """
    links = prerequisite_links(module_ids)
    return missing_from(links, completion.completed_module_ids(user_id, [module.id for _, module in links]))


def complete_section(user_id: int, section: Section) -> bool:
    """Mark a section complete; a second call does nothing. True when this call marked it.

    A module whose prerequisites are not completed raises ModuleLocked: the lock is
    checked here, so no caller can skip it. The caller has checked that the module is
    published. The completion rule then decides whether the module is completed (and
    certified).
    """
    check_unlocked(user_id, section.module)
    inserted = insert_or_ignore(
        SectionCompletion,
        {
            "tenant_id": section.tenant_id,
            "user_id": user_id,
            "module_id": section.module_id,
            "section_id": section.id,
            "completed_at": utcnow(),
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        conflict=["user_id", "section_id"],
    )
    if inserted:
        record_access(user_id, section.module_id, section.tenant_id)
        completion.record_progress(user_id, section.module_id)
    return inserted


def record_access(user_id: int, module_id: int, tenant_id: int, at: datetime | None = None) -> None:
    """The learner was in the module now: the dashboard's "continue" and analytics' module usage
    read it, so the reader and completing a section both keep it."""
    at = at or utcnow()
    insert_or_update(
        UserModuleLastAccess,
        {
            "tenant_id": tenant_id,
            "user_id": user_id,
            "module_id": module_id,
            "accessed_at": at,
            "created_at": at,
            "updated_at": at,
        },
        conflict=["tenant_id", "user_id", "module_id"],
        update=["accessed_at", "updated_at"],
    )


def published_module(module_id: int) -> Module | None:
    """A module learners may open: of this tenant (scoping) and PUBLISHED."""
    return db.session.scalar(sa.select(Module).where(Module.id == module_id, Module.status == ModuleStatus.PUBLISHED))


def check_unlocked(user_id: int, module: Module) -> None:
    missing = missing_prerequisites(user_id, [module.id]).get(module.id)
    if missing:
        titles = ", ".join(m.title for m in missing)
        raise ModuleLocked(_l("Complete these modules first: %(titles)s.", titles=titles))
