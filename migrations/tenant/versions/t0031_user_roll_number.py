"""users carry the college's roll number (optional, unique in a college)

Revision ID: t0031
Revises: t0016
Create Date: 2026-12-02 06:20:00.000000

Placement cells know their candidates by roll number: admins set it, the users CSV import
reads it, exports and cohort membership by CSV match on it.
"""

import sqlalchemy as sa
from alembic import op

revision = 't0031'
down_revision = 't0033'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER names the tenant's real schema (t0005 says why); None on SQLite."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('roll_number', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_roll_number'), ['roll_number'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_roll_number'), type_='unique')
        batch_op.drop_column('roll_number')
