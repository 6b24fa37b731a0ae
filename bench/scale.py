"""Several hosts' publishers against one PostgreSQL: each post published exactly once, and
throughput rising with the number of groups.

    .venv/bin/python bench/scale.py [--groups 1,2,3] [--posts 3000] [--latency 0.2]
        [--loops 1] [--concurrency 16] [--channels 300] [--servers 30]

A *group* stands for one more host: its own ``manage.py publisher`` process tree (its
loops, each a process of its own), in its own process group, with its own environment as
another machine would have it: its own POSTIZ_VAR_DIR (var/bench-scale/host<n>), the
shared database named by DATABASE_URL, and the shared SECRET_KEY and
POSTIZ_ENCRYPTION_KEYS given explicitly (with such a DATABASE_URL nothing is generated,
so a group with other keys could not read the channels' tokens). The database is the
embedded server of var/bench-scale, reached by its socket, as a database server would be.

For each group count: a fresh burst of ``--posts`` Mastodon posts over ``--channels``
channels, due at one instant, to the fake network (bench/_common.py; Mastodon servers that
honour the Idempotency-Key and count every status they create). Each group is given
``--loops`` loops of ``--concurrency`` sends in flight, so one group's ceiling is about
loops * concurrency / latency posts a second (80 with the defaults: a small host), and the
figures show groups adding up until something they share (the database, or this
machine's CPU, since every "host" here runs on it) is the limit. Prints one line:

    BENCH scale groups=1,2,3 posts=… per_s=…,…,… duplicates=0 lost=0

per_s: posts received by the network per second, from the due instant to the last one.
duplicates: statuses the network created more than once for a post. lost: posts not on the
network, or not marked published.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402


class Host:
    """One group: ``manage.py publisher`` with an environment of its own."""

    def __init__(self, number: int, env: dict, var_dir: Path):
        var_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "publisher"],
            cwd=_common.ROOT,
            env={**env, "POSTIZ_VAR_DIR": str(var_dir)},
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(var_dir / "publisher.log", "w"),  # noqa: SIM115 - the child's
        )
        self.log = var_dir / "publisher.log"

    def stop(self) -> None:
        _common._stop_group(self.process)


def _host_env(args, shared: dict) -> dict:
    """What another host would be given: the shared database and secrets, nothing of
    this machine's var/."""
    from django.conf import settings

    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "POSTIZ_ENCRYPTION_KEYS", "DATABASE_URL", "POSTIZ_VAR_DIR"}
    }
    env.update(shared)
    env.update(
        DATABASE_URL=settings.EMBEDDED_POSTGRES.url(),
        SECRET_KEY=settings.SECRET_KEY,
        POSTIZ_ENCRYPTION_KEYS=",".join(settings.POSTIZ_ENCRYPTION_KEYS),
        POSTIZ_PUBLISHERS=str(args.loops),
        POSTIZ_PUBLISH_CONCURRENCY=str(args.concurrency),
    )
    return env


def _wait_for_loops(hosts: list[Host], loops: int, timeout: float = 120) -> None:
    """Until every group's loops have named their connections (they run)."""
    from django.db import connection

    deadline = time.time() + timeout
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                "WHERE application_name LIKE 'postiz publisher slot=%%'"
            )
            running = cursor.fetchone()[0]
        if running >= loops * len(hosts):
            return
        for host in hosts:
            if host.process.poll() is not None:
                raise SystemExit(f"a group's publisher exited: {host.log.read_text()[-2000:]}")
        if time.time() > deadline:
            raise SystemExit(f"{running} of {loops * len(hosts)} publisher loops started")
        time.sleep(0.1)


def _run(groups: int, args, network, base: str, env: dict) -> dict:
    from django.db import connection

    from posts.models import Post
    from posts.states import State

    _common.reset_database()
    with network.lock:  # each run starts with empty accounts
        network.requests.clear()
        network.created.clear()
        network.copies.clear()
        network.first_seen.clear()
        network.by_account.clear()
    channels = _common.create_mastodon_channels(
        channels=args.channels, servers=args.servers, base=base
    )
    ids = _common.create_posts(posts=args.posts, channels=channels)
    var = Path(os.environ["POSTIZ_VAR_DIR"])
    hosts = [Host(n, env, var / f"host{n}") for n in range(groups)]
    try:
        _wait_for_loops(hosts, args.loops)
        due = _common.make_due(1.0)
        connection.close()
        _common.wait_until_settled(600)
    finally:
        for host in hosts:
            host.stop()

    markers = {f"p{pk}" for pk in ids}
    received = set(network.copies) & markers
    published = set(Post.objects.filter(state=State.PUBLISHED).values_list("pk", flat=True))
    span = max(network.first_seen[m] for m in received) - due.timestamp() if received else 0
    return {
        "per_s": len(received) / max(span, 1e-9),
        "duplicates": sum(count - 1 for count in network.copies.values() if count > 1),
        "lost": sum(1 for pk in ids if f"p{pk}" not in received or pk not in published),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", default="1,2,3")
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--loops", type=int, default=1, help="publisher loops per group")
    parser.add_argument("--concurrency", type=int, default=16, help="sends in flight per loop")
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--servers", type=int, default=30)
    args = parser.parse_args()
    counts = [int(n) for n in args.groups.split(",") if n]

    network, server, base = _common.start_network(args.latency)
    shared = _common.configure("bench-scale", base)
    env = _host_env(args, shared)
    results = []
    for groups in counts:
        results.append(_run(groups, args, network, base, env))
        print(f"  groups={groups}: {results[-1]}", file=sys.stderr)
    server.shutdown()

    rates = ",".join(f"{r['per_s']:.0f}" for r in results)
    duplicates = sum(r["duplicates"] for r in results)
    lost = sum(r["lost"] for r in results)
    print(
        f"BENCH scale groups={','.join(map(str, counts))} posts={args.posts} "
        f"loops_per_group={args.loops} concurrency={args.concurrency} "
        f"latency_s={args.latency} per_s={rates} "
        f"duplicates={duplicates} lost={lost} load={os.getloadavg()[0]:.2f}"
    )
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
