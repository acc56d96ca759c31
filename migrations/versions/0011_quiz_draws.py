"""quiz settings: shuffle questions, shuffle options, draw N questions per attempt (issue 14, item 3)

- ``quiz.shuffle_questions`` / ``shuffle_options`` (false for existing quizzes, which keep
  their order) and ``draw_count`` (null = every question, at least 1 otherwise).
- ``quiz_attempt.drawn_questions``: the questions and option order an attempt asks, fixed
  when it starts; null for existing attempts, which asked every question in order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from lms.models.types import Json

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _foreign_keys(enforced: bool) -> None:
    """SQLite rebuilds ``quiz`` to alter it (copy, drop, rename): the app's connections enforce foreign
    keys, and dropping a table that questions and attempts point at would fail. PostgreSQL alters in place."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")


def upgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shuffle_questions", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("shuffle_options", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("draw_count", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_quiz_draw_count_positive"), "draw_count IS NULL OR draw_count >= 1"
        )
    # The server defaults only filled the existing rows; the model sets the value of new ones.
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.alter_column("shuffle_questions", server_default=None)
        batch_op.alter_column("shuffle_options", server_default=None)
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drawn_questions", Json, nullable=True))
    _foreign_keys(True)


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_column("drawn_questions")
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_quiz_draw_count_positive"), type_="check")
        batch_op.drop_column("draw_count")
        batch_op.drop_column("shuffle_options")
        batch_op.drop_column("shuffle_questions")
    _foreign_keys(True)
