"""For a production WSGI server: ``gunicorn 'areaclienti.entrypoints.wsgi:app'``."""
from .web.app import create_app

app = create_app()
