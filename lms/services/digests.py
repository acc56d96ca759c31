"""Email digests of unread notifications (issue 6, item 9).

Users whose EmailPreference frequency is DAILY or WEEKLY get no email per notification
(see ``notifications.notify``); instead the digest job sends each of them one email
listing their unread notifications that no email has carried yet, of the families they
left switched on. The notifications are claimed by one guarded UPDATE (``emailed_at``
from NULL to now) that returns what it claimed, so a digest retried or run twice never
sends a notification twice, and nothing claimed by an IMMEDIATE email goes again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import ngettext

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import job
from lms.jobs.mail import send_mail
from lms.models import EmailPreference, Membership, Notification, Tenant, User
from lms.models.enums import EmailFrequency, NotificationType
from lms.models.types import utcnow
from lms.services.notifications import EMAIL_FAMILY
from lms.services.tenants import send_for_tenant

DIGEST_FREQUENCIES = (EmailFrequency.DAILY, EmailFrequency.WEEKLY)


@dataclass(frozen=True)
class DigestItem:
    title: str
    message: str
    link: str | None
    created_at: datetime


def _chose(frequency: EmailFrequency) -> sa.ColumnElement[bool]:
    """The notification's recipient chose this frequency and left its type's family on."""
    families: dict[str, list[NotificationType]] = defaultdict(list)
    for type_, family in EMAIL_FAMILY.items():
        families[family].append(type_)
    family_on = sa.or_(
        *(sa.and_(Notification.type.in_(types), getattr(EmailPreference, family)) for family, types in families.items())
    )
    return (
        sa.select(EmailPreference.id)
        .where(
            EmailPreference.tenant_id == Notification.tenant_id,
            EmailPreference.user_id == Notification.user_id,
            EmailPreference.frequency == frequency,
            family_on,
        )
        .exists()
    )


def _active_member() -> sa.ColumnElement[bool]:
    return (
        sa.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id == Notification.tenant_id,
            Membership.user_id == Notification.user_id,
            Membership.is_active,
            User.is_active,
        )
        .exists()
    )


def claim_digest_items(frequency: EmailFrequency) -> dict[int, list[DigestItem]]:
    """Mark the current tenant's digest notifications of ``frequency`` as emailed; per user, what was claimed."""
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"{frequency} has no digest")
    rows = db.session.execute(
        sa.update(Notification)
        .where(Notification.emailed_at.is_(None), ~Notification.is_read, _chose(frequency), _active_member())
        .values(emailed_at=utcnow())
        .returning(
            Notification.user_id,
            Notification.title,
            Notification.message,
            Notification.link,
            Notification.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    items: dict[int, list[DigestItem]] = defaultdict(list)
    for user_id, title, message, link, created_at in rows:
        items[user_id].append(DigestItem(title, message or "", link, created_at))
    for user_items in items.values():
        user_items.sort(key=lambda item: item.created_at, reverse=True)
    return dict(items)


def send_digests(tenant: Tenant, frequency: EmailFrequency) -> int:
    """One email per user of the current tenant who chose ``frequency``; how many were sent.

    The caller commits: the claim and the queued emails go together, the emails after.
    """
    items = claim_digest_items(frequency)
    if not items:
        return 0
    emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(list(items)))).all())
    with tenant_locale(tenant.id):
        for user_id, user_items in items.items():
            subject = ngettext(
                "%(num)d new notification in %(company)s",
                "%(num)d new notifications in %(company)s",
                len(user_items),
                company=tenant.name,
            )
            send_mail(emails[user_id], subject, "digest", items=user_items, company=tenant.name)
    return len(items)


@job()
def tenant_digest(tenant_id: int, frequency: str) -> int:
    """One company's digests of one frequency (DAILY or WEEKLY): its part of a digest sweep."""
    return send_for_tenant(
        tenant_id, partial(send_digests, frequency=EmailFrequency(frequency)), f"{frequency.lower()} digests"
    )
