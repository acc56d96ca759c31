"""usage sessions and report indexes (issue 13, items 1-5)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
