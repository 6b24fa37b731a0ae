"""Farcaster through the publishing engine. After an unclear answer the account's newest
casts are searched first; a cast not (yet) listed is sent again with the same ``idem``,
which Neynar answers with the cast it already made, so one cast exists however the first
attempt ended."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts import engine
from posts.models import PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer, as_response
from tests.posts.e2e.networks import (
    CAST_HASHES,
    NEYNAR_CAST,
    NEYNAR_CASTS,
    Context,
    farcaster_connect,
    farcaster_idem,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write
from tests.providers.conftest import dropped_handler

pytestmark = pytest.mark.django_db
TEXT = "Launch day at Acme"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


class Neynar:
    """Casts kept by idem, as Neynar de-duplicates them; ``first`` answers the first
    request its own way (after the cast was made)."""

    def __init__(self, ctx, first=None, listed=False):
        self.casts: dict[str, str] = {}
        self.first = first
        self.listed = listed
        ctx.fake.on("POST", NEYNAR_CAST, self.create)
        ctx.fake.on("GET", NEYNAR_CASTS, self.feed)

    def create(self, call):
        idem = call.json["idem"]
        self.casts.setdefault(idem, CAST_HASHES[len(self.casts)])
        made = answer(
            "farcaster", "cast_created", edit=lambda b: b["cast"].update(hash=self.casts[idem])
        )
        first, self.first = self.first, None
        return first(call) if first is not None else made

    def feed(self, call):
        casts = [
            {"hash": h, "parent_hash": None, "text": TEXT, "timestamp": timezone.now().isoformat()}
            for h in self.casts.values()
        ]
        return as_response({"body": {"casts": casts if self.listed else [], "next": {}}})


def sent_idems(ctx):
    return [c.json["idem"] for c in ctx.fake.sent("POST", NEYNAR_CAST)]


def settle(post):
    return publish_due(now=timezone.now() + timedelta(minutes=1))


def test_a_500_then_a_resend_under_the_same_idem_makes_one_cast(ctx, owner):
    post = write(owner, farcaster_connect(ctx), [TEXT])
    neynar = Neynar(ctx, first=lambda call: answer("farcaster", "server_error"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"
    assert [o.state for o in settle(post)] == [State.PUBLISHED]

    item = PostItem.objects.get(post=post)
    assert sent_idems(ctx) == [farcaster_idem(item)] * 2
    assert len(neynar.casts) == 1
    assert fresh(post).remote_id == CAST_HASHES[0]
    # Looked before it sent again.
    assert [c.method for c in ctx.fake.calls] == ["POST", "GET", "POST"]


def test_no_answer_in_time_then_the_same_idem_makes_one_cast(ctx, owner, monkeypatch):
    monkeypatch.setattr(engine._provider("farcaster"), "timeout", (1, 0.5))
    answered = threading.Event()

    def stalled(call):
        time.sleep(1.0)  # past the client's read timeout
        answered.set()
        return answer("farcaster", "cast_created")

    post = write(owner, farcaster_connect(ctx), [TEXT])
    neynar = Neynar(ctx, first=stalled)

    publish_due()
    assert answered.wait(3)
    assert [o.state for o in settle(post)] == [State.PUBLISHED]
    assert len(set(sent_idems(ctx))) == 1 and len(neynar.casts) == 1


def test_a_dropped_connection_then_the_cast_found_in_the_feed_is_kept(ctx, owner):
    post = write(owner, farcaster_connect(ctx), [TEXT])
    neynar = Neynar(ctx, first=dropped_handler(b'{"success":true,"cast":{'), listed=True)

    publish_due()
    assert [o.state for o in settle(post)] == [State.PUBLISHED]

    assert len(sent_idems(ctx)) == 1  # found: never sent again
    assert fresh(post).remote_id == CAST_HASHES[0] == next(iter(neynar.casts.values()))


def test_past_neynars_window_a_cast_not_found_is_unconfirmed(ctx, owner):
    post = write(owner, farcaster_connect(ctx), [TEXT])
    Neynar(ctx, first=lambda call: answer("farcaster", "server_error"))

    publish_due()
    # The first attempt went out longer ago than Neynar is trusted to remember its idem.
    started = timezone.now() - timedelta(minutes=30)
    PostItem.objects.filter(post=post).update(commit_started_at=started)
    later = settle(post)

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len(sent_idems(ctx)) == 1


def test_a_revoked_signer_asks_for_a_reconnect(ctx, owner):
    channel = farcaster_connect(ctx)
    post = write(owner, channel, [TEXT])
    ctx.fake.on("POST", NEYNAR_CAST, answer("farcaster", "signer_not_approved"))

    publish_due()

    assert (fresh(post).state, fresh(post).error_kind) == (State.FAILED, "auth_revoked")
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
