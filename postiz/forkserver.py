"""The fork server of `make run`: Django loaded once, and the web server, the publisher and
the worker forked from it.

Started as three programs, each would import Django, the project, its URLs and views on
its own: three copies of the same 60-odd MB. Forked from one process that imported them
and then froze its objects (``gc.freeze``: the collector never touches, and so never
copies, them), the roles share those pages with each other and with the processes they
fork in turn (the publisher's loops, the worker's cluster).

The supervisor (postiz/supervisor.py, which stays free of Django) asks for a role over a
Unix socket it handed down: one line of JSON (the role's ``manage.py`` arguments) with the
role's output pipe attached (SCM_RIGHTS). The server forks twice so that the role is not
its child: the first child forks the role (in a session of its own) and exits, and the role is
adopted by the supervisor, which marked itself a subreaper. The supervisor then waits on
it, signals it and restarts it exactly as it would a program it started. The server
answers the role's pid and waits for the next request; it holds no database connection.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import socket
import sys
from contextlib import suppress


def preload() -> None:
    """Import what every role would import at its start, and serve the web's first
    requests (postiz/warmup.py): the roles share it all."""
    import django.core.management.commands.runserver  # noqa: F401

    import posts.publisher
    import posts.runner  # noqa: F401
    from postiz.warmup import warm_up_web

    preload_jobs()
    warm_up_web()


def preload_jobs() -> None:
    """Import what the background worker's jobs import (`manage.py qcluster` forks its
    processes after this): every app's ``tasks`` module, every periodic job's module, the
    networks, the URLs (links in emails) and the templates."""
    import django_q.cluster  # noqa: F401
    from django.template import engines
    from django.urls import get_resolver
    from django.utils.module_loading import autodiscover_modules, import_string

    from integrations.providers import provider_classes
    from postiz.schedules import SCHEDULES

    autodiscover_modules("tasks")
    for job in SCHEDULES:
        import_string(job["func"])
    _load_urls(get_resolver())
    engines.all()
    provider_classes()


def _load_urls(resolver) -> None:
    for pattern in resolver.url_patterns:  # an include's module is imported when read
        if hasattr(pattern, "url_patterns"):
            _load_urls(pattern)


def serve(channel: socket.socket) -> int:
    """Answer fork requests on ``channel`` until the supervisor closes it."""
    from django.db import connections

    connections.close_all()
    gc.freeze()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(channel, 65536, 1)
        except OSError:
            return 0
        if not message:
            return 0
        argv = json.loads(message)
        output = fds[0]
        try:
            pid = _fork_role(argv, output)
        finally:
            os.close(output)
        channel.sendall(f"{pid}\n".encode())


def _fork_role(argv: list[str], output: int) -> int:
    """Fork ``manage.py <argv>`` as a grandchild in a session of its own; returns its pid
    (0 when it could not be forked)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(ValueError, OSError):
            stream.flush()
    read_pid, write_pid = os.pipe()
    first = os.fork()
    if first == 0:  # the first child forks the role and is gone
        code = 1
        try:
            os.close(read_pid)
            role = os.fork()
            if role == 0:
                os.close(write_pid)
                os.setsid()  # its own session and process group, named by its pid
                run_role(argv, output)  # never returns
            os.write(write_pid, str(role).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_pid)
    with os.fdopen(read_pid, "rb") as answer:
        pid = answer.read()
    os.waitpid(first, 0)
    return int(pid or 0)


def run_role(argv: list[str], output: int | None = None) -> None:
    """In a forked child: run ``manage.py <argv>`` (its output to ``output`` when given),
    then exit with its code. Never returns."""
    code = 1
    try:
        if output is not None:
            os.dup2(output, 1)
            os.dup2(output, 2)
            os.close(output)
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        from django.core.management import execute_from_command_line

        sys.argv = ["manage.py", *argv]
        try:
            execute_from_command_line(sys.argv)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # the role's own traceback, in its own output
        import traceback

        traceback.print_exc()
    finally:
        # What a program does at its end (django-q2's cluster waits there for its
        # processes), then out without tearing the shared interpreter down.
        with suppress(BaseException):
            atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with suppress(ValueError, OSError):
                stream.flush()
        os._exit(code)
