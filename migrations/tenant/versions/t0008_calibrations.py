"""calibrations of the AI's scores to a college's mentors

Revision ID: t0008
Revises: t0006
Create Date: 2026-12-01 23:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0008'
down_revision = 't0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fit_number', sa.Integer(), nullable=False),
    sa.Column('interview_type', sa.String(length=20), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('figures_before', sa.JSON(), nullable=False),
    sa.Column('figures_after', sa.JSON(), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('fitted_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations')),
    schema='tenant'
    )
    with op.batch_alter_table('calibrations', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_calibrations_fit_number'), ['fit_number'], unique=False)


def downgrade() -> None:
    op.drop_table('calibrations', schema='tenant')
