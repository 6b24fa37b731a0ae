"""`manage.py forkserver FD`: the fork server of `make run` (postiz/forkserver.py), on the
Unix socket the supervisor handed down as file descriptor FD."""

from __future__ import annotations

import socket

from django.core.management.base import BaseCommand

from postiz import forkserver


class Command(BaseCommand):
    help = "Load Django once and fork the web server, publisher and worker (used by `run`)."

    def add_arguments(self, parser):
        parser.add_argument("fd", type=int, help="The supervisor's socket.")

    def handle(self, *args, fd, **options):
        channel = socket.socket(fileno=fd)
        forkserver.preload()
        raise SystemExit(forkserver.serve(channel))
