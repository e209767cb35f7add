"""super_admins.fs_token_uniquifier: API tokens revocable apart from sessions

Revision ID: p0002
Revises: p0001
Create Date: 2026-12-01 23:50:00.000000
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = 'p0002'
down_revision = 'p0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('super_admins') as batch_op:
        batch_op.add_column(sa.Column('fs_token_uniquifier', sa.String(length=64), nullable=True))
    admins = sa.Table('super_admins', sa.MetaData(), sa.Column('id', sa.Integer),
                      sa.Column('fs_token_uniquifier', sa.String(64)))
    conn = op.get_bind()
    for (admin_id,) in conn.execute(sa.select(admins.c.id)).all():
        conn.execute(admins.update().where(admins.c.id == admin_id).values(fs_token_uniquifier=uuid.uuid4().hex))
    with op.batch_alter_table('super_admins') as batch_op:
        batch_op.alter_column('fs_token_uniquifier', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_super_admins_fs_token_uniquifier'), ['fs_token_uniquifier'])


def downgrade() -> None:
    with op.batch_alter_table('super_admins') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_super_admins_fs_token_uniquifier'), type_='unique')
        batch_op.drop_column('fs_token_uniquifier')
