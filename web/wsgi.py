"""WSGI entry for gunicorn: ``gunicorn aimi.web.wsgi:app``."""

from aimi.web.app import create_app

app = create_app()
