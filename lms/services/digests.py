"""Email digests of unread notifications (issue 6, item 9).

Users whose EmailPreference frequency is DAILY or WEEKLY get no email per notification
(see ``notifications.notify``); instead the digest job sends each of them one email
listing their unread notifications that no email has carried yet, of the families they
left switched on. A company's digests are mass mail: jobs of up to ``BATCH_SIZE``
recipients on the ``bulk`` queue, each sending over one SMTP connection (issue 12, item
4). A notification a digest carried gets ``emailed_at`` when the message went out, and no
digest lists one that has it, so a digest retried or run twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import groupby

import sqlalchemy as sa
from flask_babel import ngettext

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job
from lms.jobs.mail import BATCH_SIZE, Mail, render_mail, send_batch, stable_message_id
from lms.models import EmailPreference, Membership, Notification, Tenant, User
from lms.models.enums import EmailFrequency, NotificationType
from lms.models.types import utcnow
from lms.services.notifications import EMAIL_FAMILY
from lms.services.tenants import send_for_tenant
from lms.tenancy import tenant_context

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


def _due(frequency: EmailFrequency) -> tuple[sa.ColumnElement[bool], ...]:
    """A notification a digest of ``frequency`` carries: unread, not emailed, its recipient's choice."""
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"{frequency} has no digest")
    return Notification.emailed_at.is_(None), ~Notification.is_read, _chose(frequency), _active_member()


def send_digests(tenant: Tenant, frequency: EmailFrequency) -> int:
    """Queue the digests of ``frequency`` for the current tenant; how many people get one.

    One query finds who has something to read; their digests go out in jobs of
    ``BATCH_SIZE`` recipients on the ``bulk`` queue (``digest_batch``). The caller commits.
    """
    user_ids = list(
        db.session.scalars(
            sa.select(Notification.user_id).where(*_due(frequency)).distinct().order_by(Notification.user_id)
        )
    )
    for start in range(0, len(user_ids), BATCH_SIZE):
        enqueue(digest_batch, tenant.id, frequency.value, user_ids[start : start + BATCH_SIZE])
    return len(user_ids)


@job("bulk")
def digest_batch(tenant_id: int, frequency: str, user_ids: list[int]) -> None:
    """One email per user among ``user_ids`` listing what their digest carries, over one SMTP connection.

    The notifications a message lists get ``emailed_at`` once it went out (``send_batch``),
    so a retried or repeated job sends nothing twice; the Message-ID is derived from the
    oldest notification listed, the same at a repeat after a killed worker.
    """
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        rows = db.session.execute(
            sa.select(
                Notification.user_id,
                Notification.id,
                Notification.title,
                Notification.message,
                Notification.link,
                Notification.created_at,
                User.email,
            )
            .join(User, User.id == Notification.user_id)
            .where(*_due(EmailFrequency(frequency)), Notification.user_id.in_(user_ids))
            .order_by(Notification.user_id, Notification.created_at.desc(), Notification.id)
        ).all()
        carried: dict[str, list[int]] = {}
        mails: list[Mail] = []
        with tenant_locale(tenant_id):
            for (_, email), group in groupby(rows, key=lambda row: (row.user_id, row.email)):
                items = list(group)
                message_id = stable_message_id("digest", tenant_id, min(row.id for row in items))
                carried[message_id] = [row.id for row in items]
                subject = ngettext(
                    "%(num)d new notification in %(company)s",
                    "%(num)d new notifications in %(company)s",
                    len(items),
                    company=tenant.name,
                )
                digest = [DigestItem(row.title, row.message or "", row.link, row.created_at) for row in items]
                mails.append(
                    render_mail(email, subject, "digest", message_id=message_id, items=digest, company=tenant.name)
                )

        def record(sent: list[Mail]) -> None:
            db.session.execute(
                sa.update(Notification)
                .where(Notification.id.in_([i for mail in sent for i in carried[mail.message_id]]))
                .values(emailed_at=utcnow())
                .execution_options(synchronize_session=False)
            )

        send_batch(mails, record)


@job()
def tenant_digest(tenant_id: int, frequency: str) -> int:
    """One company's digests of one frequency (DAILY or WEEKLY): its part of a digest sweep."""
    return send_for_tenant(
        tenant_id, partial(send_digests, frequency=EmailFrequency(frequency)), f"{frequency.lower()} digests"
    )
