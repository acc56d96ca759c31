"""Certificate jobs: issue (render, store, notify), re-send by email, and the daily compliance sweep.

Each takes ids and runs inside ``tenant_context`` (DESIGN.md: jobs). All of them are
safe to run twice: RQ retries a job whose worker died, and the database decides what
was already done (the certificate's stored PDF, NotificationDedup keys).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.jobs import job
from lms.models import Tenant
from lms.services import certificates, compliance
from lms.services.tenants import enqueue_per_tenant
from lms.tenancy import tenant_context


@job("default")
def issue_certificate(tenant_id: int, certificate_id: int, regenerate: bool = False) -> None:
    """Render and store the certificate's PDF (again when ``regenerate``) and notify its holder once."""
    with tenant_context(tenant_id):
        certificates.issue(certificate_id, regenerate=regenerate)


@job("default")
def email_certificate(tenant_id: int, certificate_id: int) -> None:
    """Email a certificate to its holder again (an admin's re-send)."""
    with tenant_context(tenant_id):
        certificates.email_copy(certificate_id)


@job("default", label=_l("Certificate expiry notices"))
def compliance_sweep() -> None:
    """Daily: MODULE_EXPIRING when a renewal window opens, MODULE_EXPIRED at expiry; one job per company."""
    enqueue_per_tenant(send_expiry_notices, "compliance sweep")


@job("default")
def send_expiry_notices(tenant_id: int) -> int:
    """MODULE_EXPIRING and MODULE_EXPIRED of one company, each once per certificate."""
    with tenant_context(tenant_id):
        return compliance.send_expiry_notices(db.session.get(Tenant, tenant_id))
