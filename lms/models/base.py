"""Mixins every model builds on: timestamps and tenant ownership."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lms.models.types import UtcDateTime, utcnow


class Timestamps:
    """``created_at`` / ``updated_at`` on every table (issue 3: timestamps are an addition to the spec)."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class TenantScoped:
    """A row owned by one tenant.

    ``lms.tenancy`` scopes every ORM query of these models to the active tenant and
    stamps ``tenant_id`` on new rows (DESIGN.md: tenancy).
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(sa.ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False, index=True)


def same_tenant_fk(columns: list[str], parent: str, *, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    """A composite foreign key ``(tenant_id, parent_id) -> parent(tenant_id, id)``.

    It makes a link to another tenant's row impossible in the database itself
    (DESIGN.md: tenancy, "as Indico does"). The parent declares
    ``UniqueConstraint("tenant_id", "id")``. ``columns`` is ``["tenant_id", "<parent>_id"]``.
    """
    return sa.ForeignKeyConstraint(columns, [f"{parent}.tenant_id", f"{parent}.id"], ondelete=ondelete)


def owned_rows(back_populates: str, foreign_keys: str, *, order_by: str | None = None) -> Any:
    """The rows that belong to this one (a module's sections, a quiz's questions).

    The database deletes them with their owner (ON DELETE CASCADE, so ``passive_deletes``
    lets it instead of loading them first); one taken out of the list is deleted too.
    """
    return relationship(
        back_populates=back_populates,
        foreign_keys=foreign_keys,
        order_by=order_by,
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
