"""mentor reviews keep their rubric checklist in a column of its own

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-27 23:10:00.000000

ALTER TABLE statements name their schema as a plain string, which schema_translate_map
does not rewrite: they take the tenant's real schema from the migration context instead
(None on SQLite, where each tenant is its own file).
"""

import sqlalchemy as sa
from alembic import op

revision = 't0005'
down_revision = 't0004'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    op.add_column('mentor_reviews', sa.Column('rubric_checked', sa.JSON(), nullable=True), schema=_schema())


def downgrade() -> None:
    with op.batch_alter_table('mentor_reviews', schema=_schema()) as batch_op:
        batch_op.drop_column('rubric_checked')
