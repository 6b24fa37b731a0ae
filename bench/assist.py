"""How the AI writing help relays a streamed suggestion, under gunicorn as in production.

    .venv/bin/python bench/assist.py [--runs 20] [--pieces 40] [--interval-ms 25]

A local OpenAI-compatible server (a thread of this script) answers
``/v1/chat/completions`` with ``--pieces`` chunks, one every ``--interval-ms``, chunked as
Ollama and vLLM send them. The app runs under gunicorn (two sync workers, its defaults)
with AI_BASE_URL pointing there. ``--runs`` times, a signed-in member asks for a
translation and reads the Server-Sent Events; each piece's delay is the time from the
fake server writing it to the member receiving it. Then the member goes away after three
pieces, as a browser does on Cancel, and the time until the server stops reading from the
AI is measured (the fake sees its next write fail). Prints one line:

    BENCH assist first_piece_p50_ms=… piece_delay_p50_ms=… piece_delay_p99_ms=…
        upstream_stopped_after_ms=… load1=…

The embedded PostgreSQL server lives in var/bench-assist unless POSTIZ_VAR_DIR names
another, so var/ itself is untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar: take bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from bench._common import percentile, start_gunicorn  # noqa: E402


class FakeAI:
    """The fake server's shared state: when each piece of the current answer went out, and
    when a write first failed because the reader had gone."""

    def __init__(self, pieces: int, interval: float):
        self.pieces = pieces
        self.interval = interval
        self.sent: dict[int, float] = {}
        self.write_failed = threading.Event()
        self.failed_at = 0.0

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for n in range(fake.pieces):
                        if n:
                            time.sleep(fake.interval)
                        body = {
                            "id": "chatcmpl-bench",
                            "object": "chat.completion.chunk",
                            "model": "bench",
                            "choices": [
                                {"index": 0, "delta": {"content": f" p{n}"}, "finish_reason": None}
                            ],
                        }
                        fake.sent[n] = time.monotonic()
                        self._chunk(f"data: {json.dumps(body)}\n\n")
                    self._chunk("data: [DONE]\n\n")
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    fake.failed_at = time.monotonic()
                    fake.write_failed.set()
                self.close_connection = True

            def _chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler


def prepare() -> tuple[str, str]:
    """A member of an organization, signed in; returns (session key, organization slug)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from organizations.models import Membership, Organization

    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(
        slug="bench-ai", defaults={"name": "Bench AI"}
    )
    user, _ = User.objects.get_or_create(email="bench-ai@example.com")
    Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": "owner"}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key, organization.slug


def ask(port: int, session: str, slug: str, csrf: str):
    """Open one suggestion; returns (connection, response, time the request was sent)."""
    body = urlencode(
        {"csrfmiddlewaretoken": csrf, "action": "translate", "text": "Hi", "language": "German"}
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    began = time.monotonic()
    conn.request(
        "POST",
        f"/o/{slug}/posts/assist/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
        },
    )
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"assist answered {response.status}: {response.read()[:300]!r}")
    return conn, response, began


def pieces(response):
    """(piece number, arrival time) as each delta event arrives."""
    pending = b""
    while data := response.read1(65536):
        pending += data
        *blocks, pending = pending.split(b"\n\n")
        for block in blocks:
            if block.startswith(b"event: delta"):
                text = json.loads(block.split(b"data: ", 1)[1])["text"]
                yield int(text.strip()[1:]), time.monotonic()
            elif block.startswith(b"event: error"):
                raise SystemExit(f"the suggestion failed: {block!r}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pieces", type=int, default=40)
    parser.add_argument("--interval-ms", type=float, default=25.0)
    args = parser.parse_args()

    fake = FakeAI(args.pieces, args.interval_ms / 1000)
    ai = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    threading.Thread(target=ai.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "POSTIZ_VAR_DIR": os.environ.get("POSTIZ_VAR_DIR") or str(ROOT / "var" / "bench-assist"),
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "AI_BASE_URL": f"http://127.0.0.1:{ai.server_address[1]}/v1",
        "AI_MODEL": "bench",
        "AI_REQUESTS_PER_DAY": "0",
    }
    os.environ.update(env)
    session, slug = prepare()
    from django.db import connection

    connection.close()
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret

    server, port = start_gunicorn(ROOT, env)
    try:
        first, delays = [], []
        for _ in range(args.runs):
            fake.sent.clear()
            conn, response, began = ask(port, session, slug, csrf)
            for n, arrived in pieces(response):
                if n == 0:
                    first.append(arrived - began)
                delays.append(arrived - fake.sent[n])
            conn.close()

        fake.write_failed.clear()
        conn, response, _ = ask(port, session, slug, csrf)
        for n, _arrived in pieces(response):
            if n == 2:
                break
        gone = time.monotonic()
        # The connection is the response's alone now (the server said it closes): closing
        # the response closes the socket, as a browser tab's abort does.
        response.close()
        conn.close()
        if not fake.write_failed.wait(30):
            raise SystemExit("the server kept reading from the AI after the member left")
        stopped = fake.failed_at - gone
        first.sort()
        delays.sort()
        print(
            f"BENCH assist first_piece_p50_ms={percentile(first, 0.5) * 1000:.1f} "
            f"piece_delay_p50_ms={percentile(delays, 0.5) * 1000:.2f} "
            f"piece_delay_p99_ms={percentile(delays, 0.99) * 1000:.2f} "
            f"upstream_stopped_after_ms={stopped * 1000:.0f} "
            f"load1={os.getloadavg()[0]:.2f}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        ai.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
