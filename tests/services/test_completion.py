"""When is a module completed, and is its certificate issued exactly once? (DESIGN.md: completion)"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    Certificate,
    Module,
    Notification,
    ProgressOverride,
    QuizAttempt,
    Section,
    SectionCompletion,
    Tenant,
    User,
    UserModuleReview,
)
from lms.models.enums import NotificationType
from lms.models.types import utcnow
from lms.services import completion, progress
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import TwoTenants, make_module, make_quiz, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _complete_sections(user: User, module: Module) -> None:
    with tenant_context(module.tenant_id):
        for section in db.session.scalars(sa.select(Section).where(Section.module_id == module.id)):
            progress.complete_section(user.id, section)


def _pass_quiz(user: User, module: Module, *, passed: bool = True, at: datetime | None = None) -> None:
    with tenant_context(module.tenant_id):
        number = 1 + db.session.scalar(sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id))
        at = at or utcnow()
        db.session.add(
            QuizAttempt(
                quiz_id=module.quiz.id,
                user_id=user.id,
                attempt_number=number,
                started_at=at - timedelta(minutes=5),
                submitted_at=at,
                score=100.0 if passed else 10.0,
                passed=passed,
            )
        )
        db.session.flush()


def _certificates(user: User, module: Module) -> list[Certificate]:
    with tenant_context(module.tenant_id):
        return list(
            db.session.scalars(
                sa.select(Certificate)
                .where(Certificate.user_id == user.id, Certificate.module_id == module.id)
                .order_by(Certificate.id)
            )
        )


def _issued_notifications(user: User, tenant: Tenant) -> list[Notification]:
    with tenant_context(tenant.id):
        return list(
            db.session.scalars(
                sa.select(Notification).where(
                    Notification.user_id == user.id, Notification.type == NotificationType.CERTIFICATE_ISSUED
                )
            )
        )


def _completed(user: User, module: Module) -> bool:
    with tenant_context(module.tenant_id):
        return module.id in completion.completed_module_ids(user.id, [module.id])


def _age(certificate: Certificate, *, completed_days_ago: int) -> None:
    """Move a certificate (and the evidence behind it) back in time, keeping its validity."""
    shift = timedelta(days=completed_days_ago)
    with tenant_context(certificate.tenant_id):
        certificate.completed_at -= shift
        certificate.issued_at -= shift
        if certificate.expires_at is not None:
            certificate.expires_at -= shift
        for completed in db.session.scalars(
            sa.select(SectionCompletion).where(SectionCompletion.user_id == certificate.user_id)
        ):
            completed.completed_at -= shift
        for attempt in db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == certificate.user_id)):
            attempt.submitted_at -= shift
        db.session.flush()


def test_every_section_completes_a_module_without_a_quiz(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=2)
    first, second = module.sections

    with tenant_context(world.acme.id):
        progress.complete_section(world.ana.id, first)
    assert not _completed(world.ana, module)
    with tenant_context(world.acme.id):
        progress.complete_section(world.ana.id, second)

    assert _completed(world.ana, module)
    (certificate,) = _certificates(world.ana, module)
    assert certificate.expires_at is None
    assert certificate.revoked_at is None
    assert len(certificate.unique_code) == 16


def test_a_module_with_a_quiz_needs_a_passing_attempt(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=2)
    make_quiz(module)
    _complete_sections(world.ana, module)
    assert not _completed(world.ana, module)

    _pass_quiz(world.ana, module, passed=False)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is False
    _pass_quiz(world.ana, module)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is True

    assert _completed(world.ana, module)


def test_a_passing_attempt_alone_does_not_complete_the_sections(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=2)
    make_quiz(module)
    _pass_quiz(world.ana, module)

    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is False
    assert _certificates(world.ana, module) == []


def test_an_override_with_a_certificate_completes_without_any_progress(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=3)
    make_quiz(module)
    with tenant_context(world.acme.id):
        db.session.add(
            ProgressOverride(
                user_id=world.ana.id, module_id=module.id, reason="Trained elsewhere", allow_certificate=True
            )
        )
        db.session.flush()
        assert completion.record_progress(world.ana.id, module.id) is True

    assert _completed(world.ana, module)


def test_an_override_without_a_certificate_completes_nothing(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=3)
    with tenant_context(world.acme.id):
        db.session.add(
            ProgressOverride(user_id=world.ana.id, module_id=module.id, reason="Noted", allow_certificate=False)
        )
        db.session.flush()
        assert completion.record_progress(world.ana.id, module.id) is False

    assert not _completed(world.ana, module)
    assert _certificates(world.ana, module) == []


def test_a_repeated_call_issues_one_certificate_and_one_notification(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=1)
    with tenant_context(world.acme.id):
        db.session.add(SectionCompletion(user_id=world.ana.id, module_id=module.id, section_id=module.sections[0].id))
        db.session.flush()
        calls = [completion.record_progress(world.ana.id, module.id) for _ in range(3)]
    db.session.commit()

    assert calls == [True, False, False]
    with tenant_context(world.acme.id):
        assert len(_certificates(world.ana, module)) == 1
    assert len(_issued_notifications(world.ana, world.acme)) == 1


def test_completion_acknowledges_the_module_version(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=1)
    _complete_sections(world.ana, module)

    with tenant_context(world.acme.id):
        seen = db.session.scalar(
            sa.select(UserModuleReview.last_seen_version).where(UserModuleReview.user_id == world.ana.id)
        )
    assert seen == module.version


def test_validity_sets_the_expiry_from_the_completion(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift", sections=1)
    with tenant_context(world.acme.id):
        module.validity_months = 12
    _complete_sections(world.ana, module)

    (certificate,) = _certificates(world.ana, module)
    completed = certificate.completed_at
    assert certificate.expires_at.date() == completed.replace(year=completed.year + 1).date()


def test_an_expired_certificate_still_opens_dependent_modules(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    with tenant_context(world.acme.id):
        basics.validity_months = 1
    advanced = make_module(world.acme, "Advanced", sections=1, prerequisites=[basics])
    _complete_sections(world.ana, basics)
    (certificate,) = _certificates(world.ana, basics)
    _age(certificate, completed_days_ago=60)

    with tenant_context(world.acme.id):
        assert progress.missing_prerequisites(world.ana.id, [advanced.id]) == {}


def test_a_revoked_certificate_no_longer_counts(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    advanced = make_module(world.acme, "Advanced", sections=1, prerequisites=[basics])
    _complete_sections(world.ana, basics)
    (certificate,) = _certificates(world.ana, basics)
    with tenant_context(world.acme.id):
        certificate.revoked_at = utcnow()
        db.session.flush()

    assert not _completed(world.ana, basics)
    with tenant_context(world.acme.id):
        assert progress.missing_prerequisites(world.ana.id, [advanced.id]) == {advanced.id: [basics]}


def test_completions_are_per_tenant(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=1)
    _complete_sections(world.ana, module)

    with tenant_context(world.globex.id):
        assert completion.completed_module_ids(world.ana.id, [module.id]) == set()
        assert completion.completed_pairs() == set()
    with tenant_context(world.acme.id):
        assert completion.completed_pairs() == {(world.ana.id, module.id)}


# --- Renewal -------------------------------------------------------------------------------


def _certified(world: TwoTenants, *, quiz: bool, days_ago: int) -> tuple[Module, Certificate]:
    """Ana holds a certificate of a 12-month module, completed ``days_ago``."""
    module = make_module(world.acme, "Compliance", sections=2)
    with tenant_context(world.acme.id):
        module.validity_months = 12
    if quiz:
        make_quiz(module)
        _pass_quiz(world.ana, module)
    _complete_sections(world.ana, module)
    (certificate,) = _certificates(world.ana, module)
    _age(certificate, completed_days_ago=days_ago)
    return module, certificate


def test_passing_the_quiz_again_in_the_renewal_window_renews_from_the_new_completion(world: TwoTenants) -> None:
    module, old = _certified(world, quiz=True, days_ago=350)
    old_code, old_expiry = old.unique_code, old.expires_at

    _pass_quiz(world.ana, module)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is True

    first, renewal = _certificates(world.ana, module)
    assert (first.unique_code, first.expires_at) == (old_code, old_expiry)
    assert renewal.previous_certificate_id == first.id
    assert renewal.unique_code != old_code
    assert renewal.expires_at > old_expiry
    assert renewal.expires_at.date() == renewal.completed_at.replace(year=renewal.completed_at.year + 1).date()


def test_passing_again_outside_the_renewal_window_issues_nothing(world: TwoTenants) -> None:
    module, _ = _certified(world, quiz=True, days_ago=100)

    _pass_quiz(world.ana, module)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is False
        with pytest.raises(completion.NotRenewable):
            completion.start_renewal(world.ana.id, module)
    assert len(_certificates(world.ana, module)) == 1


def test_without_a_quiz_renewal_needs_every_section_confirmed_again(world: TwoTenants) -> None:
    module, old = _certified(world, quiz=False, days_ago=380)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id) is False, "old ticks are no renewal"
        completion.start_renewal(world.ana.id, module)
        assert progress.progress_of(world.ana.id, [module.id])[module.id].done == 0
    assert _completed(world.ana, module), "still certified (expired counts) while renewing"

    first, second = module.sections
    with tenant_context(world.acme.id):
        progress.complete_section(world.ana.id, first)
    assert len(_certificates(world.ana, module)) == 1
    with tenant_context(world.acme.id):
        progress.complete_section(world.ana.id, second)

    previous, renewal = _certificates(world.ana, module)
    assert renewal.previous_certificate_id == previous.id == old.id
    assert renewal.expires_at > utcnow() + timedelta(days=360)


def test_a_module_with_a_quiz_is_renewed_by_the_quiz_not_by_clearing_sections(world: TwoTenants) -> None:
    module, _ = _certified(world, quiz=True, days_ago=350)

    with tenant_context(world.acme.id), pytest.raises(completion.NotRenewable):
        completion.start_renewal(world.ana.id, module)


def test_after_a_revocation_new_evidence_issues_a_new_certificate(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety", sections=1)
    _complete_sections(world.ana, module)
    (revoked,) = _certificates(world.ana, module)
    with tenant_context(world.acme.id):
        revoked.revoked_at = utcnow()
        db.session.flush()
        assert completion.record_progress(world.ana.id, module.id) is False
        db.session.add(
            ProgressOverride(user_id=world.ana.id, module_id=module.id, reason="Re-checked", allow_certificate=True)
        )
        db.session.flush()
        assert completion.record_progress(world.ana.id, module.id) is True

    old, new = _certificates(world.ana, module)
    assert old.revoked_at is not None
    assert new.previous_certificate_id == old.id
    assert _completed(world.ana, module)


# --- Concurrency ---------------------------------------------------------------------------


def test_concurrent_completions_issue_one_certificate(app: Flask, committed: None) -> None:
    """Two requests complete the same module at once: the database lets one certificate in."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent transactions need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        module = make_module(world.acme, "Safety", sections=1)
        with tenant_context(world.acme.id):
            db.session.add(
                SectionCompletion(user_id=world.ana.id, module_id=module.id, section_id=module.sections[0].id)
            )
        ids = (world.acme.id, world.ana.id, module.id)
        db.session.commit()

    results: dict[str, bool] = {}

    def complete(name: str) -> None:
        with app.app_context(), tenant_context(ids[0]):
            results[name] = completion.record_progress(ids[1], ids[2])
            db.session.commit()

    with app.app_context(), tenant_context(ids[0]):
        results["first"] = completion.record_progress(ids[1], ids[2])  # inserted, not yet committed
        second = threading.Thread(target=complete, args=("second",))
        second.start()
        second.join(timeout=1)
        assert second.is_alive(), "the second insert waits for the first transaction"
        db.session.commit()
    second.join(timeout=30)

    assert results == {"first": True, "second": False}
    with app.app_context(), unscoped("test assertion"):
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
        issued = sa.select(sa.func.count(Notification.id)).where(
            Notification.type == NotificationType.CERTIFICATE_ISSUED
        )
        assert db.session.scalar(issued) == 1
