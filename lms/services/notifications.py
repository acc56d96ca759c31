"""In-app notifications and their email copies (issue 6: one ``notify`` for every sender).

A notification is a row for the learner's bell. With a ``dedup_key`` it is sent at most
once per tenant: the NotificationDedup unique constraint decides, so a reminder job that
runs twice, or is retried, sends nothing new. The email copy follows the recipient's
EmailPreference: its family toggle (e.g. ``deadline_reminders``) and its frequency —
IMMEDIATE mails now (after the commit), DAILY/WEEKLY leave it for the digest job, OFF
never mails.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.extensions import db
from lms.jobs import enqueue, job
from lms.models import EmailPreference, Notification, NotificationDedup, User
from lms.models.enums import EmailFrequency, NotificationType
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.tenancy import current_tenant_id, tenant_context

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


def email_frequency(user_id: int, type_: NotificationType) -> EmailFrequency:
    """How this user gets email copies of this type: OFF when its family toggle is off."""
    preference = db.session.scalar(sa.select(EmailPreference).where(EmailPreference.user_id == user_id))
    if preference is None:
        return EmailFrequency.IMMEDIATE
    if not getattr(preference, EMAIL_FAMILY[type_]):
        return EmailFrequency.OFF
    return preference.frequency


def notify(
    user_id: int,
    type_: NotificationType,
    title: str,
    message: str = "",
    *,
    link: str | None = None,
    dedup_key: str | None = None,
    attachment: Attachment | None = None,
) -> Notification | None:
    """Notify one user in the current tenant; None when ``dedup_key`` was already used.

    Title and message are final text in the recipient's language (the caller renders
    them in the tenant's locale). The caller commits.
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
    notification = Notification(user_id=user_id, type=type_, title=title, message=message, link=link)
    db.session.add(notification)
    db.session.flush()
    if email_frequency(user_id, type_) is EmailFrequency.IMMEDIATE:
        enqueue(email_notification, tenant_id, notification.id, attachment.__dict__ if attachment else None)
    return notification


@job("email")
def email_notification(tenant_id: int, notification_id: int, attachment: dict[str, str] | None = None) -> None:
    """Send the email copy of one notification, once: ``emailed_at`` is claimed by a guarded update."""
    from lms.jobs.mail import send_mail

    with tenant_context(tenant_id):
        claimed = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, Notification.emailed_at.is_(None))
            .values(emailed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return
        notification = db.session.get(Notification, notification_id)
        user = db.session.get(User, notification.user_id)
        send_mail(
            user.email,
            notification.title,
            "notification",
            notification=notification,
            attachments=[attachment] if attachment else None,
        )


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, ~Notification.is_read)
    )
