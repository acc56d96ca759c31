"""Live training sessions run by mentors, and the groups invited to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, owned_rows, same_tenant_fk
from lms.models.types import UtcDateTime

if TYPE_CHECKING:
    from lms.models.users import User


class MentorLiveEvent(TenantScoped, Timestamps, db.Model):
    """A scheduled live session (video call at ``meet_url``), optionally about a module.

    The audience is the groups in LiveEventGroup. ``reminder_sent_at`` makes the
    reminder cron job send once, however often it runs (DESIGN.md: jobs).
    ``host_id`` is nullable so that deleting an account keeps the event's history.
    ``module_id`` is a same-tenant composite key with no ON DELETE action: SET NULL
    would also null ``tenant_id``, so deleting a module first clears this link.
    Additions: ``duration_minutes`` (the spec gives only ``startsAt``) and
    ``reminder_sent_at``.
    """

    __tablename__ = "mentor_live_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    meet_url: Mapped[str] = mapped_column(sa.String(2048))
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    module_id: Mapped[int | None] = mapped_column(index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    host: Mapped[User | None] = relationship()
    group_links: Mapped[list[LiveEventGroup]] = owned_rows("event", "LiveEventGroup.event_id")

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "module_id"], "module", ondelete=None),
        sa.Index(None, "tenant_id", "starts_at"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    def __str__(self) -> str:
        return self.title


class LiveEventGroup(TenantScoped, Timestamps, db.Model):
    """A group invited to a live event (the M:N link of the spec).

    The link carries ``tenant_id`` and both composite keys, so neither side can belong
    to another tenant (DESIGN.md: link tables are not filtered by the scoping hook).
    """

    __tablename__ = "live_event_group"

    event_id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(primary_key=True, index=True)

    event: Mapped[MentorLiveEvent] = relationship(back_populates="group_links", foreign_keys=[event_id])

    __table_args__ = (
        same_tenant_fk(["tenant_id", "event_id"], "mentor_live_event"),
        same_tenant_fk(["tenant_id", "group_id"], "group"),
    )
