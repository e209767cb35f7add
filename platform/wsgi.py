"""WSGI entry for gunicorn: ``gunicorn aimi.platform.wsgi:app``."""

from aimi.platform.app import create_app

app = create_app()
