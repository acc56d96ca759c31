"""User accounts, their fine-grained permissions, email tokens and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps
from lms.models.enums import EmailFrequency, EmailTokenType, Permission, Role, TenantRole
from lms.models.types import Json, UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.tenancy import Membership


class User(UserMixin, Timestamps, db.Model):
    """A global account; what it may do in a company comes from its Membership there.

    Additions: ``name``, ``is_active`` (platform-wide lock), ``session_version`` (bumped
    on logout, password reset or deactivation so that every old session cookie stops
    working) and ``last_login_at``. ``password_hash`` is empty until an invite is accepted.
    """

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.EMPLOYEE)
    is_active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    def get_id(self) -> str:
        """The login id carries the session version: bumping it ends every older session."""
        return f"{self.id}:{self.session_version}"

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class UserPermission(TenantScoped, Timestamps, db.Model):
    """A permission granted to one user in one tenant on top of the role's defaults.

    ``scope`` (JSON, optional) narrows it, e.g. ``{"group_ids": [3, 7]}``.
    """

    __tablename__ = "user_permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    permission: Mapped[Permission] = mapped_column(enum_type(Permission))
    scope: Mapped[dict[str, Any] | None] = mapped_column(Json)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id", "permission"),)


class EmailToken(Timestamps, db.Model):
    """A single-use password-reset or invite token.

    Not tenant-scoped: a reset belongs to the global account. An invite names its
    tenant in ``tenant_id`` (nullable here for that reason) and the ``role`` to grant.
    Only the SHA-256 of the token is stored (``token_hash``; the spec's ``token``),
    so a database leak does not hand out working links.
    """

    __tablename__ = "email_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[EmailTokenType] = mapped_column(enum_type(EmailTokenType))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    role: Mapped[TenantRole | None] = mapped_column(enum_type(TenantRole))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EmailPreference(TenantScoped, Timestamps, db.Model):
    """Which notifications a user also gets by email in one tenant, and how often.

    The spec says "notification toggles and frequency": one boolean per family of
    NotificationType (mapped in the notifications service) and an EmailFrequency.
    """

    __tablename__ = "email_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[EmailFrequency] = mapped_column(enum_type(EmailFrequency), default=EmailFrequency.IMMEDIATE)
    new_modules: Mapped[bool] = mapped_column(default=True)
    deadline_reminders: Mapped[bool] = mapped_column(default=True)
    quiz_results: Mapped[bool] = mapped_column(default=True)
    comment_replies: Mapped[bool] = mapped_column(default=True)
    certificates: Mapped[bool] = mapped_column(default=True)
    module_updates: Mapped[bool] = mapped_column(default=True)
    community: Mapped[bool] = mapped_column(default=True)
    rewards: Mapped[bool] = mapped_column(default=True)
    system: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)


class UserSession(TenantScoped, Timestamps, db.Model):
    """Usage analytics: one visit of a user to a tenant (not the login session).

    Kept by the learner pages' ping (``services/usage.py``): a gap of over 30 minutes
    between pings starts a new session. Indexed per user (a ping finds the newest
    session) and per tenant by start (usage over a period, for the whole company).
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_ping_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_seconds: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.Index(None, "tenant_id", "user_id", "started_at"),
        sa.Index(None, "tenant_id", "started_at"),
    )


class ActivityPeriod(TenantScoped, db.Model):
    """A learner was active in a day or a week of the company's calendar: analytics' active learners.

    An addition to the spec for speed (issue 13, analytics at company scale): counting
    distinct learners per day and week from every session, section completion and quiz
    attempt of twelve weeks reads a million rows; this keeps one row per learner and day
    (``width`` 1) and per learner and week (``width`` 7, from Monday), so a chart counts
    index entries instead. ``start`` is a day number (days since 1970-01-01) in the zone of
    ``ActivityRollup``, so the rollup is INSERT … SELECT on both databases. Written only by
    the nightly rollup (``services/activity.py``) for closed days and weeks.
    """

    __tablename__ = "activity_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    width: Mapped[int] = mapped_column()
    start: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))

    __table_args__ = (
        # user_id last: a period's count for everyone comes from the index alone; the second
        # index serves a group's people, each learner's periods read directly.
        sa.UniqueConstraint("tenant_id", "width", "start", "user_id"),
        sa.Index(None, "tenant_id", "user_id", "width", "start"),
        sa.CheckConstraint("width IN (1, 7)", name="day_or_week"),
    )


class ActivityRollup(TenantScoped, db.Model):
    """How far a company's ``ActivityPeriod`` rows are complete: every day up to ``through``
    (a day number) in ``timezone``, and every week ending by then; a company whose zone
    changed is rolled up again."""

    __tablename__ = "activity_rollup"

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    through: Mapped[int] = mapped_column()

    __table_args__ = (sa.UniqueConstraint("tenant_id"),)
