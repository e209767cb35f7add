"""Alembic environment of the platform schema; the connection comes from aimi."""

from alembic import context

import aimi.platform.models  # noqa: F401  (registers the tables)
from aimi.platform.db import PlatformBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=PlatformBase.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
