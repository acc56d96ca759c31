"""The module reader (issue 5): a module's sections in order, and what a learner does there.

Opening a module records "last accessed" (for "continue where you left off"); the
page's data is a fixed handful of queries however many sections the module has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from lms.errors import LmsError
from lms.extensions import db
from lms.models import (
    Certificate,
    Module,
    ModuleChangeLog,
    ModuleSelfAssessment,
    Quiz,
    QuizQuestion,
    Section,
    SectionCompletion,
    UserModuleReview,
    UserPinnedModule,
)
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore, insert_or_update
from lms.services.certificates import CertificateStatus, is_newest, status_of
from lms.services.completion import renewable
from lms.services.progress import Progress, missing_prerequisites, record_access


class NotInModule(LmsError):
    """A section id that is not a section of this module."""


@dataclass
class ReaderPage:
    module: Module
    sections: list[Section]
    done: set[int]
    current: Section | None
    missing: list[Module]
    assessment: ModuleSelfAssessment | None
    pinned: bool
    changes: list[ModuleChangeLog] = field(default_factory=list)
    has_quiz: bool = False  # a quiz with questions, which completing the module needs
    certificate: Certificate | None = None  # the newest of the learner's chain, revoked or not

    @property
    def certificate_status(self) -> CertificateStatus | None:
        return None if self.certificate is None else status_of(self.certificate, utcnow())

    @property
    def renewal_open(self) -> bool:
        """Certified before, and a new completion would now earn a new certificate."""
        return self.certificate is not None and renewable(self.certificate, utcnow())

    @property
    def may_start_renewal(self) -> bool:
        """Without a quiz, renewing starts by clearing the sections (``completion.start_renewal``)."""
        return self.renewal_open and not self.has_quiz and self.progress.complete

    @property
    def progress(self) -> Progress:
        return Progress(len(self.done), len(self.sections))

    @property
    def locked(self) -> bool:
        return bool(self.missing)

    def neighbour(self, step: int) -> Section | None:
        if self.current is None:
            return None
        index = self.sections.index(self.current) + step
        return self.sections[index] if 0 <= index < len(self.sections) else None


def open_module(user_id: int, module: Module, section_id: int | None) -> ReaderPage:
    """Everything the reader shows; the current section is the asked one or the first not done.

    Opening an unlocked module is also "last accessed" (the dashboard's "continue where you
    left off"); a locked one is only looked at.
    """
    sections = _sections(module)
    done = _done_section_ids(user_id, module)
    marks = _learner_marks(user_id, module)
    missing = missing_prerequisites(user_id, [module.id]).get(module.id, [])
    if not missing:
        record_access(user_id, module.id, module.tenant_id)
    return ReaderPage(
        module=module,
        sections=sections,
        done=done,
        current=_current_section(sections, done, section_id),
        missing=missing,
        assessment=_assessment(user_id, module),
        pinned=marks.pinned,
        changes=_changes_since(module, marks.seen_version),
        has_quiz=marks.has_quiz,
        certificate=marks.certificate,
    )


# Built once: composing loader options resolves the relationships anew each time.
_SECTION_LOADS = (selectinload(Section.attachments), selectinload(Section.media_asset))


def _sections(module: Module) -> list[Section]:
    """In reading order, with their attachments and video assets (one query for each kind)."""
    return list(
        db.session.scalars(
            sa.select(Section)
            .where(Section.module_id == module.id)
            .options(*_SECTION_LOADS)
            .order_by(Section.sort_order, Section.id)
        )
    )


def _done_section_ids(user_id: int, module: Module) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(SectionCompletion.section_id).where(
                SectionCompletion.user_id == user_id, SectionCompletion.module_id == module.id
            )
        )
    )


def _current_section(sections: list[Section], done: set[int], section_id: int | None) -> Section | None:
    """The asked section, which must be one of this module's (NotInModule), else the first not done."""
    if section_id is None:
        return next((s for s in sections if s.id not in done), sections[0] if sections else None)
    current = next((s for s in sections if s.id == section_id), None)
    if current is None:
        raise NotInModule(_l("That section is not part of this module."))
    return current


@dataclass(frozen=True)
class _LearnerMarks:
    """What the learner's own rows say about the module: read together in one query."""

    pinned: bool
    seen_version: int | None
    has_quiz: bool
    certificate: Certificate | None


_NEWEST = aliased(Certificate, name="newest")


def _learner_marks(user_id: int, module: Module) -> _LearnerMarks:
    newest = _NEWEST
    row = db.session.execute(
        sa.select(
            sa.select(UserPinnedModule.id)
            .where(UserPinnedModule.user_id == user_id, UserPinnedModule.module_id == module.id)
            .exists()
            .label("pinned"),
            sa.select(UserModuleReview.last_seen_version)
            .where(UserModuleReview.user_id == user_id, UserModuleReview.module_id == module.id)
            .scalar_subquery()
            .label("seen"),
            sa.select(QuizQuestion.id)
            .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
            .where(Quiz.module_id == module.id)
            .exists()
            .label("quiz"),
            newest,
        )
        .select_from(Module)
        .outerjoin(
            newest,
            sa.and_(
                newest.module_id == Module.id,
                newest.tenant_id == Module.tenant_id,
                newest.user_id == user_id,
                is_newest(newest),
            ),
        )
        .where(Module.id == module.id)
    ).one()
    return _LearnerMarks(bool(row.pinned), row.seen, bool(row.quiz), row.newest)


def _assessment(user_id: int, module: Module) -> ModuleSelfAssessment | None:
    return db.session.scalar(
        sa.select(ModuleSelfAssessment).where(
            ModuleSelfAssessment.user_id == user_id, ModuleSelfAssessment.module_id == module.id
        )
    )


def _changes_since(module: Module, seen_version: int | None) -> list[ModuleChangeLog]:
    """The change log since the version the learner last acknowledged; none before a first acknowledgement."""
    if seen_version is None or seen_version >= module.version:
        return []
    return list(
        db.session.scalars(
            sa.select(ModuleChangeLog)
            .where(ModuleChangeLog.module_id == module.id, ModuleChangeLog.version > seen_version)
            .order_by(ModuleChangeLog.version.desc())
        )
    )


def assess(user_id: int, module: Module, rating: int, note: str | None) -> None:
    """The learner's own rating (1-5) and note; editing replaces them."""
    now = utcnow()
    insert_or_update(
        ModuleSelfAssessment,
        {
            "tenant_id": module.tenant_id,
            "user_id": user_id,
            "module_id": module.id,
            "rating": rating,
            "note": (note or "").strip() or None,
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id", "user_id", "module_id"],
        update=["rating", "note", "updated_at"],
    )


def set_pinned(user_id: int, module: Module, pinned: bool) -> None:
    """Pin or unpin; saying the same twice (a double click) changes nothing more."""
    if not pinned:
        db.session.execute(
            sa.delete(UserPinnedModule).where(
                UserPinnedModule.user_id == user_id, UserPinnedModule.module_id == module.id
            )
        )
        return
    now = utcnow()
    insert_or_ignore(
        UserPinnedModule,
        {
            "tenant_id": module.tenant_id,
            "user_id": user_id,
            "module_id": module.id,
            "pinned_at": now,
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id", "user_id", "module_id"],
    )


def preview_module(module: Module, section_id: int | None) -> ReaderPage:
    """The reader's page of ``module`` as a learner who has done nothing yet sees it, for its
    authors (issue 14: preview as a learner). Nothing is recorded: no "last accessed", no
    progress; drafts too, and prerequisites do not lock it."""
    sections = _sections(module)
    questions = sa.select(QuizQuestion.id).join(Quiz, Quiz.id == QuizQuestion.quiz_id)
    has_quiz = db.session.scalar(questions.where(Quiz.module_id == module.id).exists().select())
    return ReaderPage(
        module=module,
        sections=sections,
        done=set(),
        current=_current_section(sections, set(), section_id),
        missing=[],
        assessment=None,
        pinned=False,
        has_quiz=bool(has_quiz),
    )
