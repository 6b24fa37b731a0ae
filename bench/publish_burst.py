"""A burst of posts all due in the same minute, published by the real engine.

    .venv/bin/python bench/publish_burst.py [--posts 10000] [--latency 0.1]
        [--channels 500] [--servers 50] [--loops 1]

A local fake Mastodon network (several servers, as path prefixes of one HTTP server on
127.0.0.1) answers each post after ``--latency`` seconds and counts every post it
receives by its Idempotency-Key. The posts are spread over the channels; the publisher
loops run with the engine's default settings until everything is out or five minutes
pass. Prints one line:

    BENCH publish_burst posts=… throughput_per_s=… p50_lag_s=… p99_lag_s=… duplicates=… lost=…

lag = when the network received the post, minus when it was due. Its own embedded database
lives in var/bench-publish (POSTIZ_VAR_DIR), so var/ is untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POSTIZ_VAR_DIR", str(ROOT / "var" / "bench-publish"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postiz.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


class FakeMastodon(BaseHTTPRequestHandler):
    latency = 0.1
    received: Counter = Counter()
    times: dict[str, float] = {}
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            self.received[key] += 1
            self.times.setdefault(key, time.time())
            number = sum(self.received.values())
        body = json.dumps(
            {"id": str(number), "url": f"https://bench.example/@a/{number}", "uri": "x"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--loops", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from integrations.models import Integration
    from organizations.models import Organization
    from posts import runner
    from posts.models import Post, PostGroup, PostItem
    from posts.states import State

    call_command("migrate", verbosity=0)
    FakeMastodon.latency = args.latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMastodon)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    # A clean slate each run.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE posts_postitem, posts_post, posts_postgroup, integrations_integration "
            "RESTART IDENTITY CASCADE"
        )
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    channels = Integration.objects.bulk_create(
        Integration(
            organization=organization,
            provider="mastodon",
            external_id=str(n),
            name=f"Channel {n}",
            credentials={"access_token": "bench-token"},
            meta={"instance": f"{base}/server{n % args.servers}", "account_id": str(n)},
        )
        for n in range(args.channels)
    )
    due = timezone.now()
    group = PostGroup.objects.create(organization=organization)
    posts = Post.objects.bulk_create(
        Post(
            organization=organization,
            group=group,
            integration=channels[n % len(channels)],
            state=State.SCHEDULED,
            publish_at=due,
        )
        for n in range(args.posts)
    )
    PostItem.objects.bulk_create(
        PostItem(post=post, position=0, content=f"Burst post {post.pk}") for post in posts
    )
    item_ids = {str(pk) for pk in PostItem.objects.values_list("pk", flat=True)}
    connection.close()

    started = time.time()
    deadline = started + 300
    loops = []
    while (
        time.time() < deadline
        and Post.objects.filter(state__in=[State.SCHEDULED, State.PUBLISHING]).exists()
    ):
        loops = [t for t in loops if t.is_alive()]
        while len(loops) < args.loops:
            thread = threading.Thread(target=runner.run, kwargs={"seconds": 5})
            thread.start()
            loops.append(thread)
        time.sleep(0.5)
    for thread in loops:
        thread.join()
    finished = time.time()

    received = FakeMastodon.received
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    published = Post.objects.filter(state=State.PUBLISHED).count()
    lost = len(item_ids - set(received))
    due_ts = due.timestamp()
    lags = sorted(FakeMastodon.times[key] - due_ts for key in received)
    server.shutdown()

    def percentile(values, q):
        return values[min(int(q * len(values)), len(values) - 1)] if values else float("nan")

    print(
        f"BENCH publish_burst posts={args.posts} latency_s={args.latency} "
        f"published={published} throughput_per_s={len(received) / (finished - started):.0f} "
        f"p50_lag_s={percentile(lags, 0.5):.2f} p99_lag_s={percentile(lags, 0.99):.2f} "
        f"duplicates={duplicates} lost={lost}"
    )
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
