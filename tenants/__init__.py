"""aimi.tenants."""
