"""jobs and try-it evaluations

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-28 10:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0003'
down_revision = 't0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_jobs_idempotency_key')),
    schema='tenant'
    )
    with op.batch_alter_table('jobs', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_jobs_status'), ['status'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['tenant.jobs.id'], name=op.f('fk_evaluations_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    schema='tenant'
    )
    with op.batch_alter_table('evaluations', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_evaluations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_evaluations_created_by'), ['created_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evaluations', schema='tenant') as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_evaluations_created_by'))
        batch_op.drop_index(batch_op.f('ix_tenant_evaluations_created_at'))

    op.drop_table('evaluations', schema='tenant')
    with op.batch_alter_table('jobs', schema='tenant') as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_tenant_jobs_created_at'))

    op.drop_table('jobs', schema='tenant')
