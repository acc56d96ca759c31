"""stored tsvector columns for the catalog search (issue 12, item 3)

The GIN expression indexes of 0005 answered a rare word fast, but for a word in
nearly every section the planner scanned the tenant's rows and recomputed
``to_tsvector`` on each (a bitmap scan is charged the same per-row recheck, so the
index never looked cheaper): about 105 ms a page at 2,000 modules. Each text now has a
stored generated ``tsvector`` per configuration (``search_english``, ``search_simple``),
kept by PostgreSQL on every write, with a GIN index of the same name as before over it;
whichever plan the planner picks only reads the stored vector. Adding a stored
generated column rewrites the table once. PostgreSQL only: SQLite searches with LIKE.
Declared in lms/models/content.py (``_search_vector``, ``_search_indexes``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CONFIGS = ("english", "simple")
TEXTS = {"module": "(title::text || ' '::text) || description", "section": "search_text"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, text in TEXTS.items():
        for config in CONFIGS:
            op.drop_index(f"ix_{table}_search_{config}", table_name=table)
            op.add_column(
                table,
                sa.Column(
                    f"search_{config}",
                    TSVECTOR,
                    sa.Computed(f"to_tsvector('{config}'::regconfig, {text})", persisted=True),
                ),
            )
            op.create_index(f"ix_{table}_search_{config}", table, [f"search_{config}"], postgresql_using="gin")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, text in TEXTS.items():
        for config in CONFIGS:
            op.drop_index(f"ix_{table}_search_{config}", table_name=table)
            op.drop_column(table, f"search_{config}")
            op.create_index(
                f"ix_{table}_search_{config}",
                table,
                [sa.text(f"to_tsvector('{config}'::regconfig, {text})")],
                postgresql_using="gin",
            )
