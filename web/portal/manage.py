"""Tenant admin pages (users, cohorts, audit log, settings)."""


def init_app(app) -> None:
    """Registers the admin blueprint."""
