"""Private calendar feeds: one secret address per user and company (issue 15, item 4)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps
from lms.models.types import UtcDateTime


class CalendarFeed(TenantScoped, Timestamps, db.Model):
    """The key to ``/calendar/<token>.ics``; not in the spec (an addition of issue 15).

    The token is never stored: ``seed`` (128 random bits) and the app's SECRET_KEY derive
    it (``services/calendar_feed.py``), and ``token_hash`` finds the row from it, so a copy
    of the database alone opens no feed, while the settings page can still show the link.
    Revoking sets ``revoked_at``; at most one feed per user and company is live (the
    partial unique index), the revoked ones stay as history.
    """

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    seed: Mapped[str] = mapped_column(sa.String(32))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.Index(
            None,
            "tenant_id",
            "user_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
    )
