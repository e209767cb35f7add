"""cohorts have an optional join code a self-registering candidate gives to join them

Revision ID: t0032
Revises: t0031
Create Date: 2026-12-02 06:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0032'
down_revision = 't0031'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER names the tenant's real schema (t0005 says why); None on SQLite."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('cohorts', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('join_code', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cohorts_join_code'), ['join_code'])


def downgrade() -> None:
    with op.batch_alter_table('cohorts', schema=_schema()) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cohorts_join_code'), type_='unique')
        batch_op.drop_column('join_code')
