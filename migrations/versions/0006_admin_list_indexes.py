"""indexes for the admin lists' default sorts (issue 12, item 5)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Tenant first, then the column a large list is sorted by: the quiz attempts by start,
the certificates by issue date, a learner's notifications newest first. The XP ledger
and the audit log have theirs since 0001.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_quiz_attempt_tenant_id_started_at', 'quiz_attempt', ['tenant_id', 'started_at']),
    ('ix_certificate_tenant_id_issued_at', 'certificate', ['tenant_id', 'issued_at']),
    ('ix_notification_tenant_id_user_id_created_at', 'notification', ['tenant_id', 'user_id', 'created_at']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
