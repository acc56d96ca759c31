"""usage sessions and report indexes (issue 13, items 1-5)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Usage sessions (item 5) are read per company over a period (usage per week, for
everyone in reach): tenant first, then the start. A ping finds a user's sessions
through the per-user index of 0001. The reports read section completions per learner
and module (a page of the progress matrix, a learner's first step before a certificate)
and, like certificates and last accesses, per company over a period (analytics, the
manager's weekly trends).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_user_session_tenant_id_started_at", "user_session", ["tenant_id", "started_at"]),
    (
        "ix_section_completion_tenant_id_user_id_module_id_completed_at",
        "section_completion",
        ["tenant_id", "user_id", "module_id", "completed_at"],
    ),
    ("ix_section_completion_tenant_id_completed_at", "section_completion", ["tenant_id", "completed_at"]),
    ("ix_certificate_tenant_id_completed_at", "certificate", ["tenant_id", "completed_at"]),
    ("ix_user_module_last_access_tenant_id_accessed_at", "user_module_last_access", ["tenant_id", "accessed_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
