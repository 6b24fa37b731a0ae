"""gunicorn's settings, read from the working directory (the Procfile's `web`, the Docker
image): the application is loaded once, in the master, before the workers are forked, so
the workers share its memory instead of each holding a copy of Django (with its URLconf,
and its objects frozen first, so that the garbage collector does not copy the shared pages).

WEB_CONCURRENCY sets the worker processes; by default as many as the CPU cores, from 2 to
8. On SIGTERM a request in flight gets 2 seconds to finish, so a stop takes at most about 3.
"""

import gc
import os


def _cores() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    return cores or os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, min(_cores(), 8)))
preload_app = True
graceful_timeout = 2


def when_ready(server):
    # Before the first worker is forked: see postiz/warmup.py.
    from postiz.warmup import warm_up_web

    warm_up_web()


def pre_fork(server, worker):
    # Django imports the URLconf (every view and API module) and a language's translations
    # on the first request: do it here, once for all workers.
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    translation.activate(settings.LANGUAGE_CODE)
    translation.deactivate()
    gc.freeze()
