"""A slow webhook receiver beside publishing: another team's posts go out on time, and the
worker's heartbeat stays fresh.

    .venv/bin/python bench/webhooks.py [--seconds 150] [--hooks 5] [--burst 40] [--slow 9]

Two runs against the fake network of bench/_common.py, with ``manage.py publisher`` and
``manage.py qcluster`` (the worker that sends webhooks and beats the heartbeat) as
production runs them. In both, team B has a post falling due every 2 s for ``--seconds``.
In the second run team A also has ``--hooks`` webhooks pointing at a receiver that takes
``--slow`` seconds to answer (longer than the delivery timeout: every delivery fails and
is retried) and a burst of ``--burst`` posts due at the start, so hundreds of deliveries
wait to be sent while B's posts fall due. Prints one line:

    BENCH webhooks deliveries=… lag_p50_s=… lag_max_s=… baseline_lag_p50_s=…
        baseline_lag_max_s=… heartbeat_max_age_s=…

lag: when the network received one of B's posts, minus when it was due (with the slow
receiver, and without it as the baseline); heartbeat_max_age_s: the oldest the worker's
heartbeat got while the webhooks were being sent (/health calls the worker down past
POSTIZ_HEARTBEAT_MAX_AGE, 180 s). Its database lives in var/bench-webhooks.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from http.server import BaseHTTPRequestHandler  # noqa: E402 - imports calendar

from bench import _common  # noqa: E402


def _slow_receiver(seconds: float) -> tuple[_common._Server, str, list]:
    received: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(time.time())
            time.sleep(seconds)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except ConnectionError:
                pass  # the sender gave up waiting, as it should

        def log_message(self, *args):
            pass

    server = _common._Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook", received


def _run(args, env, network, base: str, hook_url: str | None) -> tuple[list[float], float, int]:
    """One run: B's lags, the oldest heartbeat seen, how many deliveries were made."""
    from django.db import connection
    from django.utils import timezone

    from integrations.models import Integration
    from organizations.models import Organization
    from postiz.models import WorkerHeartbeat
    from posts.models import Post, PostGroup, PostItem, Webhook, WebhookDelivery
    from posts.states import State

    _common.reset_database()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE posts_webhook, posts_webhookdelivery, organizations_event CASCADE")
    with network.lock:
        network.copies.clear()
        network.first_seen.clear()
        network.created.clear()
        network.by_account.clear()

    def team(slug: str, channels: int) -> list:
        organization, _ = Organization.objects.get_or_create(
            slug=slug, defaults={"name": slug.title()}
        )
        return Integration.objects.bulk_create(
            Integration(
                organization=organization,
                provider="mastodon",
                external_id=f"{slug}{n}",
                name=f"{slug} {n}",
                credentials={"access_token": f"bench-token-{slug}{n}"},
                meta={"instance": f"{base}/server{n}", "account_id": f"{slug}{n}"},
            )
            for n in range(channels)
        )

    team_a, team_b = team("slowteam", 10), team("ontimeteam", 10)
    start = timezone.now() + timedelta(seconds=10)
    if hook_url:
        for n in range(args.hooks):
            Webhook.objects.create(
                organization=team_a[0].organization,
                name=f"Slow {n}",
                url=hook_url,
                events=["post.published"],
                secrets={"secret": "bench"},
            )
        _common.create_posts(posts=args.burst, channels=team_a)
        Post.objects.filter(organization=team_a[0].organization).update(publish_at=start)
    group = PostGroup.objects.create(organization=team_b[0].organization)
    steady = Post.objects.bulk_create(
        Post(
            organization=group.organization,
            group=group,
            integration=team_b[n % len(team_b)],
            state=State.SCHEDULED,
            publish_at=start + timedelta(seconds=5 + 2 * n),
        )
        for n in range(int(args.seconds // 2))
    )
    PostItem.objects.bulk_create(
        PostItem(post=post, position=0, content=f"On time [p{post.pk}]") for post in steady
    )
    due = {f"p{post.pk}": post.publish_at.timestamp() for post in steady}

    cluster = _common.Cluster(env, worker=True)
    oldest = 0.0
    try:
        cluster.wait_for_loops()
        end = start + timedelta(seconds=5 + args.seconds + 10)
        while timezone.now() < end:
            beat = WorkerHeartbeat.objects.filter(name="worker").values_list("beat_at", flat=True)
            if beat and timezone.now() > start:
                oldest = max(oldest, (timezone.now() - beat[0]).total_seconds())
            connection.close()
            time.sleep(1)
    finally:
        cluster.stop()
    lags = sorted(network.first_seen[m] - t for m, t in due.items() if m in network.first_seen)
    missing = len(due) - len(lags)
    if missing:
        print(f"  {missing} of team B's posts never reached the network", file=sys.stderr)
    return lags, oldest, WebhookDelivery.objects.count()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--hooks", type=int, default=5)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--slow", type=float, default=9.0)
    args = parser.parse_args()

    network, server, base = _common.start_network(0.05)
    receiver, hook_url, received = _slow_receiver(args.slow)
    env = _common.configure("bench-webhooks", base)

    baseline, _, _ = _run(args, env, network, base, None)
    lags, oldest, deliveries = _run(args, env, network, base, hook_url)
    server.shutdown()
    receiver.shutdown()

    def p(values, q):
        return _common.percentile(values, q)

    print(
        f"BENCH webhooks deliveries={deliveries} attempts_received={len(received)} "
        f"lag_p50_s={p(lags, 0.5):.2f} lag_max_s={max(lags, default=float('nan')):.2f} "
        f"baseline_lag_p50_s={p(baseline, 0.5):.2f} "
        f"baseline_lag_max_s={max(baseline, default=float('nan')):.2f} "
        f"heartbeat_max_age_s={oldest:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
