"""What the publishing benchmarks share: a fake network and the real publisher.

The fake network is one HTTP server on 127.0.0.1 (HTTP/1.1, kept-alive connections, as
the real networks do) that plays several Mastodon servers (path prefixes /server<n>) and
the Telegram Bot API (/tg). Mastodon honours the Idempotency-Key as a real server does:
a repeat of a key answers the status the first request created, and creates nothing.
Telegram has no such key: every sendMessage is a new message. Each status or message
remembers when it arrived, so lag and duplicates are counted on the network's side.

The engine runs the way production runs it: ``manage.py publisher`` (its publisher loops,
each a process of its own, restarted when one dies) in its own process group, with the
default settings, and ``manage.py qcluster`` beside it when a bench needs the sweep and the
other periodic jobs (``Cluster(env, worker=True)``). Its database is embedded in
var/<name> (POSTIZ_VAR_DIR), so var/ itself is untouched.

A bench that kills a loop: ``cluster.wait_for_loops()``, then ``cluster.loops()`` (slot →
pid of the process running it) or ``cluster.kill_loop()`` (SIGKILL to one loop, the one
holding the most claimed posts unless a slot is named; returns its slot, its pid and how
many posts it held). The publisher starts a new loop in its place within a second
(``cluster.wait_for_loops()`` again waits for it).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_TOKEN = "123456:bench-telegram-token"  # noqa: S105 - a fake network's token


class Network:
    """Everything the fake network saw, shared by its handler threads."""

    def __init__(self, latency: float):
        self.latency = latency
        self.lock = threading.Lock()
        self.requests: Counter = Counter()  # idempotency key or message text → requests
        self.created: dict[str, dict] = {}  # Mastodon: key → the one status it created
        self.copies: Counter = Counter()  # marker → statuses/messages created for it
        self.first_seen: dict[str, float] = {}  # marker → when it first arrived
        self.by_account: dict[str, list[dict]] = defaultdict(list)
        self.next_id = 0
        # Counts reads (GET /api/v1/statuses?id[]=): when each account asked, and how many
        # were refused for going over ``counts_limit`` requests per ``counts_window`` s.
        self.counts_calls: dict[str, list[float]] = defaultdict(list)
        self.counts_refused = 0
        self.counts_limit = 300  # Mastodon's default: 300 requests per 5 minutes per account
        self.counts_window = 300.0

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id


MARKER = re.compile(r"\[(\w+)\]")


def _handler(network: Network):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, payload) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            if network.latency:
                time.sleep(network.latency)
            if self.path.startswith("/tg/"):
                return self._telegram(data)
            if self.path.endswith("/api/v1/statuses"):
                return self._mastodon(data)
            self._answer(404, {"error": "Record not found"})

        def do_GET(self):
            if "/api/v1/statuses?" in self.path:
                return self._counts()
            match = re.search(r"/api/v1/accounts/(\w+)/statuses", self.path)
            if not match:
                return self._answer(404, {"error": "Record not found"})
            with network.lock:
                statuses = list(reversed(network.by_account[match.group(1)][-40:]))
            self._answer(200, statuses)

        def _mastodon(self, data: dict):
            key = self.headers.get("Idempotency-Key", "")
            account = self.headers.get("Authorization", "").rsplit("-", 1)[-1]
            text = data.get("status", "")
            marker = (MARKER.search(text) or [None, text])[1]
            with network.lock:
                network.requests[key] += 1
                status = network.created.get(key) if key else None
                if status is None:  # the key is new: a new status
                    number = network._new_id()
                    status = {
                        "id": str(number),
                        "url": f"https://bench.example/@a/{number}",
                        "uri": f"https://bench.example/users/a/statuses/{number}",
                        "content": f"<p>{html.escape(text)}</p>",
                        "in_reply_to_id": data.get("in_reply_to_id"),
                        "media_attachments": [],
                    }
                    if key:
                        network.created[key] = status
                    network.by_account[account].append(status)
                    network.copies[marker] += 1
                    network.first_seen.setdefault(marker, time.time())
            self._answer(200, status)

        def _counts(self):
            from urllib.parse import parse_qs, urlsplit

            ids = parse_qs(urlsplit(self.path).query).get("id[]", [])
            account = self.headers.get("Authorization", "").rsplit("-", 1)[-1]
            now = time.time()
            if network.latency:
                time.sleep(network.latency)
            with network.lock:
                calls = network.counts_calls[account]
                recent = [t for t in calls if now - t < network.counts_window]
                calls.append(now)
                if len(recent) >= network.counts_limit:
                    network.counts_refused += 1
                    return self._answer(429, {"error": "Too many requests"})
            statuses = [
                {
                    "id": i,
                    "favourites_count": int(i) % 97,
                    "reblogs_count": int(i) % 13,
                    "replies_count": int(i) % 7,
                }
                for i in ids
            ]
            self._answer(200, statuses)

        def _telegram(self, data: dict):
            text = data.get("text", "")
            marker = (MARKER.search(text) or [None, text])[1]
            with network.lock:
                number = network._new_id()
                network.requests[marker] += 1
                network.copies[marker] += 1
                network.first_seen.setdefault(marker, time.time())
            message = {
                "message_id": number,
                "date": int(time.time()),
                "chat": {"id": data.get("chat_id"), "type": "channel"},
                "text": text,
            }
            self._answer(200, {"ok": True, "result": message})

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A burst opens a hundred connections at once; the default backlog (5) would drop
    # their SYNs and the kernel would retry them seconds later.
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A worker killed mid-request (bench/crash.py) drops its connections: expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def start_network(latency: float) -> tuple[Network, ThreadingHTTPServer, str]:
    network = Network(latency)
    server = _Server(("127.0.0.1", 0), _handler(network))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return network, server, f"http://127.0.0.1:{server.server_address[1]}"


def configure(var_name: str, base: str) -> dict:
    """Environment for this process and the worker: own database, the fake endpoints."""
    env = {
        "POSTIZ_VAR_DIR": str(ROOT / "var" / var_name),
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # The fake network lives on this machine.
        "POSTIZ_ALLOW_PRIVATE_URLS": "1",
        "POSTIZ_PROVIDER_ENDPOINTS": json.dumps({"telegram": {"api": base + "/tg"}}),
    }
    os.environ.update(env)
    import django

    django.setup()
    return env


def reset_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE posts_postitem, posts_post, posts_postgroup, integrations_integration, "
            "django_q_ormq, django_q_task RESTART IDENTITY CASCADE"
        )


def create_mastodon_channels(*, channels: int, servers: int, base: str) -> list:
    """The bench organization's Mastodon channels, spread over the fake network's servers."""
    from integrations.models import Integration
    from organizations.models import Organization

    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    return Integration.objects.bulk_create(
        Integration(
            organization=organization,
            provider="mastodon",
            external_id=str(n),
            name=f"Channel {n}",
            credentials={"access_token": f"bench-token-{n}"},
            meta={"instance": f"{base}/server{n % servers}", "account_id": str(n)},
        )
        for n in range(channels)
    )


def create_posts(*, posts: int, channels: list) -> list[int]:
    """``posts`` one-item posts spread over ``channels``, scheduled an hour ahead; each
    text carries a marker ([p<id>]) the fake network counts by."""
    from datetime import timedelta

    from django.utils import timezone

    from posts.models import Post, PostGroup, PostItem
    from posts.states import State

    organization = channels[0].organization
    group = PostGroup.objects.create(organization=organization)
    later = timezone.now() + timedelta(hours=1)
    created = Post.objects.bulk_create(
        Post(
            organization=organization,
            group=group,
            integration=channels[n % len(channels)],
            state=State.SCHEDULED,
            publish_at=later,
        )
        for n in range(posts)
    )
    PostItem.objects.bulk_create(
        PostItem(post=post, position=0, content=f"Burst post [p{post.pk}]") for post in created
    )
    return [post.pk for post in created]


def make_due(seconds_from_now: float = 1.0):
    """Every scheduled post falls due at one instant, a moment from now; returns it."""
    from datetime import timedelta

    from django.utils import timezone

    from posts.models import Post
    from posts.states import State

    due = timezone.now() + timedelta(seconds=seconds_from_now)
    Post.objects.filter(state=State.SCHEDULED).update(publish_at=due)
    return due


class Cluster:
    """``manage.py publisher`` (and with ``worker``, ``manage.py qcluster``), each in its own
    process group, as the Procfile runs them; their output goes to var/<name>/*.log."""

    def __init__(self, env: dict, *, worker: bool = False):
        self.env = {**os.environ, **env}
        self.var_dir = Path(env["POSTIZ_VAR_DIR"])
        self.publisher = self._start("publisher")
        self.worker = self._start("qcluster") if worker else None

    def _start(self, command: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", command],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(self.var_dir / f"{command}.log", "w"),
        )

    def loops(self) -> dict[int, int]:
        """Slot → pid of the loop process running it, as the loops name their connections
        (``postiz publisher slot=<n> pid=<pid>``), among this publisher's children."""
        from django.db import connection

        children = _children(self.publisher.pid)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name FROM pg_stat_activity "
                "WHERE application_name LIKE 'postiz publisher slot=%%'"
            )
            names = [row[0] for row in cursor.fetchall()]
        found = {}
        for name in names:
            match = re.fullmatch(r"postiz publisher slot=(\d+) pid=(\d+)", name)
            if match and int(match[2]) in children:
                found[int(match[1])] = int(match[2])
        return found

    def wait_for_loops(self, timeout: float = 60.0) -> dict[int, int]:
        """Wait until every slot (POSTIZ_PUBLISHERS) has a loop; returns ``loops()``."""
        from django.conf import settings

        deadline = time.time() + timeout
        while len(loops := self.loops()) < settings.POSTIZ_PUBLISHERS:
            if time.time() > deadline or self.publisher.poll() is not None:
                raise SystemExit("the publisher loops did not start; see publisher.log")
            time.sleep(0.05)
        return loops

    def kill_loop(self, slot: int | None = None, sig: int = signal.SIGKILL) -> tuple[int, int, int]:
        """Kill one loop process: the one of ``slot``, or else the one holding the most
        claimed posts. Returns (slot, pid, posts it held)."""
        from django.db import connection

        from posts import engine

        loops = self.loops()
        held = dict.fromkeys(loops, 0)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.application_name, count(l.objid) FROM pg_stat_activity a "
                "JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' "
                "AND l.classid::bigint = %s AND l.objsubid = 1 "
                "WHERE a.application_name LIKE 'postiz publisher slot=%%' "
                "GROUP BY a.application_name",
                [engine.CLAIM_SPACE],
            )
            for name, count in cursor.fetchall():
                match = re.fullmatch(r"postiz publisher slot=(\d+) pid=(\d+)", name)
                if match and loops.get(int(match[1])) == int(match[2]):
                    held[int(match[1])] = count
        if slot is None:
            slot = max(held, key=held.get)
        os.kill(loops[slot], sig)
        return slot, loops[slot], held[slot]

    def stop(self) -> float:
        """SIGTERM to the main processes (each stops its own children), SIGKILL to what is
        left after 5 s; returns how long the publisher took to exit."""
        took = _stop_group(self.publisher)
        if self.worker is not None:
            _stop_group(self.worker)
        return took


def _stop_group(process: subprocess.Popen) -> float:
    stopping = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    took = time.monotonic() - stopping
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever lingers in the group
    process.wait()
    return took


def _children(pid: int) -> set[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return {int(child) for child in handle.read().split()}
    except FileNotFoundError:
        return set()


def wait_until_settled(timeout: float) -> float:
    """Wait until no post is scheduled or publishing (or ``timeout``); returns when."""
    from posts.models import Post
    from posts.states import State

    deadline = time.time() + timeout
    while time.time() < deadline:
        if not Post.objects.filter(state__in=[State.SCHEDULED, State.PUBLISHING]).exists():
            break
        time.sleep(0.25)
    return time.time()


def percentile(values: list[float], q: float) -> float:
    return values[min(int(q * len(values)), len(values) - 1)] if values else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(root: Path, env: dict) -> tuple[subprocess.Popen, int]:
    """gunicorn serving the app on a free loopback port (WEB_CONCURRENCY workers, 2 by
    default), once it accepts connections; the caller stops it."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(root / ".venv/bin/gunicorn"),
            "postiz.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")
