"""Certificates: codes, expiry, the PDF, revocation and public verification (DESIGN.md: certificates).

A certificate row is inserted by ``completion.record_progress`` (through ``claim``) in the
transaction that completed the module; the job ``issue_certificate`` (below)
then renders its PDF, stores it and notifies the learner. Every step of the job may run
again (RQ delivers at least once): the PDF goes to the same storage key, and the
CERTIFICATE_ISSUED notification is keyed by the certificate in NotificationDedup.

Certificates are history: a renewal is a new row pointing at the one before
(``previous_certificate_id``); re-sending or regenerating keeps the code and issue date.
"""

from __future__ import annotations

import base64
import calendar
import enum
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import segno
import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job
from lms.jobs.mail import send_mail
from lms.models import Certificate, Module, Tenant, User
from lms.models.enums import AuditAction, NotificationType, TenantTheme
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.pdf import load_layout, render_layout
from lms.services import tenants
from lms.services.audit import audit
from lms.services.links import path_for, url_for_mail
from lms.services.notifications import Attachment, notify
from lms.storage import get_storage, save_bytes
from lms.tenancy import tenant_context, unscoped

RENEWAL_WINDOW = timedelta(days=30)
CODE_BYTES = 10  # 80 random bits, written as 16 base32 characters
_CODE = re.compile(r"^[A-Z2-7]{16}$")


class CertificateError(LmsError):
    """A certificate action that cannot be done (revoking twice, sending a revoked one)."""


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    RENEWAL_DUE = "renewal_due"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.RENEWAL_DUE: _l("Renewal due"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.REVOKED: _l("Revoked"),
}


def status_of(certificate: Certificate, now: datetime, *, renewed: bool = False) -> CertificateStatus:
    """Where a certificate stands; one already renewed is never "renewal due" again.

    The renewal window opens ``RENEWAL_WINDOW`` before expiry (DESIGN.md: compliance).
    """
    if certificate.revoked_at is not None:
        return CertificateStatus.REVOKED
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return CertificateStatus.EXPIRED
    if certificate.expires_at is not None and not renewed and certificate.expires_at - RENEWAL_WINDOW <= now:
        return CertificateStatus.RENEWAL_DUE
    return CertificateStatus.VALID


def status_clause(now: datetime) -> sa.ColumnElement[str]:
    """``status_of`` in SQL, for filtering lists of certificates."""
    return sa.case(
        (Certificate.revoked_at.is_not(None), CertificateStatus.REVOKED.value),
        (Certificate.expires_at.is_(None), CertificateStatus.VALID.value),
        (Certificate.expires_at <= now, CertificateStatus.EXPIRED.value),
        (
            sa.and_(Certificate.expires_at <= now + RENEWAL_WINDOW, is_newest()),
            CertificateStatus.RENEWAL_DUE.value,
        ),
        else_=CertificateStatus.VALID.value,
    )


def new_code() -> str:
    """A random, unguessable code (80 bits); the unique constraint guards the impossible clash."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def expiry(completed_at: datetime, validity_months: int | None) -> datetime | None:
    """``validity_months`` after the completion; None (never) when the module sets no validity."""
    return None if validity_months is None else add_months(completed_at, validity_months)


# One alias for the process: a new one per call made SQLAlchemy work out its columns again on every page.
_SUCCESSOR = aliased(Certificate, name="successor")


def is_newest(certificate: type[Certificate] = Certificate) -> sa.ColumnElement[bool]:
    """SQL: ``certificate`` (the entity or an alias) has no successor — it is the newest of its chain."""
    return ~sa.select(_SUCCESSOR.id).where(_SUCCESSOR.previous_certificate_id == certificate.id).exists()


def newest_certificate(user_id: int, module_id: int) -> Certificate | None:
    """The newest certificate of the learner's chain for a module, revoked or not."""
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.user_id == user_id, Certificate.module_id == module_id, is_newest())
    )


def claim(
    user_id: int,
    module: Module,
    *,
    completed_at: datetime,
    previous: Certificate | None,
    quiz_attempt_id: int | None = None,
    progress_override_id: int | None = None,
) -> Certificate | None:
    """Insert the certificate of a completion; None when another call already did.

    It records what it certifies: the module's current version and the evidence, the passing
    attempt or the override (``completion.evidence_for``; issue 13, item 7).

    The first of a chain collides on the partial unique index of chain starts, a renewal
    on its predecessor's unique ``previous_certificate_id``: the database decides.
    """
    code = new_code()
    values = {
        "tenant_id": module.tenant_id,
        "user_id": user_id,
        "module_id": module.id,
        "unique_code": code,
        "module_version": module.version,
        "completed_at": completed_at,
        "issued_at": completed_at,
        "expires_at": expiry(completed_at, module.validity_months),
        "previous_certificate_id": previous.id if previous is not None else None,
        "quiz_attempt_id": quiz_attempt_id,
        "progress_override_id": progress_override_id,
        "created_at": completed_at,
        "updated_at": completed_at,
    }
    if previous is None:
        inserted = insert_or_ignore(
            Certificate, values, conflict=["user_id", "module_id"], where=Certificate.previous_certificate_id.is_(None)
        )
    else:
        inserted = insert_or_ignore(Certificate, values, conflict=["previous_certificate_id"])
    if not inserted:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.unique_code == code))


# --- The document --------------------------------------------------------------------------


def verify_url(code: str) -> str:
    return url_for_mail("verify.verify_certificate", code=code)


def storage_key(certificate: Certificate) -> str:
    return f"tenants/{certificate.tenant_id}/certificates/{certificate.unique_code}.pdf"


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.unique_code}.pdf"


def _local_day(moment: datetime, tenant: Tenant) -> str:
    return format_date(moment.astimezone(ZoneInfo(tenant.timezone)).date(), "long")


# The theme colours of ``lms/static/css/mojster.css`` (primary, dark, accent).
THEME_PALETTES = {
    TenantTheme.DEFAULT: {"primary": "#2d6a4f", "dark": "#1b4332", "accent": "#95d5b2"},
    TenantTheme.OCEAN: {"primary": "#0077b6", "dark": "#023e8a", "accent": "#90e0ef"},
    TenantTheme.SUNSET: {"primary": "#d9480f", "dark": "#a61e4d", "accent": "#ffd8a8"},
}


def _qr_png(url: str) -> bytes:
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=2)
    return qr.getvalue()


def render_pdf(certificate: Certificate, tenant: Tenant, holder: str, module_title: str) -> bytes:
    """The certificate as ``lms/certificate_layout.json`` draws it, in the tenant's language,
    colours, logo and signer, with a QR code of its verification page on ``BASE_URL``.

    This function only fills the layout's values; where they go and how they look is the
    layout file's (``lms.pdf.render_layout``).
    """
    url = verify_url(certificate.unique_code)
    look = tenants.certificate_look(tenant)
    with tenant_locale(tenant.id):
        values = {
            "title": _("Certificate"),
            "intro": _("This certifies that"),
            "holder": holder,
            "completed": _("has completed the module"),
            "module": module_title,
            "company": tenant.name,
            "issued": _("Issued: %(date)s", date=_local_day(certificate.issued_at, tenant)),
            "expires": (
                _("Valid until: %(date)s", date=_local_day(certificate.expires_at, tenant))
                if certificate.expires_at is not None
                else _("Does not expire")
            ),
            "code": _("Code: %(code)s", code=certificate.unique_code),
            "signer_name": look.signer_name,
            "signer_title": look.signer_title,
            "verify": _("Check it at %(url)s", url=url),
        }
        return render_layout(
            load_layout(),
            _("Certificate: %(module)s", module=module_title),
            values,
            {"logo": tenants.logo_of(tenant), "qr": _qr_png(url)},
            THEME_PALETTES[tenant.theme],
        )


def preview_pdf(tenant: Tenant, holder: str) -> bytes:
    """A sample certificate of the company as it stands (tenant settings' preview); nothing is stored.

    The sample is a certificate that is never added to the session: a year's validity from
    now and a code that verifies nothing.
    """
    now = utcnow()
    sample = Certificate(unique_code="SAMPLE" + "0" * 10, issued_at=now, expires_at=add_months(now, 12))
    with tenant_locale(tenant.id):
        module_title = _("Sample module: safe work with machines")
    return render_pdf(sample, tenant, holder, module_title)


def _render(certificate: Certificate) -> bytes:
    tenant = db.session.get(Tenant, certificate.tenant_id)
    holder = db.session.get(User, certificate.user_id)
    module = db.session.get(Module, certificate.module_id)
    return render_pdf(certificate, tenant, holder.name or holder.email, module.title)


def store_pdf(certificate: Certificate) -> str:
    """Render the certificate and store it under its code; the same key every time."""
    key = storage_key(certificate)
    save_bytes(get_storage(), key, _render(certificate))
    certificate.pdf_path = key
    return key


def attachment_of(certificate: Certificate) -> Attachment:
    return Attachment(file_name(certificate), certificate.pdf_path or storage_key(certificate), "application/pdf")


def issue(certificate_id: int, *, regenerate: bool = False) -> None:
    """The certificate job's work: the PDF (once, or again when asked), then one notification.

    Safe to repeat: the PDF is stored under the same key, and the notification's dedup
    key is the certificate's, so a retried job tells the learner nothing twice.
    """
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return
    if regenerate or certificate.pdf_path is None:
        store_pdf(certificate)
    if certificate.revoked_at is not None:
        return
    module_title = db.session.scalar(sa.select(Module.title).where(Module.id == certificate.module_id))
    notify(
        certificate.user_id,
        NotificationType.CERTIFICATE_ISSUED,
        _l("Your certificate: %(module)s", module=module_title),
        _l(
            "You completed %(module)s. Your certificate is attached; anyone can check it with the code %(code)s.",
            module=module_title,
            code=certificate.unique_code,
        ),
        link=path_for("learner.certificates_page"),
        dedup_key=f"certificate-issued:{certificate.id}",
        attachment=attachment_of(certificate),
    )


def email_copy(certificate_id: int) -> None:
    """The re-send job's work: the certificate by email again, same code and issue date."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.revoked_at is not None:
        return
    if certificate.pdf_path is None:
        store_pdf(certificate)
    holder = db.session.get(User, certificate.user_id)
    module_title = db.session.scalar(sa.select(Module.title).where(Module.id == certificate.module_id))
    with tenant_locale(certificate.tenant_id):
        send_mail(
            holder.email,
            _("Your certificate: %(module)s", module=module_title),
            "certificate",
            attachments=[attachment_of(certificate).__dict__],
            module_title=module_title,
            code=certificate.unique_code,
            link=path_for("learner.certificates_page"),
        )


# --- Admin actions -------------------------------------------------------------------------


def revoke(certificate: Certificate, reason: str) -> None:
    """Revoke with a reason (audited CERTIFICATE_REVOKED); the row and its code stay as history.

    One guarded statement: two admins revoking at once revoke it once.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Give a reason for revoking the certificate."))
    revoked = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not revoked:
        raise CertificateError(_l("This certificate is already revoked."))
    db.session.expire(certificate)
    audit(AuditAction.CERTIFICATE_REVOKED, certificate, code=certificate.unique_code, reason=reason)


def resend(certificate: Certificate) -> None:
    """Email the certificate to its holder again (after the commit)."""
    if certificate.revoked_at is not None:
        raise CertificateError(_l("A revoked certificate cannot be sent."))
    enqueue(email_certificate, certificate.tenant_id, certificate.id)


def regenerate(certificate: Certificate) -> None:
    """Render the PDF again (e.g. after a name was corrected); code and issue date stay."""
    enqueue(issue_certificate, certificate.tenant_id, certificate.id, regenerate=True)


# --- Learner and public pages --------------------------------------------------------------


@dataclass(frozen=True)
class HeldCertificate:
    """One line of the learner's certificate list: the certificate, its module's title and its status."""

    certificate: Certificate
    module_title: str
    status: CertificateStatus


def held_by(user_id: int) -> list[HeldCertificate]:
    """The learner's certificates in the current tenant, newest first, with their status; one query."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(Certificate, Module.title, is_newest())
        .join(Module, sa.and_(Module.id == Certificate.module_id, Module.tenant_id == Certificate.tenant_id))
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    )
    return [HeldCertificate(c, title, status_of(c, now, renewed=not newest)) for c, title, newest in rows]


def owned(user_id: int, certificate_id: int) -> Certificate | None:
    """The learner's own certificate in the current tenant; anyone else's is None (a 404)."""
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.id == certificate_id, Certificate.user_id == user_id)
    )


def downloadable(certificate: Certificate) -> bool:
    """Its holder may download the PDF but of a revoked one (it proves nothing any more)."""
    return certificate.revoked_at is None


def unstored_pdf(certificate: Certificate) -> bytes:
    """The PDF of a certificate the job has not stored yet (still queued), rendered now, not
    stored: storing is the job's, so a download never races it. A stored one is served from
    the storage (``pdf_path``)."""
    return _render(certificate)


VERIFY_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.RENEWAL_DUE: _l("Expiring soon"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.REVOKED: _l("Revoked"),
}


@dataclass(frozen=True)
class Verification:
    """What the public page may show (issue 13, item 7): the company, the module and the version
    certified, the holder's name, the days of issue and expiry in the company's time zone, and
    the status. Nothing else personal (no email). ``tenant_id`` picks the page's language.

    The status is this certificate's own: "renewal due" reads as "expiring soon" to the public,
    whether or not its holder has renewed it already (the renewal has a code of its own).
    """

    status: CertificateStatus
    company: str
    module_title: str
    module_version: int
    holder: str
    issued_on: date
    expires_on: date | None
    tenant_id: int

    @property
    def label(self) -> str:
        return str(VERIFY_LABELS[self.status])


def verify(code: str) -> Verification | None:
    """Look a code up across all companies (the page is public); None for an unknown code; one query."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        return None
    with unscoped("public certificate verification"):
        row = db.session.execute(
            sa.select(Certificate, User.name, Module.title, Tenant.name, Tenant.timezone)
            .join(User, User.id == Certificate.user_id)
            .join(Module, sa.and_(Module.id == Certificate.module_id, Module.tenant_id == Certificate.tenant_id))
            .join(Tenant, Tenant.id == Certificate.tenant_id)
            .where(Certificate.unique_code == code)
        ).first()
    if row is None:
        return None
    certificate, name, title, company, timezone = row
    zone = ZoneInfo(timezone)
    return Verification(
        status=status_of(certificate, utcnow()),
        company=company,
        module_title=title,
        module_version=certificate.module_version,
        holder=name,
        issued_on=certificate.issued_at.astimezone(zone).date(),
        expires_on=certificate.expires_at.astimezone(zone).date() if certificate.expires_at is not None else None,
        tenant_id=certificate.tenant_id,
    )


# --- Jobs ----------------------------------------------------------------------------------
# Each takes ids and runs inside ``tenant_context`` (DESIGN.md: jobs); each is safe to run
# twice: the stored PDF and the NotificationDedup key decide what was done already.


@job("default")
def issue_certificate(tenant_id: int, certificate_id: int, regenerate: bool = False) -> None:
    """Render and store the certificate's PDF (again when ``regenerate``) and notify its holder once."""
    with tenant_context(tenant_id):
        issue(certificate_id, regenerate=regenerate)


@job("default")
def email_certificate(tenant_id: int, certificate_id: int) -> None:
    """Email a certificate to its holder again (an admin's re-send)."""
    with tenant_context(tenant_id):
        email_copy(certificate_id)
