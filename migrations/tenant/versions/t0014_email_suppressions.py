"""email_suppressions (addresses the provider reported bounced, spam-reporting or unsubscribed)

Revision ID: t0014
Revises: t0012
Create Date: 2026-12-02 01:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0014'
down_revision = 't0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_suppressions')),
    sa.UniqueConstraint('email', name=op.f('uq_email_suppressions_email')),
    schema='tenant'
    )


def downgrade() -> None:
    op.drop_table('email_suppressions', schema='tenant')
