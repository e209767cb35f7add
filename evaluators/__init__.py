"""aimi.evaluators."""
