"""The tenant REST API (flask-smorest) under /api/v1."""


def init_app(app) -> None:
    """Registers the API blueprints."""
