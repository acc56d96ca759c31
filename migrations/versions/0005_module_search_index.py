"""full-text search index for the module catalog (issue 12, item 3)

GIN expression indexes over the text the catalog searches, one per text-search
configuration a tenant's language maps to (``english`` for en, ``simple`` for sl:
PostgreSQL has no Slovenian stemmer), so the search no longer runs ``to_tsvector``
over every section of the tenant. PostgreSQL only: SQLite searches with LIKE. The
indexes are declared in lms/models/content.py (``_search_indexes``), for PostgreSQL
only (``ddl_if`` and ``info["dialect"]``, honoured by migrations/env.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CONFIGS = ("english", "simple")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for config in CONFIGS:
        op.create_index(
            f"ix_module_search_{config}",
            "module",
            [sa.text(f"to_tsvector('{config}'::regconfig, (title::text || ' '::text) || description)")],
            postgresql_using="gin",
        )
        op.create_index(
            f"ix_section_search_{config}",
            "section",
            [sa.text(f"to_tsvector('{config}'::regconfig, search_text)")],
            postgresql_using="gin",
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for config in CONFIGS:
        op.drop_index(f"ix_section_search_{config}", table_name="section")
        op.drop_index(f"ix_module_search_{config}", table_name="module")
