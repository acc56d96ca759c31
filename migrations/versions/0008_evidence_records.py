"""evidence-grade records: what each certificate certifies, a hash chain over the audit log (issue 13, item 7)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
