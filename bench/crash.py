"""A worker killed mid-burst (kill -9), then restarted: nothing is sent twice or lost.

    .venv/bin/python bench/crash.py [--posts 3000] [--latency 0.1] [--telegram-share 0.25]
        [--kill-at 0.3]

The real worker (``manage.py qcluster``, default settings) publishes a burst to a fake
network (bench/_common.py): most posts go to Mastodon, which honours the Idempotency-Key
as the real one does (a repeat answers the first status and creates nothing), and a share
to Telegram, which has no key and no way to look a message up. When ``--kill-at`` of the
posts have arrived, the bench finds a worker process running a publisher loop (its
database connection is named after it), notes how many posts that loop holds, and kills
it with SIGKILL. django-q2 starts a fresh worker process in its place, and the bench
runs what the every-minute schedule runs (``start_publishers``) to give the dead loop's
slot a new loop, as the next minute would. Then it waits until every post is settled and
counts each post on the network's side. Prints one line:

    BENCH crash posts=… killed_in_flight=… published=… unconfirmed=… duplicates=… lost=…

duplicates: posts that exist more than once on a network. lost: posts neither published
(and on the network) nor unconfirmed (the person is asked to check) at the end. Posts the
killed loop held end published once (Mastodon: adopted by look-up or re-sent under the
same key) or unconfirmed (Telegram, where resending could post twice).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--servers", type=int, default=30)
    parser.add_argument("--telegram-share", type=float, default=0.25)
    parser.add_argument("--kill-at", type=float, default=0.3)
    args = parser.parse_args()

    network, server, base = _common.start_network(args.latency)
    env = _common.configure("bench-crash", base)
    from django.db import connection
    from django_q.tasks import async_task

    from integrations.models import Integration
    from organizations.models import Organization
    from posts import engine
    from posts.models import Post
    from posts.states import State

    _common.reset_database()
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    telegram_channels = max(1, round(args.channels * args.telegram_share))
    channels = Integration.objects.bulk_create(
        (
            Integration(
                organization=organization,
                provider="telegram",
                external_id=f"-100{n}",
                name=f"Telegram {n}",
                credentials={"bot_token": _common.TELEGRAM_TOKEN},
                meta={"chat_id": f"-100{n}", "chat_type": "channel"},
            )
            if n < telegram_channels
            else Integration(
                organization=organization,
                provider="mastodon",
                external_id=str(n),
                name=f"Mastodon {n}",
                credentials={"access_token": f"bench-token-{n}"},
                meta={"instance": f"{base}/server{n % args.servers}", "account_id": str(n)},
            )
        )
        for n in range(args.channels)
    )
    ids = _common.create_posts(posts=args.posts, channels=channels)

    cluster = _common.Cluster(env)
    killed_in_flight = 0
    try:
        cluster.start_publishers()
        _common.make_due(1.0)
        while len(network.copies) < args.kill_at * args.posts:
            time.sleep(0.02)
        with connection.cursor() as cursor:
            # The loop's connection names its process; its claims are its advisory locks.
            cursor.execute(
                "SELECT a.application_name, count(l.objid) FROM pg_stat_activity a "
                "LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' "
                "AND l.classid::bigint = %s AND l.objsubid = 1 "
                "WHERE a.application_name LIKE 'postiz publisher %%' "
                "GROUP BY a.application_name ORDER BY 2 DESC LIMIT 1",
                [engine.CLAIM_SPACE],
            )
            name, killed_in_flight = cursor.fetchone()
        victim = int(name.rsplit("pid=", 1)[1])
        os.kill(victim, signal.SIGKILL)
        killed_at = len(network.copies)
        # The every-minute job gives the dead loop's slot a new loop.
        time.sleep(1.0)
        async_task("posts.tasks.start_publishers")
        connection.close()
        _common.wait_until_settled(300)
    finally:
        cluster.stop()
    server.shutdown()

    states = dict(Post.objects.values_list("pk", "state"))
    published = sum(1 for s in states.values() if s == State.PUBLISHED)
    unconfirmed = sum(1 for s in states.values() if s == State.UNCONFIRMED)
    duplicates = sum(count - 1 for count in network.copies.values() if count > 1)
    lost = 0
    for pk in ids:
        on_network = network.copies.get(f"p{pk}", 0) > 0
        if states[pk] == State.UNCONFIRMED:
            continue
        if not (states[pk] == State.PUBLISHED and on_network):
            lost += 1
    resent_same_key = sum(
        1 for key, n in network.requests.items() if n > 1 and not key.startswith("p")
    )
    print(
        f"BENCH crash posts={args.posts} killed_in_flight={killed_in_flight} "
        f"killed_after={killed_at} published={published} unconfirmed={unconfirmed} "
        f"resent_same_key={resent_same_key} duplicates={duplicates} lost={lost}"
    )
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
