"""evidence-grade records: what each certificate certifies, a hash chain over the audit log (issue 13, item 7)

- ``certificate.quiz_attempt_id`` / ``progress_override_id``: the evidence that earned it,
  same-tenant keys (so attempts and overrides get a ``(tenant_id, id)`` key) and never both.
  Backfilled with set-based SQL: the latest passing submitted attempt of the module's quiz
  by the holder at or before ``completed_at``, else the latest override with
  ``allow_certificate`` at or before it; neither for a module completed by its sections.
- ``audit_log.chain_seq`` / ``prev_hash`` / ``row_hash``: each tenant's rows (and the
  platform's) become a hash chain (``lms/services/audit_chain.py``). Existing rows are
  chained in id order per tenant, read and written in batches of ``BATCH`` rows, with the
  application's own ``digest`` so the verifier agrees with what the migration wrote.
- ``audit_checkpoint``: how far the audit screen has verified each tenant's chain.

On SQLite the certificate table is rebuilt (batch mode); its partial unique index of chain
starts is dropped first and made again after, so the rebuild cannot lose its WHERE clause.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa

from lms.models.types import Json, UtcDateTime
from lms.services.audit_chain import digest


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1_000

_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("metadata", Json),
    sa.column("ip_address", sa.String),
    sa.column("created_at", UtcDateTime()),
    sa.column("chain_seq", sa.BigInteger),
    sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
)

_CHAIN_STARTS = dict(
    unique=True,
    postgresql_where=sa.text("previous_certificate_id IS NULL"),
    sqlite_where=sa.text("previous_certificate_id IS NULL"),
)

_ATTEMPT_BACKFILL = """
UPDATE certificate SET quiz_attempt_id = (
    SELECT a.id FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id AND q.tenant_id = a.tenant_id
    WHERE a.tenant_id = certificate.tenant_id AND a.user_id = certificate.user_id
      AND q.module_id = certificate.module_id AND a.passed
      AND a.submitted_at IS NOT NULL AND a.submitted_at <= certificate.completed_at
    ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1
)
"""

_OVERRIDE_BACKFILL = """
UPDATE certificate SET progress_override_id = (
    SELECT o.id FROM progress_override o
    WHERE o.tenant_id = certificate.tenant_id AND o.user_id = certificate.user_id
      AND o.module_id = certificate.module_id AND o.allow_certificate
      AND o.created_at <= certificate.completed_at
    ORDER BY o.created_at DESC, o.id DESC LIMIT 1
)
WHERE quiz_attempt_id IS NULL
"""


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_quiz_attempt_tenant_id_id"), ["tenant_id", "id"])
    with op.batch_alter_table("progress_override", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_progress_override_tenant_id_id"), ["tenant_id", "id"])

    if sqlite:
        op.drop_index("ix_certificate_user_id_module_id", table_name="certificate", **_CHAIN_STARTS)
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiz_attempt_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("progress_override_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_tenant_id_quiz_attempt_id_quiz_attempt"),
            "quiz_attempt",
            ["tenant_id", "quiz_attempt_id"],
            ["tenant_id", "id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_tenant_id_progress_override_id_progress_override"),
            "progress_override",
            ["tenant_id", "progress_override_id"],
            ["tenant_id", "id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_certificate_one_source_of_evidence"),
            "quiz_attempt_id IS NULL OR progress_override_id IS NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_tenant_id_quiz_attempt_id"), ["tenant_id", "quiz_attempt_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_tenant_id_progress_override_id"), ["tenant_id", "progress_override_id"], unique=False
        )
    if sqlite:
        op.create_index("ix_certificate_user_id_module_id", "certificate", ["user_id", "module_id"], **_CHAIN_STARTS)
    op.execute(_ATTEMPT_BACKFILL)
    op.execute(_OVERRIDE_BACKFILL)

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_tenant_id_chain_seq"), ["tenant_id", "chain_seq"])
        batch_op.create_index(
            "uq_audit_log_platform_chain_seq",
            ["chain_seq"],
            unique=True,
            postgresql_where=sa.text("tenant_id IS NULL"),
            sqlite_where=sa.text("tenant_id IS NULL"),
        )
    _chain_existing_rows()

    op.create_table(
        "audit_checkpoint",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_audit_checkpoint_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_checkpoint")),
    )


def _chain_existing_rows():
    """Chain the rows already there, per tenant in id order, ``BATCH`` rows read and written at a time."""
    bind = op.get_bind()
    tenants = [row[0] for row in bind.execute(sa.select(_audit.c.tenant_id).distinct())]
    for tenant_id in tenants:
        of_chain = _audit.c.tenant_id.is_(None) if tenant_id is None else _audit.c.tenant_id == tenant_id
        seq, previous, after_id = 0, None, 0
        while True:
            rows = bind.execute(
                sa.select(_audit).where(of_chain, _audit.c.id > after_id).order_by(_audit.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            sealed = []
            for row in rows:
                seq += 1
                row_hash = digest(
                    id=row.id,
                    tenant_id=row.tenant_id,
                    chain_seq=seq,
                    prev_hash=previous,
                    actor_id=row.actor_id,
                    action=row.action,
                    entity_type=row.entity_type,
                    entity_id=row.entity_id,
                    details=row._mapping["metadata"],
                    ip_address=row.ip_address,
                    created_at=row.created_at,
                )
                sealed.append({"key": row.id, "seq": seq, "prev": previous, "hash": row_hash})
                previous = row_hash
            bind.execute(
                _audit.update()
                .where(_audit.c.id == sa.bindparam("key"))
                .values(chain_seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("hash")),
                sealed,
            )
            after_id = rows[-1].id


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_audit_log_platform_chain_seq",
            postgresql_where=sa.text("tenant_id IS NULL"),
            sqlite_where=sa.text("tenant_id IS NULL"),
        )
        batch_op.drop_constraint(batch_op.f("uq_audit_log_tenant_id_chain_seq"), type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")

    if sqlite:
        op.drop_index("ix_certificate_user_id_module_id", table_name="certificate", **_CHAIN_STARTS)
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_tenant_id_progress_override_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_tenant_id_quiz_attempt_id"))
        batch_op.drop_constraint(batch_op.f("ck_certificate_one_source_of_evidence"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_certificate_tenant_id_progress_override_id_progress_override"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_certificate_tenant_id_quiz_attempt_id_quiz_attempt"), type_="foreignkey")
        batch_op.drop_column("progress_override_id")
        batch_op.drop_column("quiz_attempt_id")
    if sqlite:
        op.create_index("ix_certificate_user_id_module_id", "certificate", ["user_id", "module_id"], **_CHAIN_STARTS)
    with op.batch_alter_table("progress_override", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_progress_override_tenant_id_id"), type_="unique")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_quiz_attempt_tenant_id_id"), type_="unique")
