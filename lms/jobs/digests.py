"""The daily and weekly email digests (issue 6, item 9): one sweep per frequency, one job per tenant."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.jobs import job
from lms.models import Tenant
from lms.models.enums import EmailFrequency
from lms.services.digests import send_digests
from lms.services.tenants import enqueue_per_tenant
from lms.tenancy import tenant_context

log = logging.getLogger(__name__)


@job(label=_l("Daily email digest"))
def daily_digest() -> None:
    """Daily email digest of unread notifications, for users who chose it."""
    enqueue_per_tenant(tenant_digest, "daily digest sweep", EmailFrequency.DAILY.value)


@job(label=_l("Weekly email digest"))
def weekly_digest() -> None:
    """Weekly email digest of unread notifications, for users who chose it."""
    enqueue_per_tenant(tenant_digest, "weekly digest sweep", EmailFrequency.WEEKLY.value)


@job()
def tenant_digest(tenant_id: int, frequency: str) -> None:
    """The digests of one company for one frequency (DAILY or WEEKLY)."""
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        sent = send_digests(tenant, EmailFrequency(frequency))
    log.info("%s digest for tenant %s: %d emails", frequency.lower(), tenant_id, sent)
