"""Analytics at an agency's size: a full refresh round beside a publishing burst, then the
Analytics page over a year of data.

    .venv/bin/python bench/analytics.py [--channels 100] [--posts 10000] [--burst 2000]
        [--latency 0.05] [--runs 30]

One organization gets ``--channels`` Mastodon channels (on 50 fake servers, bench/_common.py),
365 days of channel counts for each (followers, impressions, views), and ``--posts``
published posts spread over the year, every one of them due for fresh counts. The real
``manage.py publisher`` and ``manage.py qcluster`` start; then, at the same instant, a
burst of ``--burst`` posts falls due and the analytics round is queued. The fake network
enforces Mastodon's limit on every account (300 requests per 5 minutes; over it answers
429) and records when each account asked. The bench waits until every post is out and
every post's counts were read, then renders the Analytics page for 30 and 365 days through
Django's test Client (``--runs`` times each after a warm-up), and counts its queries
(an organization with no counts at all, then 30 and 365 days of the full one). Prints one line:

    BENCH analytics page30_p50_ms=… page365_p50_ms=… queries=empty/30/365 round_s=…
        requests=… max_per_channel_hour=… budget_per_hour=… refused_429=… posts_counted=…
        burst_p50_lag_s=… burst_p99_lag_s=… lost=… duplicates=…

``max_per_channel_hour`` is the most counts requests any one account made (all within the
round, well under an hour), against the provider's ``metrics_per_hour``. Lag = when the
network received a burst post minus when it was due; ``--no-refresh`` runs the burst
alone (no analytics round) to compare. The database lives in
var/bench-analytics (POSTIZ_VAR_DIR), so var/ itself is untouched.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402

METRICS = ("followers", "impressions", "views")


def seed_channel_counts(channels: list, days: int = 365) -> None:
    from django.utils import timezone

    from integrations.models import ChannelMetric

    today = timezone.now().date()
    rows = [
        ChannelMetric(
            organization_id=c.organization_id,
            integration=c,
            metric=metric,
            day=today - timedelta(days=d),
            value=(1000 + n * 10 - d) if metric == "followers" else (n * 37 + d * 11) % 5000,
        )
        for n, c in enumerate(channels)
        for d in range(days)
        for metric in METRICS
    ]
    ChannelMetric.objects.bulk_create(rows, batch_size=10_000)
    from integrations.analytics import organization_days_rebuild

    organization_days_rebuild(organization_id=channels[0].organization_id)


def seed_published(channels: list, posts: int) -> None:
    """``posts`` published posts spread over the last year, each due for its counts now."""
    from django.utils import timezone

    from posts.analytics.models import PostMetricsTrack
    from posts.models import Post, PostGroup, PostItem
    from posts.states import State

    organization = channels[0].organization
    now = timezone.now()
    step = timedelta(days=364) / posts
    group = PostGroup.objects.create(organization=organization)
    created = Post.objects.bulk_create(
        (
            Post(
                organization=organization,
                group=group,
                integration=channels[n % len(channels)],
                state=State.PUBLISHED,
                publish_at=now - step * n - timedelta(hours=1),
                published_at=now - step * n - timedelta(hours=1),
                remote_id=str(1_000_000 + n),
                remote_url=f"https://bench.example/@a/{1_000_000 + n}",
            )
            for n in range(posts)
        ),
        batch_size=5000,
    )
    PostItem.objects.bulk_create(
        (
            PostItem(post=p, position=0, content=f"Published post {p.pk}", remote_id=p.remote_id)
            for p in created
        ),
        batch_size=5000,
    )
    PostMetricsTrack.objects.bulk_create(
        (
            PostMetricsTrack(
                post=p,
                organization=organization,
                integration=p.integration,
                published_at=p.published_at,
                due_at=now,
            )
            for p in created
        ),
        batch_size=5000,
    )


def wait_for_counts(timeout: float) -> float:
    from posts.analytics.models import PostMetricsTrack

    deadline = time.time() + timeout
    while time.time() < deadline:
        if not PostMetricsTrack.objects.filter(fetches=0).exists():
            break
        time.sleep(0.5)
    return time.time()


def page_timings(organization, runs: int) -> tuple[dict, tuple[int, int, int]]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from integrations.models import Integration
    from organizations.models import Membership, Organization
    from organizations.permissions import Role

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(
        STORAGES=storages, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ).enable()
    user, _ = User.objects.get_or_create(email="analytics-bench@example.com")
    Membership.objects.get_or_create(organization=organization, user=user, role=Role.OWNER)
    # An organization with one channel and no counts at all: the query count must match.
    empty, _ = Organization.objects.get_or_create(slug="bench-empty", defaults={"name": "E"})
    Integration.objects.get_or_create(
        organization=empty, provider="mastodon", external_id="e", defaults={"name": "Empty"}
    )
    Membership.objects.get_or_create(organization=empty, user=user, role=Role.OWNER)
    client = Client()
    client.force_login(user)
    base = f"/o/{organization.slug}/analytics/"

    def queries(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    counted = (
        queries(f"/o/{empty.slug}/analytics/?days=365"),
        queries(f"{base}?days=30"),
        queries(f"{base}?days=365"),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings = {}
    for days in (30, 365):
        url = f"{base}?days={days}"
        for _ in range(3):
            client.get(url)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings[days] = statistics.median(samples)
    return timings, counted


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--no-refresh", action="store_true", help="the burst alone, to compare its lag"
    )
    args = parser.parse_args()

    # Measured as production runs: no query log kept per request.
    import os

    os.environ["DEBUG"] = "false"
    network, server, base = _common.start_network(args.latency)
    env = _common.configure("bench-analytics", base)
    from django.db import connection

    from integrations.providers.mastodon import MastodonProvider
    from posts.analytics.models import PostMetricLatest
    from posts.analytics.services import metrics_round

    _common.reset_database()
    channels = _common.create_mastodon_channels(channels=args.channels, servers=50, base=base)
    seed_channel_counts(channels)
    seed_published(channels, args.posts)
    burst = _common.create_posts(posts=args.burst, channels=channels)

    cluster = _common.Cluster(env, worker=True)
    try:
        cluster.wait_for_loops()
        due = _common.make_due(1.0)
        round_started = time.time()
        if not args.no_refresh:
            metrics_round()  # queued for the worker, beside the burst the publisher takes
        connection.close()
        _common.wait_until_settled(300)
        round_done = wait_for_counts(600) if not args.no_refresh else time.time()
    finally:
        cluster.stop()
    server.shutdown()

    markers = {f"p{pk}" for pk in burst}
    received = set(network.copies) & markers
    duplicates = sum(count - 1 for count in network.copies.values() if count > 1)
    lags = sorted(network.first_seen[m] - due.timestamp() for m in received)
    per_channel = max((len(calls) for calls in network.counts_calls.values()), default=0)
    requests = sum(len(calls) for calls in network.counts_calls.values())
    counted = PostMetricLatest.objects.values("post_id").distinct().count()

    timings, queries = page_timings(channels[0].organization, args.runs)
    print(
        f"BENCH analytics channels={args.channels} posts={args.posts} "
        f"refresh={'off' if args.no_refresh else 'on'} "
        f"page30_p50_ms={timings[30]:.1f} page365_p50_ms={timings[365]:.1f} "
        f"queries={queries[0]}/{queries[1]}/{queries[2]} round_s={round_done - round_started:.1f} "
        f"requests={requests} max_per_channel_hour={per_channel} "
        f"budget_per_hour={MastodonProvider.metrics_per_hour} "
        f"refused_429={network.counts_refused} posts_counted={counted} "
        f"burst={args.burst} burst_p50_lag_s={_common.percentile(lags, 0.5):.2f} "
        f"burst_p99_lag_s={_common.percentile(lags, 0.99):.2f} "
        f"lost={len(markers - received)} duplicates={duplicates}"
    )
    ok = (counted == args.posts or args.no_refresh) and not (markers - received)
    ok = ok and duplicates == 0
    return 0 if ok and network.counts_refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
