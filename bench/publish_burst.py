"""A burst of posts all due at the same instant, published by the real worker.

    .venv/bin/python bench/publish_burst.py [--posts 10000] [--latency 0.1]
        [--channels 500] [--servers 50]

A local fake Mastodon network (``--servers`` servers, as path prefixes of one HTTP server
on 127.0.0.1, see bench/_common.py) answers each post after ``--latency`` seconds. The
posts are spread over the channels and scheduled ahead; ``manage.py publisher`` starts
with the default settings and the bench waits for its publisher loops; then every post
falls due at once and the bench waits until all are out (or five minutes pass). Prints one
line:

    BENCH publish_burst posts=… throughput_per_s=… p50_lag_s=… p99_lag_s=… duplicates=… lost=…

lag = when the network received the post, minus when it was due; throughput counts from
the due instant to the last post received. Its own embedded database lives in
var/bench-publish, so var/ is untouched.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--timeline", action="store_true", help="posts received per second")
    args = parser.parse_args()

    network, server, base = _common.start_network(args.latency)
    env = _common.configure("bench-publish", base)
    from django.db import connection

    from posts.models import Post
    from posts.states import State

    _common.reset_database()
    channels = _common.create_mastodon_channels(
        channels=args.channels, servers=args.servers, base=base
    )
    ids = _common.create_posts(posts=args.posts, channels=channels)

    cluster = _common.Cluster(env)
    try:
        cluster.wait_for_loops()
        due = _common.make_due(1.0)
        connection.close()
        _common.wait_until_settled(300)
    finally:
        cluster.stop()
    server.shutdown()

    markers = {f"p{pk}" for pk in ids}
    received = set(network.copies) & markers
    duplicates = sum(count - 1 for count in network.copies.values() if count > 1)
    published = Post.objects.filter(state=State.PUBLISHED).count()
    lost = len(markers - received)
    due_ts = due.timestamp()
    lags = sorted(network.first_seen[m] - due_ts for m in received)
    span = (max(network.first_seen[m] for m in received) - due_ts) if received else 0

    if args.timeline:
        per_second = Counter(int(lag) for lag in lags)
        print(" ".join(f"{s}s:{per_second[s]}" for s in range(int(lags[-1]) + 1)))
    print(
        f"BENCH publish_burst posts={args.posts} latency_s={args.latency} "
        f"published={published} throughput_per_s={len(received) / max(span, 1e-9):.0f} "
        f"p50_lag_s={_common.percentile(lags, 0.5):.2f} "
        f"p99_lag_s={_common.percentile(lags, 0.99):.2f} "
        f"max_lag_s={lags[-1] if lags else float('nan'):.2f} "
        f"duplicates={duplicates} lost={lost}"
    )
    return 0 if duplicates == 0 and lost == 0 and published == args.posts else 1


if __name__ == "__main__":
    sys.exit(main())
