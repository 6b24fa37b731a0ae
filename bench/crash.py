"""A publisher killed mid-burst, or its database killed: nothing is sent twice or lost.

    .venv/bin/python bench/crash.py [--posts 1500] [--latency 0.1]
        [--kills early,middle,late,database] [--database-down 20]

Four runs by default, each with a fresh burst of posts due at the same instant, some of them
two-part threads, to a fake network (bench/_common.py) that plays three networks the way
the real ones behave:

- Bluesky: records are kept under the record key each request names; a second record
  under a taken key is refused with a bare 500 (as the reference PDS does), and
  ``getRecord`` reads what is there.
- Mastodon: a repeat of an Idempotency-Key answers the status it made and creates nothing.
- Telegram: no key and no way to look a message up; every request is a new message.

The fake network remembers every part it accepted by the part's identity carried in its
text (``[p<post>n<part>]``), whatever key it came with: a second acceptance of the same
part is a duplicate, however it was keyed. ``manage.py publisher`` runs as in production.
At each kill point (early: 10 % of the parts accepted, middle: 40 %, late: 75 %) the loop
holding the most posts gets SIGKILL and the publisher starts a new one; for ``database``,
the embedded PostgreSQL is killed at 40 % and started again 20 s later. Then every post is
awaited until it settles, and counted on the network's side. Prints one line:

    BENCH crash posts=… parts=… kills=… killed_in_flight=… published=… unconfirmed=… \
        resent_same_key=… duplicates=… lost=…

duplicates: parts the network accepted more than once. lost: parts of posts that are
neither published and on the network, nor unconfirmed (the person is asked to check).
unconfirmed: Telegram parts that were in flight (resending could post twice, and Telegram
cannot be asked).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402

KILL_AT = {"early": 0.10, "middle": 0.40, "late": 0.75, "database": 0.40}
PART = re.compile(r"\[(p\d+n\d+)\]")


class Ledger:
    """Every part the fake network accepted, by the identity in its text."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: Counter = Counter()
        self.records: dict[tuple[str, str], dict] = {}  # Bluesky: (repo, rkey) → record
        self.rkeys: Counter = Counter()  # Bluesky: (repo, rkey) → createRecord requests

    def accept(self, text: str) -> None:
        part = PART.search(text)
        with self.lock:
            self.accepted[part[1] if part else text] += 1


def _bluesky_handler(network: _common.Network, ledger: Ledger):
    """The bench's network, with a PDS at /pds<n>/xrpc/…; Mastodon and Telegram as before
    (each acceptance also noted in the ledger)."""
    base = _common._handler(network)

    class Handler(base):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the sender died before its request was whole: nothing is made
            data = json.loads(body or b"{}")
            if network.latency:
                time.sleep(network.latency)
            if "/xrpc/com.atproto.repo.createRecord" in self.path:
                return self._create_record(data)
            if self.path.startswith("/tg/"):
                return self._telegram(data)
            if self.path.endswith("/api/v1/statuses"):
                return self._mastodon(data)
            self._answer(404, {"error": "Record not found"})

        def do_GET(self):
            if "/xrpc/com.atproto.repo.getRecord" in self.path:
                return self._get_record()
            return super().do_GET()

        def _create_record(self, data):
            key = (data["repo"], data["rkey"])
            with ledger.lock:
                ledger.rkeys[key] += 1
                taken = key in ledger.records
                if not taken:
                    ledger.records[key] = data["record"]
            if taken:
                return self._answer(500, {"error": "InternalServerError", "message": "oops"})
            ledger.accept(data["record"]["text"])
            uri = f"at://{data['repo']}/app.bsky.feed.post/{data['rkey']}"
            self._answer(200, {"uri": uri, "cid": "bafyreibench"})

        def _get_record(self):
            query = dict(
                pair.split("=", 1) for pair in self.path.split("?", 1)[1].split("&") if "=" in pair
            )
            from urllib.parse import unquote

            key = (unquote(query.get("repo", "")), query.get("rkey", ""))
            with ledger.lock:
                record = ledger.records.get(key)
            if record is None:
                return self._answer(400, {"error": "RecordNotFound", "message": "not here"})
            uri = f"at://{key[0]}/app.bsky.feed.post/{key[1]}"
            self._answer(200, {"uri": uri, "cid": "bafyreibench", "value": record})

        def _mastodon(self, data):
            key = self.headers.get("Idempotency-Key", "")
            with network.lock:
                new = not key or key not in network.created
            try:
                super()._mastodon(data)
            finally:  # made, even when the sender died before the answer reached it
                if new:
                    ledger.accept(data.get("status", ""))

        def _telegram(self, data):
            try:
                super()._telegram(data)
            finally:
                ledger.accept(data.get("text", ""))

    return Handler


def _channels(organization, base: str, count: int, servers: int) -> list:
    from integrations.models import Integration

    rows = []
    for n in range(count):
        kind = ("bluesky", "bluesky", "mastodon", "mastodon", "telegram")[n % 5]
        server = f"{base}/server{n % servers}"
        if kind == "bluesky":
            rows.append(
                Integration(
                    organization=organization,
                    provider="bluesky",
                    external_id=f"did:plc:bench{n}",
                    name=f"Bluesky {n}",
                    username=f"bench{n}.test",
                    credentials={"access_jwt": f"bench-jwt-{n}", "refresh_jwt": "bench"},
                    meta={"did": f"did:plc:bench{n}", "handle": f"bench{n}.test", "pds": server},
                )
            )
        elif kind == "mastodon":
            rows.append(
                Integration(
                    organization=organization,
                    provider="mastodon",
                    external_id=str(n),
                    name=f"Mastodon {n}",
                    credentials={"access_token": f"bench-token-{n}"},
                    meta={"instance": server, "account_id": str(n)},
                )
            )
        else:
            rows.append(
                Integration(
                    organization=organization,
                    provider="telegram",
                    external_id=f"-100{n}",
                    name=f"Telegram {n}",
                    credentials={"bot_token": _common.TELEGRAM_TOKEN},
                    meta={"chat_id": f"-100{n}", "chat_type": "channel"},
                )
            )
    return Integration.objects.bulk_create(rows)


def _burst(channels: list, posts: int, run: str) -> dict[int, int]:
    """``posts`` posts over ``channels``, every tenth a two-part thread, an hour ahead;
    returns post id → its number of parts."""
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
    parts = {post.pk: 2 if n % 10 == 0 else 1 for n, post in enumerate(created)}
    PostItem.objects.bulk_create(
        PostItem(post_id=pk, position=position, content=f"Burst {run} post [p{pk}n{position}]")
        for pk, count in parts.items()
        for position in range(count)
    )
    return parts


def _kill_database() -> None:
    """SIGKILL the embedded server's postmaster (a crash, not a shutdown)."""
    from django.conf import settings

    server = settings.EMBEDDED_POSTGRES
    pid = int((server.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    os.kill(pid, signal.SIGKILL)


def _start_database(server, timeout: float = 60) -> None:
    """Start the killed server again, once its last backends have noticed and gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.ensure_running()
            if server.is_running():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _run(kill: str, args, env: dict, network, ledger: Ledger, base: str) -> dict:
    from django.conf import settings
    from django.db import connection

    from organizations.models import Organization
    from posts.models import Post, PostItem
    from posts.states import State

    _common.reset_database()
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    channels = _channels(organization, base, args.channels, args.servers)
    parts = _burst(channels, args.posts, kill)
    total_parts = sum(parts.values())
    with ledger.lock:
        ledger.accepted.clear()
        ledger.records.clear()
        ledger.rkeys.clear()
    with network.lock:  # each run starts with empty accounts
        network.requests.clear()
        network.created.clear()
        network.copies.clear()
        network.by_account.clear()

    cluster = _common.Cluster(env)
    in_flight = 0
    try:
        cluster.wait_for_loops()
        due = _common.make_due(1.0)
        target = KILL_AT[kill] * total_parts
        while sum(ledger.accepted.values()) < target:
            time.sleep(0.01)
        if kill == "database":
            _kill_database()
            connection.close()
            time.sleep(args.database_down)
            _start_database(settings.EMBEDDED_POSTGRES)
        else:
            _, _, in_flight = cluster.kill_loop()
        connection.close()
        _common.wait_until_settled(600)
    finally:
        cluster.stop()

    states = dict(Post.objects.values_list("pk", "state"))
    published_at = set(Post.objects.values_list("publish_at", flat=True))
    lost = 0
    for pk, count in parts.items():
        if states[pk] == State.UNCONFIRMED:
            continue
        on_network = all(ledger.accepted.get(f"p{pk}n{n}", 0) > 0 for n in range(count))
        if not (states[pk] == State.PUBLISHED and on_network):
            lost += 1
            if lost <= 5:
                post = Post.objects.select_related("integration").get(pk=pk)
                print(
                    f"  lost: post {pk} on {post.integration.provider} is {post.state}, "
                    f"on the network: {on_network}: {post.error_message[:200]}",
                    file=sys.stderr,
                )
    keys = Counter(PostItem.objects.values_list("key", flat=True))
    assert max(keys.values()) == 1
    return {
        "parts": total_parts,
        "in_flight": in_flight,
        "published": sum(1 for s in states.values() if s == State.PUBLISHED),
        "unconfirmed": sum(1 for s in states.values() if s == State.UNCONFIRMED),
        "resent_same_key": sum(
            1 for key, n in network.requests.items() if n > 1 and not key.startswith("p")
        )
        + sum(1 for n in ledger.rkeys.values() if n > 1),
        "duplicates": sum(count - 1 for count in ledger.accepted.values() if count > 1),
        "lost": lost,
        # A hand-back never moves the time a post was scheduled for.
        "moved": len(published_at - {due}),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--servers", type=int, default=30)
    parser.add_argument("--kills", default="early,middle,late,database")
    parser.add_argument("--database-down", type=float, default=20.0)
    args = parser.parse_args()
    kills = [kill for kill in args.kills.split(",") if kill]
    if unknown := set(kills) - set(KILL_AT):
        parser.error(f"unknown kill points: {', '.join(sorted(unknown))}")

    network = _common.Network(args.latency)
    ledger = Ledger()
    server = _common._Server(("127.0.0.1", 0), _bluesky_handler(network, ledger))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = _common.configure("bench-crash", base)

    results = {}
    for kill in kills:
        results[kill] = _run(kill, args, env, network, ledger, base)
        print(f"  {kill}: {results[kill]}", file=sys.stderr)
    server.shutdown()

    total = {key: sum(r[key] for r in results.values()) for key in next(iter(results.values()))}
    print(
        f"BENCH crash posts={args.posts * len(kills)} parts={total['parts']} "
        f"kills={','.join(kills)} killed_in_flight={total['in_flight']} "
        f"published={total['published']} unconfirmed={total['unconfirmed']} "
        f"resent_same_key={total['resent_same_key']} moved_times={total['moved']} "
        f"duplicates={total['duplicates']} lost={total['lost']}"
    )
    ok = total["duplicates"] == 0 and total["lost"] == 0 and total["moved"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
