"""Knowledge suggestions: learners propose missing content, vote and discuss it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, same_tenant_fk
from lms.models.enums import SuggestionStatus
from lms.models.types import UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.users import User


class KnowledgeSuggestion(TenantScoped, Timestamps, db.Model):
    """A proposal for knowledge the company is missing (DESIGN.md: suggestions).

    ``vote_count`` is changed only by an atomic update in the same transaction as the
    vote row, so it stays equal to the votes. ``popular_notified_at`` makes the
    "reached the popular threshold" notice go out once. ``converted_module_id`` is the
    draft module created on CONVERTED: a same-tenant composite key with no ON DELETE
    action, because SET NULL would also null ``tenant_id``; deleting that module first
    clears this link. ``author_id`` is nullable so that deleting an account keeps the
    suggestion and its votes. Additions: ``reviewed_by_id``, ``reviewed_at``,
    ``rejection_reason``, ``converted_module_id``, ``popular_notified_at``.
    """

    __tablename__ = "knowledge_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[SuggestionStatus] = mapped_column(enum_type(SuggestionStatus), default=SuggestionStatus.OPEN)
    vote_count: Mapped[int] = mapped_column(default=0)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    converted_module_id: Mapped[int | None] = mapped_column(index=True)
    popular_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    comments: Mapped[list[KnowledgeSuggestionComment]] = relationship(
        back_populates="suggestion",
        foreign_keys="KnowledgeSuggestionComment.suggestion_id",
        order_by="KnowledgeSuggestionComment.created_at",
        passive_deletes=True,
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "converted_module_id"], "module", ondelete=None),
        sa.Index(None, "tenant_id", "status", "created_at"),
        sa.Index(None, "tenant_id", "vote_count"),
        sa.CheckConstraint("vote_count >= 0", name="vote_count_nonnegative"),
    )

    def __str__(self) -> str:
        return self.title


class KnowledgeSuggestionVote(TenantScoped, Timestamps, db.Model):
    """One user's upvote; the unique pair of the spec makes a double click harmless."""

    __tablename__ = "knowledge_suggestion_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))

    suggestion: Mapped[KnowledgeSuggestion] = relationship(foreign_keys=[suggestion_id])

    __table_args__ = (
        same_tenant_fk(["tenant_id", "suggestion_id"], "knowledge_suggestion"),
        sa.UniqueConstraint("user_id", "suggestion_id"),
    )


class KnowledgeSuggestionComment(TenantScoped, Timestamps, db.Model):
    """A threaded comment on a suggestion; ``parent_id`` is the comment answered.

    Replies go with the comment they answer. ``user_id`` is nullable so that deleting an
    account keeps the replies of others.
    """

    __tablename__ = "knowledge_suggestion_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(sa.Text)

    suggestion: Mapped[KnowledgeSuggestion] = relationship(back_populates="comments", foreign_keys=[suggestion_id])
    user: Mapped[User | None] = relationship()
    parent: Mapped[KnowledgeSuggestionComment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "suggestion_id"], "knowledge_suggestion"),
        same_tenant_fk(["tenant_id", "parent_id"], "knowledge_suggestion_comment"),
        sa.Index(None, "suggestion_id", "created_at"),
    )
