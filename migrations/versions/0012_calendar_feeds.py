"""private calendar feeds (issue 15, item 4: live events with calendar feeds)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

One row per feed a user has had in a company; at most one of them live (``revoked_at``
null), which the partial unique index holds. Only the token's hash is stored, beside the
seed that, with SECRET_KEY, derives it (``services/calendar_feed.py``).
"""

import sqlalchemy as sa
from alembic import op

from lms.models.types import UtcDateTime

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_calendar_feed_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_calendar_feed_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feed_tenant_id"), "calendar_feed", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_calendar_feed_user_id"), "calendar_feed", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_calendar_feed_tenant_id_user_id"),
        "calendar_feed",
        ["tenant_id", "user_id"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_feed_tenant_id_user_id"), table_name="calendar_feed")
    op.drop_index(op.f("ix_calendar_feed_user_id"), table_name="calendar_feed")
    op.drop_index(op.f("ix_calendar_feed_tenant_id"), table_name="calendar_feed")
    op.drop_table("calendar_feed")
