"""interviews record the company the candidate is preparing for

Revision ID: t0007
Revises: t0006
Create Date: 2026-12-01 23:40:00.000000

Company questions ("What do you know about {company}?") name it, and are not asked when an
interview has none. ALTER TABLE takes the tenant's real schema from the migration context
(see t0005).
"""

import sqlalchemy as sa
from alembic import op

revision = 't0007'
down_revision = 't0006'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    op.add_column('interviews', sa.Column('target_company', sa.String(length=120), nullable=True),
                  schema=_schema())


def downgrade() -> None:
    with op.batch_alter_table('interviews', schema=_schema()) as batch_op:
        batch_op.drop_column('target_company')
