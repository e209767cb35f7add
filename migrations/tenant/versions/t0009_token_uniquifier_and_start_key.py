"""users.fs_token_uniquifier (API tokens revocable apart from sessions) and
interviews.start_key (one interview per submitted start form), jobs.heartbeat_at (a dead
worker's job is seen within a minute)

Revision ID: t0009
Revises: t0006
Create Date: 2026-12-01 23:50:00.000000

ALTER TABLE names its schema as a plain string, which schema_translate_map does not
rewrite: it takes the tenant's real schema from the migration context (None on SQLite).
The backfill goes through a Table, which the map does rewrite.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = 't0009'
down_revision = 't0008'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('fs_token_uniquifier', sa.String(length=64), nullable=True))
    users = sa.Table('users', sa.MetaData(), sa.Column('id', sa.Integer),
                     sa.Column('fs_token_uniquifier', sa.String(64)), schema='tenant')
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(fs_token_uniquifier=uuid.uuid4().hex))
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.alter_column('fs_token_uniquifier', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_fs_token_uniquifier'), ['fs_token_uniquifier'])
    with op.batch_alter_table('interviews', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('start_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_interviews_start_key'), ['start_key'])
    with op.batch_alter_table('jobs', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=_schema()) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('interviews', schema=_schema()) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_interviews_start_key'), type_='unique')
        batch_op.drop_column('start_key')
    with op.batch_alter_table('users', schema=_schema()) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_fs_token_uniquifier'), type_='unique')
        batch_op.drop_column('fs_token_uniquifier')
