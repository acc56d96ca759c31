"""The learner's start page (issue 5): what is assigned, what to continue, what changed.

Seven queries whatever the learner's history: assignments, recent modules, own pins,
company pins, the modules themselves (with the learner's last seen version and whether a
quiz stands before completion), progress, and the certificates that make modules completed
(and tell "renewal due" or "expired").

Completed assigned modules leave "Assigned to me" for "Completed", with their certificate's
expiry instead of the assignment's due date (issue 14, item 7): a learner reads one truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.models import (
    Certificate,
    CompanyPinnedModule,
    Module,
    Quiz,
    QuizQuestion,
    UserModuleLastAccess,
    UserModuleReview,
    UserPinnedModule,
)
from lms.models.enums import ModuleStatus
from lms.models.types import utcnow
from lms.services.certificates import CertificateStatus, status_of
from lms.services.completion import standing_certificates
from lms.services.deadlines import Assignment, assignments
from lms.services.progress import Progress, progress_of

RECENT = 5


@dataclass
class Card:
    module: Module
    progress: Progress
    assignment: Assignment | None = None
    updated: bool = False
    certificate: Certificate | None = None  # the standing one: the module is completed
    has_quiz: bool = False  # a quiz with questions, which completing the module needs

    @property
    def completed(self) -> bool:
        return self.certificate is not None

    @property
    def percent(self) -> int:
        return self.progress.shown_percent(self.completed, self.has_quiz)

    @property
    def quiz_to_pass(self) -> bool:
        return self.progress.quiz_to_pass(self.completed, self.has_quiz)

    def compliance(self, now: datetime) -> CertificateStatus | None:
        """What the certification asks of the learner: renewal due, or expired; None otherwise."""
        if self.certificate is None:
            return None
        status = status_of(self.certificate, now)
        return status if status in (CertificateStatus.RENEWAL_DUE, CertificateStatus.EXPIRED) else None

    @property
    def due_at(self) -> datetime | None:
        """The assignment's due date while the module is to do; a completed one is not due."""
        return self.assignment.due_at if self.assignment and not self.completed else None

    @property
    def mandatory(self) -> bool:
        return bool(self.assignment and self.assignment.mandatory)

    def overdue(self, now: datetime) -> bool:
        return bool(self.assignment and self.assignment.overdue(now) and not self.completed)


@dataclass
class Dashboard:
    now: datetime
    assigned: list[Card] = field(default_factory=list)
    completed: list[Card] = field(default_factory=list)  # assigned and completed, soonest expiry first
    continue_with: Card | None = None
    pinned: list[Card] = field(default_factory=list)
    company_pinned: list[Card] = field(default_factory=list)
    updated: list[Card] = field(default_factory=list)


def _due_order(card: Card) -> tuple[bool, datetime, str]:
    due = card.due_at
    return (due is None, due or datetime.max.replace(tzinfo=utcnow().tzinfo), card.module.title)


def _expiry_order(card: Card) -> tuple[bool, datetime, str]:
    expires = card.certificate.expires_at if card.certificate else None
    return (expires is None, expires or datetime.max.replace(tzinfo=utcnow().tzinfo), card.module.title)


# One alias for the process: a new one per call made SQLAlchemy work out its columns on every page.
_REVIEW = aliased(UserModuleReview, name="review")


def dashboard(user_id: int) -> Dashboard:
    now = utcnow()
    assigned = {a.module_id: a for a in assignments(user_ids=[user_id])}
    recent = list(
        db.session.scalars(
            sa.select(UserModuleLastAccess.module_id)
            .where(UserModuleLastAccess.user_id == user_id)
            .order_by(UserModuleLastAccess.accessed_at.desc())
            .limit(RECENT)
        )
    )
    pinned = list(
        db.session.scalars(
            sa.select(UserPinnedModule.module_id)
            .where(UserPinnedModule.user_id == user_id)
            .order_by(UserPinnedModule.pinned_at.desc())
        )
    )
    company = list(
        db.session.scalars(
            sa.select(CompanyPinnedModule.module_id).order_by(CompanyPinnedModule.sort_order, CompanyPinnedModule.id)
        )
    )
    wanted = set(assigned) | set(recent) | set(pinned) | set(company)
    review = _REVIEW
    has_quiz = (
        sa.select(QuizQuestion.id)
        .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
        .where(Quiz.module_id == Module.id)
        .exists()
        .label("has_quiz")
    )
    rows = db.session.execute(
        sa.select(Module, review.last_seen_version, has_quiz)
        .outerjoin(
            review,
            sa.and_(review.module_id == Module.id, review.tenant_id == Module.tenant_id, review.user_id == user_id),
        )
        .where(
            Module.status == ModuleStatus.PUBLISHED,
            sa.or_(Module.id.in_(wanted), review.last_seen_version < Module.version),
        )
    ).all()
    modules = {module.id: (module, seen, quiz) for module, seen, quiz in rows}
    progress = progress_of(user_id, modules)
    held = standing_certificates(user_id, modules)
    cards = {
        module_id: Card(
            module,
            progress[module_id],
            assigned.get(module_id),
            updated=seen is not None and seen < module.version,
            certificate=held.get(module_id),
            has_quiz=bool(quiz),
        )
        for module_id, (module, seen, quiz) in modules.items()
    }
    board = Dashboard(now=now)
    mine = [cards[m] for m in assigned if m in cards]
    board.assigned = sorted((c for c in mine if not c.completed), key=_due_order)
    board.completed = sorted((c for c in mine if c.completed), key=_expiry_order)
    board.continue_with = next((cards[m] for m in recent if m in cards and not cards[m].completed), None)
    board.pinned = [cards[m] for m in pinned if m in cards]
    board.company_pinned = [cards[m] for m in company if m in cards]
    board.updated = sorted((c for c in cards.values() if c.updated), key=lambda c: c.module.title)
    return board
