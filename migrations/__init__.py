"""Alembic trees, shipped as package data: ``platform/`` for the shared schema and
``tenant/`` for every tenant's schema. Run through ``aimi db upgrade``."""
