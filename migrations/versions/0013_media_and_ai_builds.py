"""media library and AI module builds (issue 16)

- ``media_asset.provider`` may be LOCAL or S3 (our own storage backends) besides the spec's
  hosted providers; ``media_asset.duration_seconds``, ``poster_path`` and ``delete_attempts``.
- ``ai_module_build.source_name`` and ``progress``.

SQLite adds the columns in place; its enum CHECK on ``provider`` is rebuilt with the table
(batch mode). No MediaAsset row can exist before this revision (nothing created one), so the
rebuild's drop of the old table nulls no section's ``media_asset_id``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHECK = "ck_media_asset_media_provider"
OLD = ("CLOUDFLARE_STREAM", "VERCEL_BLOB")
NEW = (*OLD, "LOCAL", "S3")


def _provider_check(values: tuple[str, ...]) -> str:
    return "provider IN ({})".format(", ".join(f"'{value}'" for value in values))


def upgrade() -> None:
    op.add_column("media_asset", sa.Column("duration_seconds", sa.Integer(), nullable=True))
    op.add_column("media_asset", sa.Column("poster_path", sa.String(length=500), nullable=True))
    op.add_column("media_asset", sa.Column("delete_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("ai_module_build", sa.Column("source_name", sa.String(length=255), nullable=True))
    op.add_column("ai_module_build", sa.Column("progress", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("media_asset") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint("media_provider", _provider_check(NEW))
    if op.get_bind().dialect.name != "sqlite":
        # The server defaults only filled the existing rows; the models set the value of new ones.
        op.alter_column("media_asset", "delete_attempts", server_default=None)
        op.alter_column("ai_module_build", "progress", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("media_asset") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint("media_provider", _provider_check(OLD))
    for table, column in (
        ("ai_module_build", "progress"),
        ("ai_module_build", "source_name"),
        ("media_asset", "delete_attempts"),
        ("media_asset", "poster_path"),
        ("media_asset", "duration_seconds"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
