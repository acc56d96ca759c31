"""activity per company, learner and day (issue 13: analytics and trends at company scale)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Empty at first: the nightly rollup (``services/activity.py``) fills the last weeks on its
first run, and until then analytics reads the days it lacks live, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("width IN (1, 7)", name=op.f("ck_activity_period_day_or_week")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_activity_period_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_activity_period_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_period")),
        sa.UniqueConstraint(
            "tenant_id", "width", "start", "user_id", name=op.f("uq_activity_period_tenant_id_width_start_user_id")
        ),
    )
    op.create_index(op.f("ix_activity_period_tenant_id"), "activity_period", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_activity_period_tenant_id_user_id_width_start"),
        "activity_period",
        ["tenant_id", "user_id", "width", "start"],
        unique=False,
    )
    op.create_table(
        "activity_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_activity_rollup_tenant_id_tenant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_rollup")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_activity_rollup_tenant_id")),
    )
    op.create_index(op.f("ix_activity_rollup_tenant_id"), "activity_rollup", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_activity_rollup_tenant_id"), table_name="activity_rollup")
    op.drop_table("activity_rollup")
    op.drop_index(op.f("ix_activity_period_tenant_id_user_id_width_start"), table_name="activity_period")
    op.drop_index(op.f("ix_activity_period_tenant_id"), table_name="activity_period")
    op.drop_table("activity_period")
