"""A pretend internet for tests of the SSRF guard: host names resolve to what the test
says, public addresses are routed to local test servers, and every dial is recorded.

Names the test did not set up resolve for real, and addresses it did not route are
dialled for real (pytest-socket refuses anything but loopback).
"""

from __future__ import annotations

import socket

import urllib3.util.connection


class FakeInternet:
    def __init__(self, monkeypatch):
        self.answers: dict[str, list[str]] = {}
        self.routes: dict[tuple[str, int], tuple[str, int]] = {}
        self.lookups: list[str] = []
        self.dials: list[tuple[str, int]] = []
        real_getaddrinfo = socket.getaddrinfo
        real_create_connection = urllib3.util.connection.create_connection

        def getaddrinfo(host, port, *args, **kwargs):
            answers = self.answers.get(host)
            if not answers:
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups.append(host)
            # One answer per lookup; the last one keeps being given.
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        def create_connection(address, *args, **kwargs):
            self.dials.append(address)
            return real_create_connection(self.routes.get(address, address), *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)

    def name(self, host: str, *answers: str) -> None:
        """``host`` resolves to ``answers[0]`` first, then ``answers[1]``…"""
        self.answers[host] = list(answers)

    def route(self, address: str, port: int, local_port: int) -> None:
        """Connections to ``address:port`` reach the local server on ``local_port``."""
        self.routes[(address, port)] = ("127.0.0.1", local_port)
