"""How fast the two API surfaces list a busy week, against a plain Django JSON view.

    .venv/bin/python bench/api.py [--posts 500] [--seconds 8] [--connections 8]

One organization gets ``--posts`` posts (five channels, three tags) inside one week. The
app runs under gunicorn with two sync workers (the default of gunicorn.conf.py on a
two-core machine; WEB_CONCURRENCY changes it), with bench/api_settings.py,
which adds /bench/plain-posts: the same rows read with one ``values()`` query and returned
with JsonResponse, no key, no tenancy. ``--connections`` client threads then send
requests to each route, alternating with the plain view in four slices of ``--seconds``
in all (so both see the same load from anything else on the machine), after a warm-up:

- GET /public/v1/posts?startDate=…&endDate=… (all the week's posts), against the plain
  view returning the same rows;
- GET /api/v1/posts?from=…&to=…&limit=200 (the largest page), against the plain view
  returning the same 200 rows.

Prints one line per route (the plain view's p99 and the load average for context):

    BENCH api route=<path> rps=… plain_rps=… ratio=… p99_ms=… plain_p99_ms=… load1=…

Goal: ratio ≥ 0.65 and p99 ≤ 50 ms. In a closed loop the mean latency is
connections / rps whatever the server does, so p99 ≤ 50 ms at 8 connections needs well
over 160 requests per second from the route (the plain view's p99 shows the same bound).
The embedded PostgreSQL server lives in var/bench-api (POSTIZ_VAR_DIR), so var/ is
untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar (imported by http.client
# through email): take bench/ off the path before anything else is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from bench._common import start_gunicorn  # noqa: E402


def prepare(posts: int) -> tuple[str, str, str]:
    """The data; returns (raw key, week start, week end) as query values."""
    from datetime import timedelta

    import django

    django.setup()
    from django.utils import timezone

    from bench import _common
    from integrations.models import Integration
    from organizations.models import Organization
    from organizations.services import api_key_create
    from posts.models import Post, PostGroup, PostItem, Tag
    from posts.states import State

    # Migrates, then empties posts and channels left by an earlier run.
    _common.reset_database()
    organization, _ = Organization.objects.get_or_create(
        slug="bench-api", defaults={"name": "Bench API"}
    )
    Tag.objects.filter(organization=organization).delete()
    channels = [
        Integration.objects.create(
            organization=organization,
            provider="mastodon",
            external_id=str(n),
            name=f"Channel {n}",
            credentials={"access_token": "x"},
            meta={"instance": "https://social.example", "account_id": str(n)},
        )
        for n in range(5)
    ]
    tags = [Tag.objects.create(organization=organization, name=f"Tag {n}") for n in range(3)]
    start = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    step = timedelta(days=7) / posts
    rows = []
    for n in range(posts):
        group = PostGroup.objects.create(organization=organization, creation_method="api")
        if n % 3 == 0:
            group.tags.set(tags[: 1 + n % 3])
        rows.append(
            Post(
                organization=organization,
                group=group,
                integration=channels[n % len(channels)],
                state=State.SCHEDULED,
                publish_at=start + step * n,
                settings={"__type": "mastodon"},
            )
        )
    created = Post.objects.bulk_create(rows)
    PostItem.objects.bulk_create(
        PostItem(post=post, position=0, content=f"Post number {n} with some text #launch")
        for n, post in enumerate(created)
    )
    _key, raw = api_key_create(
        organization=organization, actor=None, name="bench", scopes=["posts:read"]
    )
    key = _key
    key.request_rate = 10_000_000
    key.save(update_fields=["request_rate"])
    # Planner statistics for the rows just loaded, as autovacuum would gather them within a
    # minute or so of a bulk change: without them PostgreSQL assumes near-empty tables and
    # joins 500 posts by nested loops, and the run would measure that first minute instead
    # of the steady state (for the plain view as much as for the API).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    end = start + timedelta(days=7)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return raw, start.strftime(fmt), end.strftime(fmt)


def load(port: int, path: str, key: str, seconds: float, connections: int):
    """(requests, elapsed seconds, latencies) of ``connections`` threads hammering ``path``."""
    latencies: list[float] = []
    errors: list[int] = []
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker():
        mine = []
        while time.perf_counter() < stop_at:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            began = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": key})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                errors.append(response.status)
            conn.close()
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{path} answered {sorted(set(errors))}")
    return len(latencies), elapsed, latencies


def compare(port, api_path, plain_path, key, seconds, connections, rounds=16):
    """The two routes in alternating slices, so both see the same load from elsewhere
    (short slices: on a shared machine that load changes from one second to the next)."""
    totals = {api_path: [0, 0.0, []], plain_path: [0, 0.0, []]}
    for _ in range(rounds):
        for path in (plain_path, api_path):
            count, elapsed, latencies = load(port, path, key, seconds / rounds, connections)
            totals[path][0] += count
            totals[path][1] += elapsed
            totals[path][2].extend(latencies)
    api_count, api_elapsed, api_latencies = totals[api_path]
    plain_count, plain_elapsed, plain_latencies = totals[plain_path]
    return (
        api_count / api_elapsed,
        plain_count / plain_elapsed,
        p99_ms(api_latencies),
        p99_ms(plain_latencies),
    )


def p99_ms(latencies: list[float]) -> float:
    latencies = sorted(latencies)
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = {
        **os.environ,
        "POSTIZ_VAR_DIR": str(ROOT / "var" / "bench-api"),
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    os.environ.update(env)
    key, start, end = prepare(args.posts)
    from django.db import connection

    connection.close()

    server, port = start_gunicorn(ROOT, env)
    try:
        window = f"startDate={start}&endDate={end}"
        routes = [
            (f"/public/v1/posts?{window}", f"/bench/plain-posts?org=bench-api&{window}"),
            (
                f"/api/v1/posts?from={start}&to={end}&limit=200",
                f"/bench/plain-posts?org=bench-api&{window}&limit=200",
            ),
        ]
        for api_path, plain_path in routes:
            load(port, api_path, key, 1.0, args.connections)  # warm-up
            load(port, plain_path, key, 1.0, args.connections)
            rps, plain_rps, p99, plain_p99 = compare(
                port, api_path, plain_path, key, args.seconds, args.connections
            )
            route = api_path.split("?")[0]
            load1 = os.getloadavg()[0]
            print(
                f"BENCH api route={route} rps={rps:.1f} plain_rps={plain_rps:.1f} "
                f"ratio={rps / plain_rps:.2f} p99_ms={p99:.1f} plain_p99_ms={plain_p99:.1f} "
                f"load1={load1:.2f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
