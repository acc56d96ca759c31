"""The learner's start page (issue 5): what is assigned, what to continue, what changed.

Seven queries whatever the learner's history: assignments, recent modules, own pins,
company pins, the modules themselves (with the learner's last seen version), progress,
and the certificates that make modules completed (and tell "renewal due" or "expired").
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

    @property
    def completed(self) -> bool:
        return self.certificate is not None

    def compliance(self, now: datetime) -> CertificateStatus | None:
        """What the certification asks of the learner: renewal due, or expired; None otherwise."""
        if self.certificate is None:
            return None
        status = status_of(self.certificate, now)
        return status if status in (CertificateStatus.RENEWAL_DUE, CertificateStatus.EXPIRED) else None

    @property
    def due_at(self) -> datetime | None:
        return self.assignment.due_at if self.assignment else None

    @property
    def mandatory(self) -> bool:
        return bool(self.assignment and self.assignment.mandatory)

    def overdue(self, now: datetime) -> bool:
        return bool(self.assignment and self.assignment.overdue(now) and not self.completed)


@dataclass
class Dashboard:
    now: datetime
    assigned: list[Card] = field(default_factory=list)
    continue_with: Card | None = None
    pinned: list[Card] = field(default_factory=list)
    company_pinned: list[Card] = field(default_factory=list)
    updated: list[Card] = field(default_factory=list)


def _due_order(card: Card) -> tuple[bool, datetime, str]:
    due = card.due_at
    return (due is None, due or datetime.max.replace(tzinfo=utcnow().tzinfo), card.module.title)


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
    review = aliased(UserModuleReview)
    rows = db.session.execute(
        sa.select(Module, review.last_seen_version)
        .outerjoin(
            review,
            sa.and_(review.module_id == Module.id, review.tenant_id == Module.tenant_id, review.user_id == user_id),
        )
        .where(
            Module.status == ModuleStatus.PUBLISHED,
            sa.or_(Module.id.in_(wanted), review.last_seen_version < Module.version),
        )
    ).all()
    modules = {module.id: (module, seen) for module, seen in rows}
    progress = progress_of(user_id, modules)
    held = standing_certificates(user_id, modules)
    cards = {
        module_id: Card(
            module,
            progress[module_id],
            assigned.get(module_id),
            updated=seen is not None and seen < module.version,
            certificate=held.get(module_id),
        )
        for module_id, (module, seen) in modules.items()
    }
    board = Dashboard(now=now)
    board.assigned = sorted((cards[m] for m in assigned if m in cards), key=_due_order)
    board.continue_with = next((cards[m] for m in recent if m in cards and not cards[m].completed), None)
    board.pinned = [cards[m] for m in pinned if m in cards]
    board.company_pinned = [cards[m] for m in company if m in cards]
    board.updated = sorted((c for c in cards.values() if c.updated), key=lambda c: c.module.title)
    return board
