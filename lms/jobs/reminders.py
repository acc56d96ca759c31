"""The daily deadline-reminder job (DESIGN.md: jobs, deadlines; issue 6, item 8).

``deadline_reminders`` is the periodic entry: it queues one ``tenant_deadline_reminders``
job per active tenant (``enqueue_per_tenant``), so a big or failing company does not
hold the others back. Both are idempotent: the reminders are deduplicated.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.jobs import job
from lms.models import Tenant
from lms.services.reminders import send_deadline_reminders
from lms.services.tenants import enqueue_per_tenant
from lms.tenancy import tenant_context

log = logging.getLogger(__name__)


@job(label=_l("Deadline reminders"))
def deadline_reminders() -> None:
    """Deadline reminders: 7 days and 1 day before a due date, and once when overdue."""
    enqueue_per_tenant(tenant_deadline_reminders, "deadline reminder sweep")


@job()
def tenant_deadline_reminders(tenant_id: int) -> None:
    """The deadline reminders of one company."""
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        sent = send_deadline_reminders(tenant)
    log.info("deadline reminders for tenant %s: %d sent", tenant_id, sent)
