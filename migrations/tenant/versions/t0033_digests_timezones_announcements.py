"""users.timezone (each user's own zone), announcements and their cohorts (the history page)

Revision ID: t0033
Revises: t0016
Create Date: 2026-12-02 06:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 't0033'
down_revision = 't0027'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER names the tenant's real schema (t0005 says why); None on SQLite."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('sender_name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('cohort_names', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['tenant.users.id'], name=op.f('fk_announcements_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('key', name=op.f('uq_announcements_key')),
    schema='tenant'
    )
    with op.batch_alter_table('announcements', schema='tenant') as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_announcements_created_at'), ['created_at'], unique=False)
    op.create_table('announcement_cohorts',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['tenant.announcements.id'], name=op.f('fk_announcement_cohorts_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['tenant.cohorts.id'], name=op.f('fk_announcement_cohorts_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('announcement_id', 'cohort_id', name=op.f('pk_announcement_cohorts')),
    schema='tenant'
    )


def downgrade() -> None:
    op.drop_table('announcement_cohorts', schema='tenant')
    op.drop_table('announcements', schema='tenant')  # its index goes with it (MySQL refuses it first)
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.drop_column('timezone')
