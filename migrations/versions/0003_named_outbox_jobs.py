"""named outbox jobs: the RQ job id a caller chose (issue 11)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_column('job_id')
