"""aimi.integrations."""
