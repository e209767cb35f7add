"""plugin settings per tenant

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-28 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0002'
down_revision = 't0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plugin_settings',
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('plugin', name=op.f('pk_plugin_settings')),
    schema='tenant'
    )


def downgrade() -> None:
    op.drop_table('plugin_settings', schema='tenant')
