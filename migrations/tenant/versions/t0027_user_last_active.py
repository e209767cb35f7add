"""users.last_active_at: when the account was last used (any signed-in request, at most
one write an hour), so retention sees an account used only through remember-me

Revision ID: t0027
Revises: t0016
Create Date: 2026-12-02 06:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0027'
down_revision = 't0016'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER names the tenant's real schema (t0005 says why); None on SQLite."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('last_active_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.drop_column('last_active_at')
