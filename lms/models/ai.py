"""AI module builder: a job that turns a text, file or web page into a draft module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import AiBuildSourceType, AiBuildStatus
from lms.models.types import Json, enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class AiModuleBuild(TenantScoped, Timestamps, db.Model):
    """One run of the AI builder, kept so its source and output can be reviewed and retried.

    The source is ``source_text`` (TEXT), ``source_file_path`` (a storage key, PDF or
    WORD) or ``source_url`` (URL). ``ai_structured`` holds the generated outline
    (title, sections, quiz) until it is applied to a draft module, ``module_id``.
    That link is a same-tenant composite key with no ON DELETE action: SET NULL would
    also null ``tenant_id``, so deleting a module first clears this link.
    Additions: ``source_type`` and ``status`` enums (the spec gives no values),
    ``source_url``, ``error`` (the last failure, shown to the user), ``created_by_id``,
    ``source_name`` (the uploaded file's or asset's name, shown in the list) and ``progress``
    (0 to 100, the page's progress bar while the job runs).
    """

    __tablename__ = "ai_module_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    source_type: Mapped[AiBuildSourceType] = mapped_column(enum_type(AiBuildSourceType))
    status: Mapped[AiBuildStatus] = mapped_column(enum_type(AiBuildStatus), default=AiBuildStatus.PENDING)
    source_text: Mapped[str | None] = mapped_column(sa.Text)
    source_file_path: Mapped[str | None] = mapped_column(sa.String(500))
    source_url: Mapped[str | None] = mapped_column(sa.String(2048))
    ai_structured: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(sa.Text)
    module_id: Mapped[int | None] = mapped_column(index=True)
    source_name: Mapped[str | None] = mapped_column(sa.String(255))
    progress: Mapped[int] = mapped_column(default=0)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (same_tenant_fk(["tenant_id", "module_id"], "module", ondelete=None),)
