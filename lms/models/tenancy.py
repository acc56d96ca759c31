"""Tenants (companies) and memberships of users in them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps
from lms.models.enums import TenantPlan, TenantRole, TenantTheme
from lms.models.types import Json, enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class Tenant(Timestamps, db.Model):
    """A company. Not tenant-scoped itself: it is the scope.

    Additions to the spec: ``timezone`` (calendar months of reward limits are counted
    in it) and ``settings`` (JSON: per-tenant XP amounts, suggestion popularity threshold).
    """

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    plan: Mapped[TenantPlan] = mapped_column(enum_type(TenantPlan), default=TenantPlan.FREE)
    locale: Mapped[str] = mapped_column(sa.String(5), default="sl")
    theme: Mapped[TenantTheme] = mapped_column(enum_type(TenantTheme), default=TenantTheme.DEFAULT)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (sa.CheckConstraint("locale IN ('sl', 'en')", name="locale"),)

    def __str__(self) -> str:
        return self.name


class Membership(TenantScoped, Timestamps, db.Model):
    """A user's place in a tenant, with the role there.

    Addition: ``is_active`` — deactivating someone in one company keeps their history
    and their memberships elsewhere.
    """

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[TenantRole] = mapped_column(enum_type(TenantRole), default=TenantRole.EMPLOYEE)
    is_active: Mapped[bool] = mapped_column(default=True)

    tenant: Mapped[Tenant] = relationship(lazy="selectin")
    user: Mapped[User] = relationship(back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)
