"""Chat, module comments and in-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import ChatMessageType, NotificationType
from lms.models.types import UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.content import Module
    from lms.models.users import User


class ChatMessage(TenantScoped, Timestamps, db.Model):
    """A message in the tenant-wide channel (``module_id`` NULL) or in a module's chat.

    ``user_id`` is NULL for SYSTEM messages and keeps the conversation readable when an
    account is deleted. A mentor marks an answer with ``is_confirmed_answer``; that
    awards MENTOR_CONFIRMATION XP once, keyed by this message's id (DESIGN.md: XP).
    Additions: ``reply_to_id`` (the message answered; a reply goes with it, as a
    comment thread does) and ``confirmed_by_id`` (the mentor who confirmed).
    """

    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int | None] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    type: Mapped[ChatMessageType] = mapped_column(enum_type(ChatMessageType), default=ChatMessageType.MESSAGE)
    body: Mapped[str] = mapped_column(sa.Text)
    reply_to_id: Mapped[int | None] = mapped_column(index=True)
    is_confirmed_answer: Mapped[bool] = mapped_column(default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    reply_to: Mapped[ChatMessage | None] = relationship(remote_side=[id], foreign_keys=[reply_to_id])
    # The room's module (None: the company room); read-only, ``module_id`` is what is written.
    module: Mapped[Module | None] = relationship(foreign_keys=[module_id], viewonly=True)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        same_tenant_fk(["tenant_id", "reply_to_id"], "chat_message"),
        sa.Index(None, "tenant_id", "created_at"),
        sa.Index(None, "tenant_id", "module_id", "id"),
    )


class Comment(TenantScoped, Timestamps, db.Model):
    """A threaded comment on a module; ``parent_id`` points at the comment answered.

    Deleting a comment deletes its replies (the thread has no meaning without its root).
    ``user_id`` is nullable so that deleting an account keeps the replies of others.
    Addition: ``resolved_by_id`` (who marked the question resolved).
    """

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    is_resolved: Mapped[bool] = mapped_column(default=False)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        same_tenant_fk(["tenant_id", "parent_id"], "comment"),
    )


class Notification(TenantScoped, Timestamps, db.Model):
    """An in-app notification; the email copy follows the user's EmailPreference.

    Additions: ``link`` (a URL path inside the app, e.g. ``/modules/12``), ``read_at``
    and ``emailed_at`` — set when the email copy went out, immediately or in a digest,
    so a digest never sends a notification twice (issue 6).
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    type: Mapped[NotificationType] = mapped_column(enum_type(NotificationType))
    title: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))
    is_read: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index(None, "user_id", "is_read"),
        sa.Index(None, "user_id", "tenant_id", "is_read"),
        sa.Index(None, "tenant_id", "user_id", "created_at"),  # the bell's list, newest first (issue 12)
    )


class NotificationDedup(TenantScoped, Timestamps, db.Model):
    """A key saying "this notification was already sent", e.g. ``deadline:7d:<user>:<module>``.

    The unique constraint, not a lookup before the insert, is what makes a reminder job
    that runs twice (or is retried by RQ) send nothing new (DESIGN.md: jobs).
    ``created_at`` is when it was sent. Addition: ``user_id`` — the recipient when the
    key concerns one user (NULL for keys such as "suggestion 7 became popular").
    """

    __tablename__ = "notification_dedup"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(255))

    __table_args__ = (sa.UniqueConstraint("tenant_id", "dedup_key"),)
