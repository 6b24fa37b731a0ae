"""How long an MCP tool call takes at /mcp under gunicorn's sync workers, against the
native API route that reads the same rows.

    .venv/bin/python bench/mcp.py [--calls 200]

One organization gets five channels and 50 scheduled posts. The app runs under gunicorn
(two sync workers by default; WEB_CONCURRENCY changes it) with bench/api_settings.py. One
client then sends, one after the other (an agent waits for each answer), ``--calls``
JSON-RPC ``tools/call`` requests per tool and as many native requests:

- list_channels, against GET /api/v1/channels;
- get_post, against GET /api/v1/posts/<id>;
- create_post (a draft; each call creates one), against POST /api/v1/posts.

Each /mcp request runs the SDK's stateless transport in an event loop of its own (see
postiz/mcp_server/bridge.py), so the difference between the two is what the protocol and
that loop cost. Prints one line per tool:

    BENCH mcp tool=<name> p50_ms=… p99_ms=… native_p50_ms=… overhead_ms=… load1=…

Goal: overhead_ms (p50 of the tool minus p50 of the native route) ≤ 10 ms. The embedded
PostgreSQL server lives in var/bench-mcp (POSTIZ_VAR_DIR, unless set), so var/ is
untouched.
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
import time  # noqa: E402

from bench._common import start_gunicorn  # noqa: E402


def prepare() -> tuple[str, str, str]:
    """The data; returns (raw key, a channel id, a post id)."""
    from datetime import timedelta

    import django

    django.setup()
    from django.utils import timezone

    from bench import _common
    from integrations.models import Integration
    from organizations.models import Organization
    from organizations.services import api_key_create
    from posts.models import Post, PostGroup, PostItem
    from posts.states import State

    _common.reset_database()
    organization, _ = Organization.objects.get_or_create(
        slug="bench-mcp", defaults={"name": "Bench MCP"}
    )
    channels = [
        Integration.objects.create(
            organization=organization,
            provider="mastodon",
            external_id=str(n),
            name=f"Channel {n}",
            credentials={"access_token": "x"},
            meta={"instance": "https://social.example", "account_id": str(n)},
            posting_times=["09:00", "17:00"],
        )
        for n in range(5)
    ]
    start = timezone.now() + timedelta(days=30)
    posts = []
    for n in range(50):
        group = PostGroup.objects.create(organization=organization, creation_method="api")
        post = Post.objects.create(
            organization=organization,
            group=group,
            integration=channels[n % 5],
            state=State.SCHEDULED,
            publish_at=start + timedelta(hours=n),
        )
        PostItem.objects.create(post=post, position=0, content=f"Post {n} #launch")
        posts.append(post)
    key, raw = api_key_create(
        organization=organization,
        actor=None,
        name="bench",
        scopes=["channels:read", "posts:read", "posts:write"],
    )
    key.request_rate = 10_000_000
    key.create_rate = 10_000_000
    key.save(update_fields=["request_rate", "create_rate"])
    return raw, str(channels[0].public_id), str(posts[0].public_id)


def timed(conn, method: str, path: str, headers: dict, body: bytes | None = None) -> float:
    began = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - began
    if response.status >= 300:
        raise SystemExit(f"{method} {path} answered {response.status}: {data[:300]!r}")
    if path == "/mcp" and json.loads(data)["result"].get("isError"):
        raise SystemExit(f"tool error: {data[:300]!r}")
    return elapsed


def p(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    env = {
        **os.environ,
        "POSTIZ_VAR_DIR": os.environ.get("POSTIZ_VAR_DIR") or str(ROOT / "var" / "bench-mcp"),
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    os.environ.update(env)
    raw, channel_id, post_id = prepare()
    from django.db import connection

    connection.close()

    auth = {"Authorization": f"Bearer {raw}"}
    mcp_headers = {
        **auth,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    draft = {
        "channels": [{"channel_id": channel_id}],
        "items": [{"text": "A draft from the bench"}],
        "action": "draft",
    }
    cases = [
        ("list_channels", {}, ("GET", "/api/v1/channels", None)),
        ("get_post", {"post_id": post_id}, ("GET", f"/api/v1/posts/{post_id}", None)),
        (
            "create_post",
            draft,
            (
                "POST",
                "/api/v1/posts",
                json.dumps(
                    {"channel_id": channel_id, "action": "draft", "items": [{"text": "A draft"}]}
                ).encode(),
            ),
        ),
    ]
    server, port = start_gunicorn(ROOT, env)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for name, arguments, (method, path, body) in cases:
            call = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {"name": name, "arguments": arguments},
                }
            ).encode()
            native_headers = {**auth, "Content-Type": "application/json"}
            for _ in range(10):  # warm-up: both workers import and connect
                timed(conn, "POST", "/mcp", mcp_headers, call)
                timed(conn, method, path, native_headers, body)
            tool, native = [], []
            for _ in range(args.calls):
                tool.append(timed(conn, "POST", "/mcp", mcp_headers, call))
                native.append(timed(conn, method, path, native_headers, body))
            print(
                f"BENCH mcp tool={name} p50_ms={p(tool, 0.5):.1f} p99_ms={p(tool, 0.99):.1f} "
                f"native_p50_ms={p(native, 0.5):.1f} "
                f"overhead_ms={p(tool, 0.5) - p(native, 0.5):.1f} "
                f"load1={os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
