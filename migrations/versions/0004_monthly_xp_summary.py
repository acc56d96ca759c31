"""monthly XP summary per user (issue 12, item 2)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# XP earned per user and calendar month of the tenant's time zone, from the ledger as it stands
# (the rule of lms.models.gamification.XpMonth, written out here so this revision stays as it is).
BACKFILL = """
INSERT INTO xp_month (tenant_id, user_id, month, earned)
SELECT x.tenant_id, x.user_id, {month}, SUM(x.amount)
FROM xp_transaction x JOIN tenant t ON t.id = x.tenant_id
WHERE x.amount > 0
GROUP BY x.tenant_id, x.user_id, {month}
"""
POSTGRESQL_MONTH = "CAST(date_trunc('month', timezone(t.timezone, x.created_at)) AS DATE)"


def _sqlite_month(created_at, timezone):
    local = datetime.fromisoformat(created_at).replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    return local.date().replace(day=1).isoformat()


def upgrade():
    op.create_table('xp_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('earned', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('earned > 0', name=op.f('ck_xp_month_earned_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_xp_month_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_xp_month_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xp_month')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'month', name=op.f('uq_xp_month_tenant_id_user_id_month'))
    )
    with op.batch_alter_table('xp_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xp_month_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xp_month_tenant_id_month_earned_user_id'), ['tenant_id', 'month', 'earned', 'user_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(BACKFILL.format(month=POSTGRESQL_MONTH))
        op.execute('ANALYZE xp_month')
    else:
        bind.connection.driver_connection.create_function('xp_month_of', 2, _sqlite_month, deterministic=True)
        op.execute(BACKFILL.format(month='xp_month_of(x.created_at, t.timezone)'))


def downgrade():
    with op.batch_alter_table('xp_month', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xp_month_tenant_id_month_earned_user_id'))
        batch_op.drop_index(batch_op.f('ix_xp_month_tenant_id'))

    op.drop_table('xp_month')
