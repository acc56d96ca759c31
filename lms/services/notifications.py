"""In-app notifications and their email copies (issue 6: one ``notify`` for every sender).

A notification is a row for the learner's bell. With a ``dedup_key`` it is sent at most
once per tenant: the NotificationDedup unique constraint decides, so a reminder job that
runs twice, or is retried, sends nothing new. The email copy follows the recipient's
EmailPreference: its family toggle (e.g. ``deadline_reminders``) and its frequency —
IMMEDIATE mails now (after the commit), DAILY/WEEKLY leave it for the digest job, OFF
never mails. One notification's copy goes on the ``urgent`` queue (a certificate, a quiz
result: someone may be waiting for it); a batch's copies (``notify_many``: the sweeps) go
on ``bulk``, one job per ``BATCH_SIZE`` recipients, sent over one SMTP connection
(DESIGN.md: jobs; issue 12, item 4). Either job sets ``emailed_at`` on what it sent and
skips what has it, so a retried job sends nothing twice, and each copy's Message-ID is
derived from the notification, so even a repeat after a killed worker is the same message.

Text and links are settled here for every sender (issue 11, item 6): title and message are
rendered in the recipient tenant's language (``i18n.tenant_locale``), whoever or whatever
triggered them, and links are paths built from endpoint names (``services/links.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import sqlalchemy as sa
from flask_babel.speaklater import LazyString

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job
from lms.jobs.mail import BATCH_SIZE, Mail, render_mail, send_batch, stable_message_id
from lms.models import EmailPreference, Notification, NotificationDedup, Tenant, User
from lms.models.enums import EmailFrequency, NotificationType
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore, insert_returning
from lms.services import paging
from lms.services.links import path_for
from lms.services.paging import Page
from lms.tenancy import current_tenant_id, tenant_context

PAGE_SIZE = 20
# Notification text: lazy text (``_l``) is rendered in the recipient tenant's language.
Text = str | LazyString

# Which EmailPreference toggle governs the email copy of each type.
EMAIL_FAMILY: dict[NotificationType, str] = {
    NotificationType.NEW_MODULE: "new_modules",
    NotificationType.DEADLINE_REMINDER: "deadline_reminders",
    NotificationType.QUIZ_RESULT: "quiz_results",
    NotificationType.COMMENT_REPLY: "comment_replies",
    NotificationType.CERTIFICATE_ISSUED: "certificates",
    NotificationType.PROGRESS_OVERRIDE: "module_updates",
    NotificationType.MODULE_UPDATED: "module_updates",
    NotificationType.MODULE_EXPIRING: "module_updates",
    NotificationType.MODULE_EXPIRED: "module_updates",
    NotificationType.SYSTEM: "system",
    NotificationType.RADAR_APPROVED: "community",
    NotificationType.RADAR_REJECTED: "community",
    NotificationType.NEW_KNOWLEDGE: "community",
    NotificationType.SUGGESTION_POPULAR: "community",
    NotificationType.SUGGESTION_STATUS_CHANGED: "community",
    NotificationType.XP_EARNED: "rewards",
    NotificationType.REWARD_APPROVED: "rewards",
    NotificationType.REWARD_REJECTED: "rewards",
}


@dataclass(frozen=True)
class Attachment:
    """A stored file to attach to the email copy (e.g. a certificate PDF)."""

    file_name: str
    storage_key: str
    content_type: str


def frequency_for(preference: EmailPreference | None, type_: NotificationType) -> EmailFrequency:
    """The rule: no preference row means IMMEDIATE; a family toggle that is off means OFF."""
    if preference is None:
        return EmailFrequency.IMMEDIATE
    if not getattr(preference, EMAIL_FAMILY[type_]):
        return EmailFrequency.OFF
    return preference.frequency


def email_frequency(user_id: int, type_: NotificationType) -> EmailFrequency:
    """How this user gets email copies of this type in the current tenant."""
    preference = db.session.scalar(sa.select(EmailPreference).where(EmailPreference.user_id == user_id))
    return frequency_for(preference, type_)


def notify(
    user_id: int,
    type_: NotificationType,
    title: Text,
    message: Text = "",
    *,
    link: str | None = None,
    dedup_key: str | None = None,
    attachment: Attachment | None = None,
) -> Notification | None:
    """Notify one user in the current tenant; None when ``dedup_key`` was already used.

    Pass lazy text (``_l``): it is rendered here in the tenant's language. Text that also
    formats a date, or joins translated pieces, is built by the caller inside
    ``tenant_locale()``. ``link`` is a path from ``links.path_for``. The caller commits.
    """
    tenant_id = current_tenant_id()
    now = utcnow()
    if dedup_key is not None:
        fresh = insert_or_ignore(
            NotificationDedup,
            {"tenant_id": tenant_id, "user_id": user_id, "dedup_key": dedup_key, "created_at": now, "updated_at": now},
            conflict=["tenant_id", "dedup_key"],
        )
        if not fresh:
            return None
    with tenant_locale():
        title, message = fitted(str(title)), str(message)
    notification = Notification(user_id=user_id, type=type_, title=title, message=message, link=link)
    db.session.add(notification)
    db.session.flush()
    if email_frequency(user_id, type_) is EmailFrequency.IMMEDIATE:
        enqueue(email_notification, tenant_id, notification.id, attachment.__dict__ if attachment else None)
    return notification


@dataclass(frozen=True)
class OutgoingNotification:
    """One notification of a batch: ``notify_many`` sends a list of them at once, like ``notify`` each."""

    user_id: int
    type: NotificationType
    title: Text
    message: Text = ""
    link: str | None = None
    dedup_key: str | None = None


class ModuleNotice(Protocol):
    """Something a learner is told about one module, once (a deadline, an expiring certificate)."""

    user_id: int
    module_id: int

    @property
    def type(self) -> NotificationType: ...

    @property
    def dedup_key(self) -> str: ...


N = TypeVar("N", bound=ModuleNotice)


def notify_about_modules(tenant: Tenant, notices: Sequence[N], texts: Callable[[N, Tenant], tuple[str, str]]) -> int:
    """Send the tenant's due module notices, each once; how many went out. The caller commits.

    ``texts`` gives a notice's title and message; it runs in the tenant's language because
    dates inside the text are formatted there, not later when the text is shown.
    """
    if not notices:
        return 0
    with tenant_locale(tenant.id):
        batch = [
            OutgoingNotification(
                user_id=notice.user_id,
                type=notice.type,
                title=title,
                message=message,
                link=path_for("learner.module_page", module_id=notice.module_id),
                dedup_key=notice.dedup_key,
            )
            for notice in notices
            for title, message in [texts(notice, tenant)]
        ]
    return notify_many(batch)


_TITLE_LENGTH = Notification.__table__.c.title.type.length


def fitted(title: str) -> str:
    """A title cut to its column with "…": senders put a module's name (up to 200 characters) in it."""
    return title if len(title) <= _TITLE_LENGTH else title[: _TITLE_LENGTH - 1] + "…"


def notify_many(batch: Sequence[OutgoingNotification]) -> int:
    """``notify`` for a whole tenant in a few set-based statements; returns how many were sent.

    The dedup keys are inserted with ON CONFLICT DO NOTHING RETURNING, so only the keys
    this call claimed become notifications: a job run twice, or two runs at once, send
    each keyed notification once (the unique constraint decides, not a lookup). Email
    copies follow each recipient's EmailPreference, read for the tenant in one query.
    The caller commits; the IMMEDIATE emails go out after the commit, in batch jobs.
    """
    tenant_id = current_tenant_id()
    now = utcnow()
    keyed = {item.dedup_key: item for item in batch if item.dedup_key is not None}
    claimed: set[str] = set()
    if keyed:
        claimed = set(
            insert_returning(
                NotificationDedup,
                [
                    {
                        "tenant_id": tenant_id,
                        "user_id": item.user_id,
                        "dedup_key": key,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for key, item in keyed.items()
                ],
                conflict=["tenant_id", "dedup_key"],
                returning=NotificationDedup.dedup_key,
            )
        )
    fresh = [item for item in batch if item.dedup_key is None or item.dedup_key in claimed]
    if not fresh:
        return 0
    with tenant_locale():
        texts = [(fitted(str(item.title)), str(item.message)) for item in fresh]
    rows = db.session.execute(
        sa.insert(Notification).returning(Notification.id, Notification.user_id, Notification.type),
        [
            {
                "tenant_id": tenant_id,
                "user_id": item.user_id,
                "type": item.type,
                "title": title,
                "message": message,
                "link": item.link,
                "is_read": False,
                "created_at": now,
                "updated_at": now,
            }
            for item, (title, message) in zip(fresh, texts, strict=True)
        ],
    ).all()
    preferences = _preferences_of({user_id for _, user_id, _ in rows})
    immediate = [
        notification_id
        for notification_id, user_id, type_ in rows
        if frequency_for(preferences.get(user_id), type_) is EmailFrequency.IMMEDIATE
    ]
    for start in range(0, len(immediate), BATCH_SIZE):
        enqueue(email_notifications, tenant_id, immediate[start : start + BATCH_SIZE])
    return len(rows)


def _preferences_of(user_ids: Iterable[int]) -> dict[int, EmailPreference]:
    """The EmailPreference rows of these users in the current tenant, in one query.

    A large set reads the tenant's rows instead of binding thousands of ids: either is
    one statement, and a tenant has at most one row per member.
    """
    ids = set(user_ids)
    query = sa.select(EmailPreference)
    if len(ids) <= 500:
        query = query.where(EmailPreference.user_id.in_(ids))
    return {p.user_id: p for p in db.session.scalars(query) if p.user_id in ids}


@job("urgent")
def email_notification(tenant_id: int, notification_id: int, attachment: dict[str, str] | None = None) -> None:
    """The email copy of one notification (``notify``), with its attachment if it has one."""
    _send_copies(tenant_id, [notification_id], [attachment] if attachment else [])


@job("bulk")
def email_notifications(tenant_id: int, notification_ids: list[int]) -> None:
    """The email copies of a batch of notifications (``notify_many``): one job, one SMTP connection."""
    _send_copies(tenant_id, notification_ids)


def _send_copies(tenant_id: int, notification_ids: list[int], attachments: Sequence[dict[str, str]] = ()) -> None:
    """Send the copies that no email has carried yet and set their ``emailed_at``; three queries however many."""
    with tenant_context(tenant_id):
        rows = db.session.execute(
            sa.select(Notification.id, Notification.title, Notification.message, Notification.link, User.email)
            .join(User, User.id == Notification.user_id)
            .where(Notification.id.in_(notification_ids), Notification.emailed_at.is_(None))
            .order_by(Notification.id)
        ).all()
        if not rows:
            return
        copies: dict[str, int] = {}
        mails: list[Mail] = []
        with tenant_locale(tenant_id):
            for row in rows:
                message_id = stable_message_id("notification", tenant_id, row.id)
                copies[message_id] = row.id
                mails.append(
                    render_mail(
                        row.email,
                        row.title,
                        "notification",
                        message_id=message_id,
                        attachments=attachments,
                        notification=row,
                    )
                )

        def record(sent: list[Mail]) -> None:
            db.session.execute(
                sa.update(Notification)
                .where(
                    Notification.id.in_([copies[mail.message_id] for mail in sent]), Notification.emailed_at.is_(None)
                )
                .values(emailed_at=utcnow())
                .execution_options(synchronize_session=False)
            )

        send_batch(mails, record)


def unread_count(user_id: int) -> int:
    """The number on the bell of every page: one query."""
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, ~Notification.is_read)
    )


def page_of(user_id: int, page: int = 1, per_page: int = PAGE_SIZE) -> Page[Notification]:
    """One page of the user's notifications in the current tenant, newest first (one query)."""
    return paging.newest_first(Notification, user_id, page, per_page)


def mark_read(user_id: int, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False when it is not theirs (or not here).

    Marking a read notification again is harmless; its first ``read_at`` is kept.
    """
    return bool(
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, Notification.user_id == user_id)
            .values(is_read=True, read_at=sa.func.coalesce(Notification.read_at, utcnow()))
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user in the current tenant read; how many were."""
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, ~Notification.is_read)
        .values(is_read=True, read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
