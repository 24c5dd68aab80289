"""WSGI entry point: ``gunicorn wsgi:app``."""

from logipool import create_app

app = create_app()
