"""Helpers for the Bluesky tests: fixtures with the fake's URL filled in, request capture."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug import Response

from integrations.providers.base import Channel

HERE = Path(__file__).parent
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def load(name: str, **subst: str) -> dict:
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def respond(name: str, **subst: str) -> Response:
    data = load(name, **subst)
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data["status"], headers=headers)


def as_response(name: str, **headers: str) -> requests.Response:
    """A fixture as the requests.Response the classifier sees."""
    data = load(name)
    response = requests.Response()
    response.status_code = data["status"]
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    response._content = body.encode()
    response.headers.update({"Content-Type": "application/json", **data["headers"], **headers})
    return response


class Recorder:
    """A handler that answers with fixed responses (or functions of the request) and keeps
    what each request carried."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.calls: list[dict] = []

    def __call__(self, request):
        raw = request.get_data()
        self.calls.append(
            {
                "method": request.method,
                "path": request.path,
                "args": dict(request.args),
                "headers": dict(request.headers),
                "data": raw,
                "json": json.loads(raw) if raw and request.is_json else None,
            }
        )
        answer = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        return answer if isinstance(answer, Response) else answer(request)


def channel(pds: str, **credentials) -> Channel:
    return Channel(
        external_id=DID,
        username="alice.example.com",
        credentials={
            "access_jwt": "eyJhY2Nlc3M.eyJvbGQ.c2ln",
            "refresh_jwt": "eyJyZWZyZXNo.eyJvbGQ.c2ln",
            "identifier": "alice.example.com",
            "app_password": "abcd-efgh-ijkl-mnop",
            **credentials,
        },
        meta={"did": DID, "handle": "alice.example.com", "pds": pds, "service": pds},
    )


@contextmanager
def closing_server():
    """A server that reads one request and closes the connection without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    hits: list[bytes] = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    hits.append(conn.recv(65536))
                    # Start an answer, then drop the connection in the middle of it.
                    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"uri":')
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", hits
    finally:
        listener.close()
        thread.join(timeout=2)
