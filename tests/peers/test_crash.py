"""A publisher killed mid-burst, against the real servers: nothing is published twice or
lost, counted the way the people reading those accounts would count it.

A real Bluesky PDS (three accounts) and the real nostr-relay get a burst of posts, some of
them two-part threads, all due at the same instant. ``manage.py publisher`` runs as it runs
in production; when about a third of the posts are out, the loop holding the most posts is
killed with SIGKILL, and the publisher starts a new one. Once every post has settled, the
records on the PDS and the notes on the relay are read back and counted by their text.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from coincurve import PrivateKey
from django.conf import settings
from django.db import connection
from django.utils import timezone
from websockets.sync.client import connect

from integrations.models import Integration
from integrations.providers.bluesky import BlueskyProvider
from posts import engine
from posts.models import Post, PostGroup, PostItem
from posts.states import State
from tests.peers import servers
from tests.posts.test_publisher import Process, _database_url

pytestmark = [
    pytest.mark.peer_bluesky,
    pytest.mark.peer_nostr,
    pytest.mark.django_db(transaction=True),
]

ACCOUNTS = 3
POSTS_PER_CHANNEL = 30
THREAD_EVERY = 10  # every tenth post is a two-part thread


def _bluesky_channel(org, pds: str, n: int) -> Integration:
    account = servers.bluesky_account(pds, f"crash{n}")
    provider = BlueskyProvider()
    grant = provider.authenticate(
        {"service": pds, "identifier": account["handle"], "app_password": account["app_password"]}
    )
    (found,) = provider.accounts(grant)
    return Integration.objects.create(
        organization=org,
        provider="bluesky",
        external_id=found.external_id,
        name=f"Bluesky {n}",
        username=found.username,
        credentials=dict(grant.credentials),
        meta=found.meta,
    )


def _nostr_channel(org, relay: str) -> Integration:
    secret = secrets.token_bytes(32)
    pubkey = PrivateKey(secret).public_key_xonly.format().hex()
    return Integration.objects.create(
        organization=org,
        provider="nostr",
        external_id=pubkey,
        name="Nostr",
        credentials={"private_key": secret.hex()},
        meta={"pubkey": pubkey, "relays": [relay]},
    )


def _burst(channels: list[Integration], run: str, due) -> dict[str, int]:
    """The posts, all due at ``due``; returns every item's text → its channel's id."""
    group = PostGroup.objects.create(organization=channels[0].organization)
    texts = {}
    for channel in channels:
        for n in range(POSTS_PER_CHANNEL):
            post = Post.objects.create(
                organization=channel.organization,
                group=group,
                integration=channel,
                state=State.SCHEDULED,
                publish_at=due,
            )
            parts = [f"Burst {run} {channel.pk}.{n}"]
            if n % THREAD_EVERY == 0:
                parts.append(f"Burst {run} {channel.pk}.{n}, the reply")
            for position, text in enumerate(parts):
                PostItem.objects.create(post=post, position=position, content=text)
                texts[text] = channel.pk
    return texts


def _nostr_notes(relay: str, pubkey: str) -> list[dict]:
    with connect(relay, open_timeout=5, proxy=None) as ws:
        ws.send(json.dumps(["REQ", "count", {"authors": [pubkey], "kinds": [1], "limit": 500}]))
        notes = []
        while True:
            message = json.loads(ws.recv(timeout=10))
            if message[0] == "EOSE":
                return notes
            if message[0] == "EVENT":
                notes.append(message[2])


def _busiest_loop() -> tuple[int, int]:
    """The pid of the loop process holding the most claimed posts, and how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name, count(l.objid) FROM pg_stat_activity a "
            "JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' "
            "AND l.classid::bigint = %s AND l.objsubid = 1 "
            "WHERE a.application_name LIKE 'postiz publisher %%' "
            "GROUP BY a.application_name ORDER BY 2 DESC LIMIT 1",
            [engine.CLAIM_SPACE],
        )
        row = cursor.fetchone()
    if row is None:
        return 0, 0
    return int(row[0].rsplit("pid=", 1)[1]), row[1]


def _wait(condition, timeout: float, what: str, log=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}\n{log()}")


def test_a_publisher_killed_mid_burst_publishes_every_post_once_on_the_real_servers(
    org, pds, real_relay, tmp_path
):
    channels = [_bluesky_channel(org, pds, n) for n in range(ACCOUNTS)]
    channels.append(_nostr_channel(org, real_relay))
    run = secrets.token_hex(3)
    due = timezone.now() + timedelta(seconds=4)
    texts = _burst(channels, run, due)
    total = Post.objects.count()

    publisher = Process(
        [sys.executable, "manage.py", "publisher"],
        {
            "DATABASE_URL": _database_url(),
            "POSTIZ_VAR_DIR": str(settings.VAR_DIR),  # the key that reads the credentials
            "POSTIZ_ALLOW_PRIVATE_URLS": "1",
            "POSTIZ_PUBLISHERS": "2",
            # Few threads, so the burst lasts long enough to be cut in the middle.
            "POSTIZ_PUBLISH_CONCURRENCY": "4",
        },
        tmp_path / "publisher.log",
    )
    log = lambda: publisher.log  # noqa: E731
    try:
        published = Post.objects.filter(state=State.PUBLISHED)
        _wait(lambda: published.count() >= total // 3, 120, "a third published", log)
        victim, held = _wait(lambda: (found := _busiest_loop()) != (0, 0) and found, 30, "a loop")
        os.kill(victim, signal.SIGKILL)
        killed_after = published.count()
        assert killed_after < total, "the burst was over before the kill"

        unsettled = Post.objects.filter(state__in=[State.SCHEDULED, State.PUBLISHING])
        _wait(lambda: not unsettled.exists(), 180, "every post settled", log)
        assert "exited (rc=-9); restarting" in publisher.log
    finally:
        publisher.process.send_signal(signal.SIGTERM)
        publisher.process.wait(timeout=10)
        publisher.kill()

    # What the people reading these accounts see.
    seen: Counter = Counter()
    for channel in channels[:ACCOUNTS]:
        for record in servers.bluesky_posts(pds, channel.external_id):
            seen[record["value"]["text"]] += 1
    for note in _nostr_notes(real_relay, channels[-1].external_id):
        seen[note["content"]] += 1
    ours = {text: count for text, count in seen.items() if run in text}
    duplicates = {text: count for text, count in ours.items() if count > 1}
    lost = sorted(set(texts) - set(ours))
    assert (duplicates, lost) == ({}, []), f"killed a loop holding {held} posts"

    # Every post ends published (both networks can be asked), at the time it was due.
    states = Counter(Post.objects.values_list("state", flat=True))
    assert states == {State.PUBLISHED: total}
    assert set(Post.objects.values_list("publish_at", flat=True)) == {due}
    # Each reply points at its own thread's first part.
    for item in PostItem.objects.filter(position=1, post__integration__provider="bluesky"):
        root = PostItem.objects.get(post=item.post, position=0)
        record = servers.bluesky_record(pds, item.remote_id)
        assert record["reply"]["root"]["uri"] == root.remote_id
