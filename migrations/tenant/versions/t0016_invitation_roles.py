"""invitations.role holds every role of the invitee ("admin,candidate,mentor" is 22 characters)

Revision ID: t0016
Revises: t0014
Create Date: 2026-12-02 03:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0016'
down_revision = 't0014'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER names the tenant's real schema (t0005 says why); None on SQLite."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('invitations', schema=_schema()) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=20), type_=sa.String(length=64),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=_schema()) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=64), type_=sa.String(length=20),
                              existing_nullable=False)
