"""Employee groups, their members, and the modules assigned to them with deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, owned_rows, same_tenant_fk

if TYPE_CHECKING:
    from lms.models.content import Module
    from lms.models.users import User


class Group(TenantScoped, Timestamps, db.Model):
    """A team or department that modules are assigned to; names are unique per tenant.

    ``color`` is a CSS hex colour (``#rrggbb``; the spec gives no type) for badges.
    Addition: ``description``.
    """

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    color: Mapped[str] = mapped_column(sa.String(7), default="#6c757d")
    description: Mapped[str | None] = mapped_column(sa.Text)

    # The link row takes the group's tenant_id through this join.
    members: Mapped[list[User]] = relationship(
        secondary="user_group",
        primaryjoin="and_(Group.id == UserGroup.group_id, Group.tenant_id == UserGroup.tenant_id)",
        secondaryjoin="User.id == UserGroup.user_id",
        order_by="User.name",
        overlaps="group,user",
    )
    module_assignments: Mapped[list[ModuleGroup]] = owned_rows("group", "ModuleGroup.group_id")

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "name"),
    )

    def __str__(self) -> str:
        return self.name


class UserGroup(TenantScoped, Timestamps, db.Model):
    """Membership of a user in a group; composite primary key as in the spec.

    ``created_at`` is the day the user joined: a deadline runs from the later of
    joining and the module's assignment (DESIGN.md: deadlines).
    """

    __tablename__ = "user_group"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(primary_key=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], overlaps="members")
    group: Mapped[Group] = relationship(foreign_keys=[group_id], overlaps="members")

    __table_args__ = (
        same_tenant_fk(["tenant_id", "group_id"], "group"),
        sa.Index(None, "tenant_id", "group_id"),
    )


class ModuleGroup(TenantScoped, Timestamps, db.Model):
    """A module assigned to a group, optionally mandatory and with a deadline.

    ``deadline_days`` null = no deadline; counted from the later of this row's
    ``created_at`` (the assignment) and the learner's joining of the group
    (DESIGN.md: deadlines).
    """

    __tablename__ = "module_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column()
    group_id: Mapped[int] = mapped_column()
    deadline_days: Mapped[int | None] = mapped_column()
    is_mandatory: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    group: Mapped[Group] = relationship(foreign_keys=[group_id], back_populates="module_assignments")

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "module_id", "group_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        same_tenant_fk(["tenant_id", "group_id"], "group"),
        sa.CheckConstraint("deadline_days IS NULL OR deadline_days >= 0", name="deadline_days_not_negative"),
        sa.Index(None, "tenant_id", "group_id"),
    )
