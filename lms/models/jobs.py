"""The job outbox: jobs recorded in the transaction of the change that needs them (DESIGN.md: jobs)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.base import Timestamps
from lms.models.types import Json


class JobOutbox(Timestamps, db.Model):
    """One job that its transaction committed and nobody has delivered yet.

    ``lms.jobs.enqueue`` writes the row in the caller's transaction, so the job exists
    exactly when the change that needs it does; after the commit the row is handed to
    RQ (or run inline in the embedded mode) and deleted, and a relay hands on the rows
    that Redis did not take. The table holds only what is in transit.

    ``id`` is random, not a sequence: the RQ job id ``outbox-<id>`` must never be
    reused, not after a restored backup nor by another database on the same Redis, or
    a new job would be taken for one already handed over. ``job_id``, when the caller
    named the work (a periodic job's company and day), is the RQ job id instead, so two
    queueings of that work are one RQ job. ``tenant_id`` is the tenant the job was
    queued for (None for platform work). The table is not ``TenantScoped``:
    the relay reads every company's rows with no tenant active, and nothing outside
    ``lms.jobs`` reads it.
    """

    __tablename__ = "job_outbox"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    queue: Mapped[str] = mapped_column(sa.String(16))
    path: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list[Any]] = mapped_column(Json)
    kwargs: Mapped[dict[str, Any]] = mapped_column(Json)
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (sa.Index(None, "created_at"),)
