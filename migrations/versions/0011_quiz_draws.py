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

CHECK = "ck_quiz_draw_count_positive"


def _sqlite() -> bool:
    """SQLite alters a table by rebuilding it (copy, drop, rename), and dropping ``quiz`` fails while
    questions and attempts point at it (the app's connections enforce foreign keys, and the
    pragma cannot be turned off inside the migration's transaction). New columns need no rebuild:
    SQLite adds them in place, so there the columns are added as they are, with their server
    defaults kept and without the check, which the model's validation and the service enforce."""
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column("quiz", sa.Column("shuffle_questions", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("quiz", sa.Column("shuffle_options", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("quiz", sa.Column("draw_count", sa.Integer(), nullable=True))
    op.add_column("quiz_attempt", sa.Column("drawn_questions", Json, nullable=True))
    if _sqlite():
        return
    op.create_check_constraint(op.f(CHECK), "quiz", "draw_count IS NULL OR draw_count >= 1")
    # The server defaults only filled the existing rows; the model sets the value of new ones.
    op.alter_column("quiz", "shuffle_questions", server_default=None)
    op.alter_column("quiz", "shuffle_options", server_default=None)


def downgrade() -> None:
    if not _sqlite():
        op.drop_constraint(op.f(CHECK), "quiz", type_="check")
    # SQLite 3.35+ drops a column in place (no rebuild), as PostgreSQL does.
    for table, column in (
        ("quiz_attempt", "drawn_questions"),
        ("quiz", "draw_count"),
        ("quiz", "shuffle_options"),
        ("quiz", "shuffle_questions"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
