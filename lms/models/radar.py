"""Mentor radar: links to outside content that mentors share and admins approve."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import RadarPostStatus
from lms.models.types import UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class MentorRadarPost(TenantScoped, Timestamps, db.Model):
    """A shared link; learners see it once approved, pinned posts first.

    ``approved_at`` orders the feed and decides what is "new" against RadarSeen.
    ``author_id`` is nullable so that deleting an account keeps approved posts.
    Additions: ``approved_by_id`` and ``rejection_reason`` (shown to the author with
    RADAR_REJECTED).
    """

    __tablename__ = "mentor_radar_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RadarPostStatus] = mapped_column(enum_type(RadarPostStatus), default=RadarPostStatus.PENDING)
    pinned: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.Index(None, "tenant_id", "status", "approved_at"),
        sa.Index(None, "tenant_id", "pinned", "approved_at"),
    )

    def __str__(self) -> str:
        return self.title


class RadarSeen(TenantScoped, Timestamps, db.Model):
    """When a user last opened the radar in a tenant: approved posts after it count as new."""

    __tablename__ = "radar_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)


class RadarSave(TenantScoped, Timestamps, db.Model):
    """A user's bookmark of a radar post; ``created_at`` is when it was saved."""

    __tablename__ = "radar_save"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(index=True)

    post: Mapped[MentorRadarPost] = relationship(foreign_keys=[post_id])

    __table_args__ = (
        same_tenant_fk(["tenant_id", "post_id"], "mentor_radar_post"),
        sa.UniqueConstraint("tenant_id", "user_id", "post_id"),
    )
