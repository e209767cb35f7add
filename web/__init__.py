"""aimi.web."""
