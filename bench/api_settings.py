"""Settings for bench/api.py only: the project's, plus a URLconf with a plain JSON view
to compare the API against. Never used by the app itself."""

from postiz.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
