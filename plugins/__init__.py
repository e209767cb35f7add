"""aimi.plugins."""
