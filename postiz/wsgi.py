"""WSGI entry point (gunicorn postiz.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postiz.settings")

application = get_wsgi_application()
