"""Completing a module: the one place of the rule (DESIGN.md: completion; certificates and compliance).

The rule: a learner completes a module when every section is completed and, if the
module has a quiz with questions, a passing attempt exists — or when a ProgressOverride
with ``allow_certificate`` exists. Every path that makes progress (a section marked
complete, a quiz passed, an override) calls ``record_progress``, which evaluates it.

Completing *is* holding a certificate. When the rule newly holds, ``record_progress``
inserts the Certificate row (a fresh code, ``completed_at``, ``expires_at``) in the
caller's transaction and queues the job that renders, stores and sends its PDF after the
commit. "Exactly once" is the database's decision, not a lookup: the first certificate
of a learner and module collides on the partial unique index of chain starts
(``previous_certificate_id IS NULL``), a renewal on the unique ``previous_certificate_id``
of its predecessor. The insert is ``ON CONFLICT DO NOTHING``, so the loser of a race, a
double click or a retried request inserts nothing and queues nothing.

Cycles. The newest certificate of the chain decides which evidence is new:
- none yet: any evidence (the first completion);
- valid and outside the renewal window: nothing to do, the learner is certified;
- inside the renewal window (``RENEWAL_WINDOW`` before expiry) or expired: evidence
  newer than the window's opening — a quiz passed again; for a module without a quiz,
  every section confirmed again after ``start_renewal`` cleared them; or a new override;
- revoked: evidence newer than the revocation (the same ways).
The new certificate's validity runs from its own completion; the old one stays as it
was, linked by ``previous_certificate_id`` (history is never overwritten).

"Completed" (prerequisites, dashboard, catalog, reminders) means holding a certificate
that is not revoked. An expired certificate still counts: the learner did learn the
module, and a dependent module stays open; compliance shows separately, as "Renewal due"
and "Expired".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue
from lms.models import (
    Certificate,
    Module,
    ProgressOverride,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Section,
    SectionCompletion,
)
from lms.models.enums import NotificationType
from lms.models.types import utcnow
from lms.services import certificates, versions, xp
from lms.services.certificates import RENEWAL_WINDOW, newest_certificate
from lms.services.links import path_for
from lms.services.notifications import notify


class NotRenewable(LmsError):
    """The learner's certificate of this module is not due for renewal (or there is none)."""


def _standing(user_id: int | None = None) -> list[sa.ColumnElement[bool]]:
    """The certificates that make a module completed: not revoked (expired ones count)."""
    conditions = [Certificate.revoked_at.is_(None)]
    if user_id is not None:
        conditions.append(Certificate.user_id == user_id)
    return conditions


def completed_modules(user_id: int) -> sa.Select[tuple[int]]:
    """The ids of the modules the learner has completed, as a subquery: for filters done in SQL (the catalog)."""
    return sa.select(Certificate.module_id).where(*_standing(user_id))


def completed_module_ids(user_id: int, module_ids: Iterable[int]) -> set[int]:
    """The modules among ``module_ids`` the learner has completed, in one query."""
    ids = set(module_ids)
    if not ids:
        return set()
    return set(db.session.scalars(completed_modules(user_id).where(Certificate.module_id.in_(ids)).distinct()))


def completed_pairs(
    user_ids: Iterable[int] | None = None, module_ids: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """(user id, module id) of every completion in the current tenant, optionally narrowed; one query."""
    query = sa.select(Certificate.user_id, Certificate.module_id).where(*_standing()).distinct()
    if user_ids is not None:
        query = query.where(Certificate.user_id.in_(set(user_ids)))
    if module_ids is not None:
        query = query.where(Certificate.module_id.in_(set(module_ids)))
    return {(user_id, module_id) for user_id, module_id in db.session.execute(query)}


def standing_certificates(user_id: int, module_ids: Iterable[int]) -> dict[int, Certificate]:
    """Per completed module, the learner's newest certificate that is not revoked; one query.

    Its keys are ``completed_module_ids``; its values tell "renewal due" and "expired".
    """
    ids = set(module_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Certificate).where(*_standing(user_id), Certificate.module_id.in_(ids)).order_by(Certificate.id)
    )
    return {certificate.module_id: certificate for certificate in rows}


def renewable(newest: Certificate | None, now: datetime) -> bool:
    """May new evidence earn a new certificate: none yet, revoked, in the renewal window or expired."""
    if newest is None or newest.revoked_at is not None:
        return True
    return newest.expires_at is not None and newest.expires_at - RENEWAL_WINDOW <= now


def _cycle_start(newest: Certificate | None) -> datetime | None:
    """Evidence must be newer than this to count for the next certificate (None: any evidence)."""
    if newest is None:
        return None
    if newest.revoked_at is not None:
        return newest.revoked_at
    return max(newest.expires_at - RENEWAL_WINDOW, newest.completed_at)


def has_quiz(module_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.select(QuizQuestion.id)
                .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
                .where(Quiz.module_id == module_id)
                .exists()
            )
        )
    )


@dataclass(frozen=True)
class Evidence:
    """What made the completion rule hold: the passing attempt, the override, or (both None) the
    sections themselves. The certificate records it (issue 13, item 7)."""

    quiz_attempt_id: int | None = None
    progress_override_id: int | None = None


def evidence_for(user_id: int, module_id: int, since: datetime | None = None) -> Evidence | None:
    """The completion rule, with evidence newer than ``since`` (None: of any age); one query.

    None when it does not hold; otherwise which evidence it holds by: the newest override
    with ``allow_certificate`` first (it completes the module on its own), else the newest
    passing attempt. Sections of a module with a quiz count whenever they were completed:
    its renewal is the quiz taken again. Without a quiz the sections themselves are the
    evidence.
    """

    def newer(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
        return sa.true() if since is None else column > since

    done = sa.select(sa.func.count(SectionCompletion.id)).where(
        SectionCompletion.user_id == user_id, SectionCompletion.module_id == module_id
    )
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.count(Section.id)).where(Section.module_id == module_id).scalar_subquery(),
            done.scalar_subquery(),
            done.where(newer(SectionCompletion.completed_at)).scalar_subquery(),
            sa.select(QuizQuestion.id)
            .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
            .where(Quiz.module_id == module_id)
            .exists(),
            sa.select(QuizAttempt.id)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .where(
                Quiz.module_id == module_id,
                QuizAttempt.user_id == user_id,
                QuizAttempt.passed,
                newer(QuizAttempt.submitted_at),
            )
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
            .limit(1)
            .scalar_subquery(),
            sa.select(ProgressOverride.id)
            .where(
                ProgressOverride.user_id == user_id,
                ProgressOverride.module_id == module_id,
                ProgressOverride.allow_certificate,
                newer(ProgressOverride.created_at),
            )
            .order_by(ProgressOverride.created_at.desc(), ProgressOverride.id.desc())
            .limit(1)
            .scalar_subquery(),
        )
    ).one()
    sections, done_ever, done_since, quiz, attempt_id, override_id = row
    if override_id is not None:
        return Evidence(progress_override_id=override_id)
    if quiz:
        return Evidence(quiz_attempt_id=attempt_id) if done_ever == sections and attempt_id is not None else None
    return Evidence() if sections > 0 and done_since == sections else None


def rule_holds(user_id: int, module_id: int, since: datetime | None = None) -> bool:
    """Does the completion rule hold with evidence newer than ``since``? (``evidence_for``)"""
    return evidence_for(user_id, module_id, since) is not None


def record_progress(user_id: int, module_id: int) -> bool:
    """Evaluate the completion rule after any progress; True when this call completed the module.

    The certificate records the module's version and the evidence the rule held by. A
    completion (or a renewal) inserts the certificate and queues its job once, whatever the
    number of concurrent or repeated calls (see the module docstring). The caller commits.
    """
    module = db.session.get(Module, module_id)
    if module is None:
        return False
    now = utcnow()
    newest = newest_certificate(user_id, module_id)
    if not renewable(newest, now):
        return False
    evidence = evidence_for(user_id, module_id, _cycle_start(newest))
    if evidence is None:
        return False
    certificate = certificates.claim(
        user_id,
        module,
        completed_at=now,
        previous=newest,
        quiz_attempt_id=evidence.quiz_attempt_id,
        progress_override_id=evidence.progress_override_id,
    )
    if certificate is None:
        return False
    grant_completion(user_id, module, certificate, renewal=newest is not None and newest.revoked_at is None)
    enqueue(certificates.issue_certificate, module.tenant_id, certificate.id)
    return True


def record_override(override: ProgressOverride) -> bool:
    """An admin's override (audited by the caller) is progress too: tell the learner, then apply the rule.

    Without ``allow_certificate`` it completes nothing (DESIGN.md: completion); the
    learner is told either way. True when it completed the module.
    """
    module = db.session.get(Module, override.module_id)
    with tenant_locale():
        if override.allow_certificate:
            done = _("An administrator marked %(module)s as completed for you.", module=module.title)
        else:
            done = _("An administrator recorded your progress in %(module)s.", module=module.title)
        message = " ".join((done, _("Reason: %(reason)s", reason=override.reason)))
    notify(
        override.user_id,
        NotificationType.PROGRESS_OVERRIDE,
        _l("Progress updated: %(module)s", module=module.title),
        message,
        link=path_for("learner.module_page", module_id=module.id),
    )
    return record_progress(override.user_id, module.id)


def grant_completion(user_id: int, module: Module, certificate: Certificate, *, renewal: bool) -> None:
    """What a completion gives besides its certificate, once per certificate.

    The learner has seen this version (no "updated" mark). XP (issue 7) is granted here:
    COMPLIANCE_RENEWAL keyed by the certificate for a renewal of a certificate that was
    still standing, MODULE_COMPLETED keyed by the module otherwise (``xp.award_completion``;
    DESIGN.md: certificates and compliance, XP and ranks).
    """
    versions.acknowledge_version(user_id, module)
    xp.award_completion(user_id, module, certificate, renewal=renewal)


def start_renewal(user_id: int, module: Module) -> None:
    """Begin retaking a module without a quiz: its sections are to be confirmed again.

    Allowed when the newest certificate is in its renewal window, expired or revoked. The
    learner's section ticks of the module are cleared (the certificates are the history of
    completions and stay as they are); confirming every section again is the new evidence.
    A module with a quiz is renewed by passing the quiz again, with no reset.
    """
    newest = newest_certificate(user_id, module.id)
    if newest is None or not renewable(newest, utcnow()):
        raise NotRenewable(_l("This module is not due for renewal."))
    if has_quiz(module.id):
        raise NotRenewable(_l("Pass the module's quiz again to renew it."))
    db.session.execute(
        sa.delete(SectionCompletion)
        .where(SectionCompletion.user_id == user_id, SectionCompletion.module_id == module.id)
        .execution_options(synchronize_session=False)
    )
