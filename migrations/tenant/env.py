"""Alembic environment of one tenant schema.

aimi passes a connection whose engine already maps the placeholder schema ``tenant``
to the tenant's real schema (schema_translate_map), plus that schema's name so the
``alembic_version`` table lands inside the tenant's own schema.
"""

from alembic import context

import aimi.tenants.calibration_models  # noqa: F401  (registers the tables)
import aimi.tenants.interview_models  # noqa: F401
import aimi.tenants.models  # noqa: F401
import aimi.tenants.notification_models  # noqa: F401
import aimi.tenants.recording_models  # noqa: F401
from aimi.platform.db import TenantBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=TenantBase.metadata,
    version_table_schema=context.config.attributes.get("version_schema"),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
