"""Entry point for gunicorn and `flask --app wsgi`."""

from club import create_app

app = create_app()
