"""WSGI entry point (gunicorn postiz.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postiz.settings")

application = get_wsgi_application()

# A web process whose POSTIZ_ENCRYPTION_KEYS cannot read the stored credentials says so now.
from integrations.vault import credentials_log_soon  # noqa: E402

credentials_log_soon("web")
