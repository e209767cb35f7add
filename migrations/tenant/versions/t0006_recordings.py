"""voice answers: recordings, their chunks, recording consents

Revision ID: t0006
Revises: t0005
Create Date: 2026-11-28 00:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0006'
down_revision = 't0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('duration', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('error_code', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=True),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('transcript', sa.JSON(), nullable=True),
    sa.Column('speech', sa.JSON(), nullable=True),
    sa.Column('audio_key', sa.String(length=200), nullable=True),
    sa.Column('audio_deleted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['tenant.interview_answers.id'], name=op.f('fk_recordings_answer_id_interview_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['candidate_id'], ['tenant.users.id'], name=op.f('fk_recordings_candidate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['tenant.jobs.id'], name=op.f('fk_recordings_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings')),
    schema='tenant'
    )
    with op.batch_alter_table('recordings', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_recordings_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_recordings_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_recordings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_recordings_created_at'), ['created_at'], unique=False)

    op.create_table('recording_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recording_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['tenant.recordings.id'], name=op.f('fk_recording_chunks_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_chunks')),
    sa.UniqueConstraint('recording_id', 'seq', name=op.f('uq_recording_chunks_recording_id')),
    schema='tenant'
    )
    with op.batch_alter_table('recording_chunks', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_recording_chunks_recording_id'), ['recording_id'], unique=False)

    op.create_table('recording_consents',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('policy_hash', sa.String(length=64), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['tenant.users.id'], name=op.f('fk_recording_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_recording_consents')),
    schema='tenant'
    )


def downgrade() -> None:
    op.drop_table('recording_consents', schema='tenant')
    op.drop_table('recording_chunks', schema='tenant')
    op.drop_table('recordings', schema='tenant')
