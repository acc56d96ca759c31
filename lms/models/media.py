"""The media library: videos and documents shared by sections."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps
from lms.models.enums import MediaAssetStatus, MediaAssetType, MediaProvider
from lms.models.types import enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class MediaAsset(TenantScoped, Timestamps, db.Model):
    """A stored video or document that sections point at (Section N:1 MediaAsset).

    A video lives at Cloudflare Stream (``cf_stream_uid``), a document in blob storage
    (``blob_url`` / ``storage_path``); ``extracted_text`` is a document's text for
    search and the AI builder. Deletion is two-phase: DELETE_PENDING until the media
    cleanup job has removed the file at the provider, DELETE_FAILED (with ``error``)
    when that failed. ``cf_stream_uid`` is unique across tenants: provider webhooks
    name only it. Declares ``UniqueConstraint("tenant_id", "id")`` so sections can
    refer to it with a same-tenant composite key.
    Additions: ``error``, ``duration_seconds`` (a video's, where its container says),
    ``poster_path`` (a still of a video, stored when the processing job could take one),
    ``delete_attempts`` (the cleanup job's tries before DELETE_FAILED); types for the spec's
    untyped fields (``size_bytes`` is a BIGINT, videos pass 2 GB).
    """

    __tablename__ = "media_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[MediaAssetType] = mapped_column(enum_type(MediaAssetType))
    status: Mapped[MediaAssetStatus] = mapped_column(enum_type(MediaAssetStatus), default=MediaAssetStatus.PROCESSING)
    provider: Mapped[MediaProvider] = mapped_column(enum_type(MediaProvider))
    title: Mapped[str] = mapped_column(sa.String(200))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(127))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    storage_path: Mapped[str | None] = mapped_column(sa.String(500))
    cf_stream_uid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    blob_url: Mapped[str | None] = mapped_column(sa.String(2048))
    extracted_text: Mapped[str | None] = mapped_column(sa.Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_seconds: Mapped[int | None] = mapped_column()
    poster_path: Mapped[str | None] = mapped_column(sa.String(500))
    delete_attempts: Mapped[int] = mapped_column(default=0)

    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.Index(None, "tenant_id", "status"),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_nonnegative"),
    )

    def __str__(self) -> str:
        return self.title or self.file_name
