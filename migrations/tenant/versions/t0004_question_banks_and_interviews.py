"""question banks and interviews

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-27 21:58:58.480725
"""

import sqlalchemy as sa
from alembic import op

revision = 't0004'
down_revision = 't0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('interview_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('difficulty', sa.String(length=10), nullable=False),
    sa.Column('num_questions', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_templates')),
    schema='tenant'
    )

    op.create_table('question_banks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_banks')),
    sa.UniqueConstraint('name', name=op.f('uq_question_banks_name')),
    schema='tenant'
    )

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('attempt_limit', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['tenant.cohorts.id'], name=op.f('fk_assignments_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['tenant.interview_templates.id'], name=op.f('fk_assignments_template_id_interview_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    schema='tenant'
    )
    with op.batch_alter_table('assignments', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_assignments_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['tenant.question_banks.id'], name=op.f('fk_questions_bank_id_question_banks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    schema='tenant'
    )
    with op.batch_alter_table('questions', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_questions_bank_id'), ['bank_id'], unique=False)

    op.create_table('interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('difficulty_mode', sa.String(length=10), nullable=False),
    sa.Column('num_questions', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_position', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('scored_at', sa.DateTime(), nullable=True),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['tenant.assignments.id'], name=op.f('fk_interviews_assignment_id_assignments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['tenant.users.id'], name=op.f('fk_interviews_candidate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['tenant.interview_templates.id'], name=op.f('fk_interviews_template_id_interview_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interviews')),
    schema='tenant'
    )
    with op.batch_alter_table('interviews', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_interviews_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_interviews_status'), ['status'], unique=False)

    op.create_table('question_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('difficulty', sa.String(length=10), nullable=False),
    sa.Column('reference_answers', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('time_limit_seconds', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['tenant.questions.id'], name=op.f('fk_question_versions_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_versions')),
    sa.UniqueConstraint('question_id', 'version', name=op.f('uq_question_versions_question_id')),
    schema='tenant'
    )
    with op.batch_alter_table('question_versions', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_question_versions_difficulty'), ['difficulty'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_question_versions_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_question_versions_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_question_versions_type'), ['type'], unique=False)

    op.create_table('interview_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('difficulty', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('presented_at', sa.DateTime(), nullable=False),
    sa.Column('draft_saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('time_limit_seconds', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['interview_id'], ['tenant.interviews.id'], name=op.f('fk_interview_answers_interview_id_interviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['tenant.jobs.id'], name=op.f('fk_interview_answers_job_id_jobs')),
    sa.ForeignKeyConstraint(['question_version_id'], ['tenant.question_versions.id'], name=op.f('fk_interview_answers_question_version_id_question_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_answers')),
    sa.UniqueConstraint('interview_id', 'position', name=op.f('uq_interview_answers_interview_id')),
    schema='tenant'
    )
    with op.batch_alter_table('interview_answers', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_interview_answers_interview_id'), ['interview_id'], unique=False)

    op.create_table('mentor_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['tenant.interview_answers.id'], name=op.f('fk_mentor_reviews_answer_id_interview_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['tenant.users.id'], name=op.f('fk_mentor_reviews_mentor_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_reviews')),
    sa.UniqueConstraint('answer_id', 'mentor_id', name=op.f('uq_mentor_reviews_answer_id')),
    schema='tenant'
    )
    with op.batch_alter_table('mentor_reviews', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_mentor_reviews_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_mentor_reviews_mentor_id'), ['mentor_id'], unique=False)


def downgrade() -> None:
    # Indexes go with their tables (MySQL refuses to drop one a foreign key needs).
    op.drop_table('mentor_reviews', schema='tenant')
    op.drop_table('interview_answers', schema='tenant')
    op.drop_table('question_versions', schema='tenant')
    op.drop_table('interviews', schema='tenant')
    op.drop_table('questions', schema='tenant')
    op.drop_table('assignments', schema='tenant')
    op.drop_table('question_banks', schema='tenant')
    op.drop_table('interview_templates', schema='tenant')
