"""The audit trail, module version history, acknowledgements, last access and the platform changelog."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import AuditAction
from lms.models.types import Json, UtcDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from lms.models.content import Module
    from lms.models.users import User


class AuditLog(TenantScoped, Timestamps, db.Model):
    """Who did what to which record, written in the same transaction as the change.

    Tenant-owned, but ``tenant_id`` is overridden as nullable: platform events
    (a tenant created, a failed login before a tenant is known) belong to no tenant;
    tenant screens never see them and platform screens read them unscoped.
    ``entity_id`` is a string (the spec gives no type) so composite keys such as
    ``"12:7"`` of link tables fit. ``details`` is the spec's ``metadata`` (changed
    fields, reasons); the column is named ``metadata``, but the attribute cannot be,
    because declarative classes reserve that name. ``actor_id`` is null for the system
    and for anonymous requests. Addition: ``ip_address`` (IPv6 fits in 45 characters).

    Tamper-evident (issue 13, item 7; ``services/audit_chain``): the rows of one tenant, and
    the platform events apart, form a hash chain. ``chain_seq`` (1, 2, … per tenant) orders
    it; ``row_hash`` is SHA-256 over the row's content and ``prev_hash``, the hash of the row
    before. All three are filled when the transaction commits, so they are null only
    inside it; a committed row without them is outside the chain and verification says so.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    chain_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    __table_args__ = (
        sa.Index(None, "tenant_id", "created_at"),
        sa.Index(None, "entity_type", "entity_id"),
        # The chain's order and its head; on PostgreSQL NULLs are distinct, so the platform
        # chain (tenant_id NULL) is kept unique by the second, partial index.
        sa.UniqueConstraint("tenant_id", "chain_seq"),
        sa.Index(
            "uq_audit_log_platform_chain_seq",
            "chain_seq",
            unique=True,
            postgresql_where=sa.text("tenant_id IS NULL"),
            sqlite_where=sa.text("tenant_id IS NULL"),
        ),
    )


class AuditCheckpoint(TenantScoped, Timestamps, db.Model):
    """How far the audit screen has verified its tenant's chain: the row and hash last found intact.

    One row per tenant, moved forward by the audit screen (a bounded step per visit) and by
    ``flask lms audit-verify``; the screen verifies from here to the head instead of from the
    first row (issue 13, item 7). It is a shortcut, not evidence: the command walks the
    whole chain.
    """

    __tablename__ = "audit_checkpoint"

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True)
    chain_seq: Mapped[int] = mapped_column(sa.BigInteger)
    row_hash: Mapped[str] = mapped_column(sa.String(64))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModuleChangeLog(TenantScoped, Timestamps, db.Model):
    """One published version of a module with its change summary (DESIGN.md: module versions).

    A version is recorded once per module, so a double "publish update" cannot log
    it twice. ``changed_by_id`` is nullable so that deleting the account keeps history.
    """

    __tablename__ = "module_change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column()
    change_summary: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "module_id", "version"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
    )


class UserModuleReview(TenantScoped, Timestamps, db.Model):
    """The latest module version a learner acknowledged; older than ``Module.version`` = "updated"."""

    __tablename__ = "user_module_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    last_seen_version: Mapped[int] = mapped_column(default=1)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.Index(None, "tenant_id", "module_id"),
    )


class ChangelogEntry(Timestamps, db.Model):
    """A platform release note for the ``/updates`` page.

    Not tenant-scoped: the platform owner writes it once for every company.
    ``version`` is a free-form release label (e.g. ``"2026.3"``; the spec gives no type).
    ``published_at`` null = a draft nobody sees yet. Additions: ``body``, ``published_at``.
    """

    __tablename__ = "changelog_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    def __str__(self) -> str:
        return f"{self.version} — {self.title}"


class UserModuleLastAccess(TenantScoped, Timestamps, db.Model):
    """When a learner last opened a module: "continue where you left off" and analytics.

    One row per user and module, updated in place (an upsert), so it stays small.
    """

    __tablename__ = "user_module_last_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    accessed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.Index(None, "tenant_id", "user_id", "accessed_at"),
        sa.Index(None, "tenant_id", "module_id"),
        sa.Index(None, "tenant_id", "accessed_at"),  # module use over a period (issue 13, analytics)
    )
