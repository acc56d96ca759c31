"""Compliance: telling learners when a certification needs renewing (DESIGN.md: certificates and compliance).

A certificate with an expiry opens its renewal window ``RENEWAL_WINDOW`` before it
expires: its holder gets MODULE_EXPIRING then, and MODULE_EXPIRED once it has expired —
each once per certificate, keyed ``module-expiring:<id>`` / ``module-expired:<id>`` in
NotificationDedup. Only the newest certificate of a chain counts (a renewed one needs no
notice), not revoked, of a published module, held by an active member. A run that
missed days sends only the notice that still makes sense (an expired certificate gets
"expired", not "expiring" as well). A company costs two queries to find what is new
however many learners it has, then ``notify_many``'s few set-based statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from lms.extensions import db
from lms.jobs import job
from lms.models import Certificate, Membership, Module, NotificationDedup, Tenant, User
from lms.models.enums import ModuleStatus, NotificationType
from lms.models.types import utcnow
from lms.services.certificates import RENEWAL_WINDOW, is_newest
from lms.services.notifications import notify_about_modules
from lms.services.tenants import send_for_tenant

EXPIRING = "module-expiring"
EXPIRED = "module-expired"


@dataclass(frozen=True)
class Notice:
    kind: str
    certificate_id: int
    user_id: int
    module_id: int
    module_title: str
    expires_at: datetime

    @property
    def dedup_key(self) -> str:
        return f"{self.kind}:{self.certificate_id}"

    @property
    def type(self) -> NotificationType:
        return NotificationType.MODULE_EXPIRED if self.kind == EXPIRED else NotificationType.MODULE_EXPIRING


def due_notices(now: datetime) -> list[Notice]:
    """The notices the current company's learners are due now and have not had; one query."""
    kind = sa.case((Certificate.expires_at <= now, sa.literal(EXPIRED)), else_=sa.literal(EXPIRING))
    key = kind + sa.literal(":") + sa.cast(Certificate.id, sa.String)
    rows = db.session.execute(
        sa.select(
            kind, Certificate.id, Certificate.user_id, Certificate.module_id, Module.title, Certificate.expires_at
        )
        .join(Module, sa.and_(Module.id == Certificate.module_id, Module.tenant_id == Certificate.tenant_id))
        .join(
            Membership,
            sa.and_(Membership.user_id == Certificate.user_id, Membership.tenant_id == Certificate.tenant_id),
        )
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_at.is_not(None),
            Certificate.expires_at <= now + RENEWAL_WINDOW,
            is_newest(),
            Module.status == ModuleStatus.PUBLISHED,
            Membership.is_active,
            User.is_active,
            ~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == key).exists(),
        )
        .order_by(Certificate.id)
    )
    return [Notice(*row) for row in rows]


def _texts(notice: Notice, tenant: Tenant) -> tuple[str, str]:
    """Title and message in the company's language, the date in its time zone."""
    title = notice.module_title
    day = format_date(notice.expires_at.astimezone(ZoneInfo(tenant.timezone)).date(), "long")
    if notice.kind == EXPIRED:
        return (
            _("Certificate expired: %(module)s", module=title),
            _(
                "Your certificate for %(module)s expired on %(date)s. Take the module again to renew it.",
                module=title,
                date=day,
            ),
        )
    return (
        _("Renewal due: %(module)s", module=title),
        _(
            "Your certificate for %(module)s expires on %(date)s. Take the module again before then to stay certified.",
            module=title,
            date=day,
        ),
    )


def send_expiry_notices(tenant: Tenant, now: datetime | None = None) -> int:
    """Send the current company's due notices; how many went out. The caller commits."""
    return notify_about_modules(tenant, due_notices(now or utcnow()), _texts)


@job()
def tenant_expiry_notices(tenant_id: int) -> int:
    """One company's part of the daily sweep (``services/schedule.py``): its due notices, each once."""
    return send_for_tenant(tenant_id, send_expiry_notices, "certificate expiry notices")
