"""Modules pinned to the top of the dashboard, by a learner or by the company."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.types import UtcDateTime, utcnow

if TYPE_CHECKING:
    from lms.models.content import Module
    from lms.models.users import User


class UserPinnedModule(TenantScoped, Timestamps, db.Model):
    """A learner's own pin; pinning twice is harmless because the triple is unique."""

    __tablename__ = "user_pinned_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    pinned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.Index(None, "tenant_id", "module_id"),
    )


class CompanyPinnedModule(TenantScoped, Timestamps, db.Model):
    """A module HR pins for everyone in the tenant, shown in ``sort_order``.

    Addition: ``sort_order``. ``pinned_by_id`` is nullable so that deleting the
    account keeps the pin.
    """

    __tablename__ = "company_pinned_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column()
    pinned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    pinned_by: Mapped[User | None] = relationship(foreign_keys=[pinned_by_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
    )
