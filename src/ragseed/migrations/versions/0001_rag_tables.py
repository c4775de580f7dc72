"""The RAG engine's tables (shared/schema.md): stage 1, stage 2 columns and graph_triplets.

Revision ID: 0001
Revises:
"""

from alembic import op

from ragseed.db.schema import TABLES, build_metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    md = build_metadata(bind.dialect.name)
    # checkfirst: tables the engine's own migrations already made are left as they are.
    md.create_all(bind, tables=[md.tables[t] for t in TABLES], checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    md = build_metadata(bind.dialect.name)
    md.drop_all(bind, tables=[md.tables[t] for t in reversed(TABLES)], checkfirst=True)
