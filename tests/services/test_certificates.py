"""Certificates: the PDF, the code, revoking, re-sending and verification (issue 6).

Expiry notices: tests/services/test_compliance.py.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.models import AuditLog, Certificate, Module, Notification, ProgressOverride, Quiz, QuizAttempt, User
from lms.models.enums import AuditAction, NotificationType, TenantRole
from lms.models.types import utcnow
from lms.services import certificates, completion, progress, tenants
from lms.services.certificates import CertificateError, CertificateStatus
from lms.storage import get_storage, read_bytes
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_certificate, make_module, make_quiz, make_user, two_tenants
from tests.smtp import smtp_server


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _issue(certificate: Certificate, **kwargs: bool) -> None:
    with tenant_context(certificate.tenant_id):
        certificates.issue(certificate.id, **kwargs)
        db.session.flush()


def test_codes_are_random_long_and_readable() -> None:
    codes = {certificates.new_code() for _ in range(1000)}

    assert len(codes) == 1000
    assert all(len(code) == 16 and code.isalnum() and code.isupper() for code in codes)
    assert certificates.CODE_BYTES * 8 >= 60


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2025, 1, 31, tzinfo=UTC), 1, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2025, 11, 15, tzinfo=UTC), 12, datetime(2026, 11, 15, tzinfo=UTC)),
        (datetime(2025, 12, 1, tzinfo=UTC), 2, datetime(2026, 2, 1, tzinfo=UTC)),
        (datetime(2026, 3, 1, tzinfo=UTC), -12, datetime(2025, 3, 1, tzinfo=UTC)),
    ],
)
def test_validity_months_count_calendar_months(start: datetime, months: int, end: datetime) -> None:
    assert certificates.add_months(start, months) == end


def test_the_pdf_names_the_holder_the_module_the_company_and_the_code(world: TwoTenants) -> None:
    bor = make_user("ziga@globex.test", (world.globex, TenantRole.EMPLOYEE), name="Žiga Čančar Šušteršič")
    module = make_module(world.globex, "Varnost pri delu: čšž")
    with tenant_context(world.globex.id):
        module.validity_months = 12
    certificate = make_certificate(module, bor)

    _issue(certificate)

    text = _text(read_bytes(get_storage(), certificate.pdf_path))
    assert "Žiga Čančar Šušteršič" in text
    assert "Varnost pri delu: čšž" in text
    assert world.globex.name in text
    assert certificate.unique_code in text
    assert f"http://lms.test/verify/{certificate.unique_code}" in text
    assert str(certificate.expires_at.year) in text
    assert certificate.pdf_path == f"tenants/{world.globex.id}/certificates/{certificate.unique_code}.pdf"


def test_a_certificate_without_validity_says_it_does_not_expire(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Welcome"), world.ana)

    _issue(certificate)

    assert "Does not expire" in _text(read_bytes(get_storage(), certificate.pdf_path))


def test_issuing_twice_stores_one_pdf_and_notifies_once(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)

    _issue(certificate)
    first = read_bytes(get_storage(), certificate.pdf_path)
    _issue(certificate)

    assert read_bytes(get_storage(), certificate.pdf_path) == first
    with tenant_context(world.acme.id):
        notifications = db.session.scalars(sa.select(Notification)).all()
    assert [(n.type, n.user_id) for n in notifications] == [(NotificationType.CERTIFICATE_ISSUED, world.ana.id)]
    assert certificate.unique_code in notifications[0].message


def test_revoking_keeps_the_code_and_issue_date_and_is_audited(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)
    code, issued = certificate.unique_code, certificate.issued_at

    with tenant_context(world.acme.id):
        certificates.revoke(certificate, "  Completed by a colleague.  ")
        db.session.flush()
        audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == AuditAction.CERTIFICATE_REVOKED)).one()

    assert (certificate.unique_code, certificate.issued_at) == (code, issued)
    assert certificate.revoked_reason == "Completed by a colleague."
    assert certificate.revoked_at is not None
    assert audit.entity_id == str(certificate.id)
    assert audit.details["reason"] == "Completed by a colleague."


def test_revoking_needs_a_reason_and_happens_once(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)

    with tenant_context(world.acme.id):
        with pytest.raises(CertificateError, match="reason"):
            certificates.revoke(certificate, "   ")
        assert certificate.revoked_at is None
        certificates.revoke(certificate, "Mistake")
        with pytest.raises(CertificateError, match="already revoked"):
            certificates.revoke(certificate, "Again")
        assert certificate.revoked_reason == "Mistake"


def test_resending_emails_the_same_certificate_again(
    app_ctx: Flask, world: TwoTenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)
    _issue(certificate)
    code, issued, stored = (
        certificate.unique_code,
        certificate.issued_at,
        read_bytes(get_storage(), certificate.pdf_path),
    )
    certificate_id = certificate.id
    db.session.commit()  # the first email (the notification's) goes out here, before the server listens

    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app_ctx.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app_ctx.config, "SMTP_PORT", port)
        monkeypatch.setitem(app_ctx.config, "SMTP_STARTTLS", False)
        with tenant_context(world.acme.id):
            certificates.resend(db.session.get(Certificate, certificate_id))
        db.session.commit()

    (message,) = inbox.messages
    assert message["To"] == "ana@acme.test"
    (attachment,) = [part for part in message.walk() if part.get_content_disposition() == "attachment"]
    assert attachment.get_filename() == f"certificate-{code}.pdf"
    assert attachment.get_payload(decode=True) == stored
    with tenant_context(world.acme.id):
        again = db.session.get(Certificate, certificate_id)
        assert (again.unique_code, again.issued_at) == (code, issued)


def test_a_revoked_certificate_cannot_be_resent(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)
    with tenant_context(world.acme.id):
        certificates.revoke(certificate, "Mistake")
        with pytest.raises(CertificateError):
            certificates.resend(certificate)


def test_regenerating_renders_again_with_the_same_code_and_issue_date(world: TwoTenants) -> None:
    certificate = make_certificate(make_module(world.acme, "Safety"), world.ana)
    _issue(certificate)
    code, issued, path = certificate.unique_code, certificate.issued_at, certificate.pdf_path
    world.ana.name = "Ana Novak"

    _issue(certificate, regenerate=True)

    assert (certificate.unique_code, certificate.issued_at, certificate.pdf_path) == (code, issued, path)
    assert "Ana Novak" in _text(read_bytes(get_storage(), path))
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1


# --- Verification --------------------------------------------------------------------------


def test_verification_tells_valid_expired_and_revoked(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift")
    with tenant_context(world.acme.id):
        module.validity_months = 12
    fresh = make_certificate(module, world.ana)
    expired = make_certificate(module, world.ana, completed_days_ago=400, previous=fresh)
    due = make_certificate(make_module(world.acme, "First aid"), world.ana, completed_days_ago=0)
    with tenant_context(world.acme.id):
        due.expires_at = utcnow() + timedelta(days=5)
        revoked = make_certificate(make_module(world.acme, "Ladders"), world.ana)
        certificates.revoke(revoked, "Mistake")
        db.session.flush()

    assert certificates.verify(fresh.unique_code).status is CertificateStatus.VALID
    assert certificates.verify(expired.unique_code).status is CertificateStatus.EXPIRED
    assert certificates.verify(due.unique_code).status is CertificateStatus.RENEWAL_DUE
    assert certificates.verify(due.unique_code).label == "Expiring soon"
    assert certificates.verify(revoked.unique_code.lower()).status is CertificateStatus.REVOKED
    assert certificates.verify(fresh.unique_code).module_title == "Forklift"


def test_verification_names_company_module_version_holder_and_days(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift")
    with tenant_context(world.acme.id):
        module.validity_months = 12
        module.version = 3
        world.acme.timezone = "Pacific/Kiritimati"  # UTC+14: the company's day, not UTC's
    forever = make_certificate(make_module(world.acme, "Ladders"), world.ana)
    certificate = make_certificate(module, world.ana)
    with tenant_context(world.acme.id):
        certificate.issued_at = datetime(2026, 3, 1, 12, tzinfo=UTC)
        certificate.expires_at = datetime(2027, 3, 1, 12, tzinfo=UTC)
        db.session.flush()

    seen = certificates.verify(certificate.unique_code)

    assert (seen.company, seen.module_title, seen.module_version, seen.holder) == ("Acme", "Forklift", 3, "Ana")
    assert (seen.issued_on, seen.expires_on) == (date(2026, 3, 2), date(2027, 3, 2))
    assert certificates.verify(forever.unique_code).expires_on is None
    assert "ana@acme.test" not in repr(seen)


# --- What a certificate certifies (issue 13, item 7) ----------------------------------------


def _submit_attempt(user: User, quiz: Quiz, *, passed: bool, number: int) -> QuizAttempt:
    with tenant_context(quiz.tenant_id):
        attempt = QuizAttempt(
            quiz_id=quiz.id,
            user_id=user.id,
            attempt_number=number,
            submitted_at=utcnow(),
            score=100.0 if passed else 0.0,
            passed=passed,
        )
        db.session.add(attempt)
        db.session.flush()
    return attempt


def _newest(user: User, module: Module) -> Certificate:
    with tenant_context(module.tenant_id):
        return certificates.newest_certificate(user.id, module.id)


def _complete_sections(user: User, module: Module) -> None:
    with tenant_context(module.tenant_id):
        for section in module.sections:
            progress.complete_section(user.id, section)


def test_a_certificate_earned_by_a_quiz_records_the_passing_attempt_and_the_version(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift")
    quiz = make_quiz(module)
    with tenant_context(world.acme.id):
        module.version = 2
    _complete_sections(world.ana, module)
    _submit_attempt(world.ana, quiz, passed=False, number=1)
    passing = _submit_attempt(world.ana, quiz, passed=True, number=2)
    with tenant_context(world.acme.id):
        assert completion.record_progress(world.ana.id, module.id)

    certificate = _newest(world.ana, module)

    assert (certificate.quiz_attempt_id, certificate.progress_override_id) == (passing.id, None)
    assert certificate.module_version == 2


def test_a_certificate_earned_by_an_override_records_the_override(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift")
    make_quiz(module)
    with tenant_context(world.acme.id):
        override = ProgressOverride(
            user_id=world.ana.id, module_id=module.id, reason="Trained elsewhere", allow_certificate=True
        )
        db.session.add(override)
        db.session.flush()
        assert completion.record_override(override)

    certificate = _newest(world.ana, module)

    assert (certificate.quiz_attempt_id, certificate.progress_override_id) == (None, override.id)


def test_a_certificate_earned_by_sections_alone_names_no_attempt_or_override(world: TwoTenants) -> None:
    module = make_module(world.acme, "Ladders")
    _complete_sections(world.ana, module)

    certificate = _newest(world.ana, module)

    assert certificate is not None
    assert (certificate.quiz_attempt_id, certificate.progress_override_id) == (None, None)


def test_a_certificate_cannot_name_both_an_attempt_and_an_override(world: TwoTenants) -> None:
    module = make_module(world.acme, "Forklift")
    quiz = make_quiz(module)
    attempt = _submit_attempt(world.ana, quiz, passed=True, number=1)
    with tenant_context(world.acme.id):
        override = ProgressOverride(user_id=world.ana.id, module_id=module.id, reason="x", allow_certificate=True)
        db.session.add(override)
        db.session.flush()
    certificate = make_certificate(module, world.ana)

    with tenant_context(world.acme.id):
        savepoint = db.session.begin_nested()
        certificate.quiz_attempt_id, certificate.progress_override_id = attempt.id, override.id
        with pytest.raises(IntegrityError):
            db.session.flush()
        savepoint.rollback()


def test_a_certificate_cannot_name_another_companys_attempt(world: TwoTenants) -> None:
    theirs = make_module(world.globex, "Forklift")
    attempt = _submit_attempt(world.bor, make_quiz(theirs), passed=True, number=1)
    certificate = make_certificate(make_module(world.acme, "Forklift"), world.ana)

    with tenant_context(world.acme.id):
        savepoint = db.session.begin_nested()
        certificate.quiz_attempt_id = attempt.id
        with pytest.raises(IntegrityError):
            db.session.flush()
        savepoint.rollback()


def test_an_unknown_or_malformed_code_verifies_nothing(world: TwoTenants) -> None:
    make_certificate(make_module(world.acme, "Safety"), world.ana)

    assert certificates.verify("AAAAAAAAAAAAAAAA") is None
    assert certificates.verify("' OR 1=1 --") is None
    assert certificates.verify("") is None


def test_an_issued_certificate_carries_the_companys_signer_and_logo(world: TwoTenants) -> None:
    """Issue 14, item 8: what tenant settings say about certificates reaches the stored PDF."""
    logo = io.BytesIO()
    Image.new("RGB", (90, 30), (217, 72, 15)).save(logo, format="PNG")
    logo.seek(0)
    with tenant_context(world.globex.id):
        tenants.update_named_settings(
            world.globex, {"certificate_signer_name": "Mojca Žagar", "certificate_signer_title": "Direktorica"}
        )
        tenants.set_logo(world.globex, logo)
    certificate = make_certificate(make_module(world.globex, "Prva pomoč"), world.bor)

    _issue(certificate)

    pdf = pypdf.PdfReader(io.BytesIO(read_bytes(get_storage(), certificate.pdf_path)))
    text = pdf.pages[0].extract_text()
    assert "Mojca Žagar" in text
    assert "Direktorica" in text
    assert "Potrdilo prejme" in text
    assert len(pdf.pages[0].images) == 2  # the logo and the QR code
