"""Publishing a signed note to relays: quorum, replies, rejections, unknown outcomes."""

import time

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.nostr import NostrProvider, note_id

from .relay import valid
from .test_connect import PUBKEY
from .test_keys import NSEC_HEX


@pytest.fixture
def provider():
    p = NostrProvider()
    p.timeout = (2, 2)
    return p


def channel(*urls, **meta):
    return Channel(
        external_id=PUBKEY,
        credentials={"private_key": NSEC_HEX},
        meta={"pubkey": PUBKEY, "relays": list(urls), **meta},
    )


def post(text="gm from Postiz", **kwargs):
    return PublishRequest(post_id="post-1", text=text, **kwargs)


def test_a_note_is_signed_sent_to_every_relay_and_published(provider, relays, captured_logs):
    a, b = relays(), relays()
    request = post()
    result = provider.publish(channel(a.url, b.url), request)

    [sent] = a.received
    assert b.received == [sent]
    assert valid(sent)
    assert sent == request.progress["event"]
    assert (sent["kind"], sent["content"], sent["tags"]) == (1, "gm from Postiz", [])
    assert abs(sent["created_at"] - time.time()) < 5  # signed when first sent, not scheduled
    assert sent["pubkey"] == PUBKEY
    assert result.ref.id == sent["id"]
    assert result.ref.url == f"https://njump.me/{note_id(sent['id'])}"
    assert sorted(result.ref.extra["relays"]) == sorted([a.url, b.url])
    assert NSEC_HEX not in "\n".join(r.getMessage() for r in captured_logs.records)


def test_the_signed_note_is_saved_before_any_relay_sees_it(provider, relays):
    relay = relays()
    saved = []

    def checkpoint(progress):
        saved.append(dict(progress))
        assert relay.received == []  # nothing sent yet

    request = post(checkpoint=checkpoint)
    provider.publish(channel(relay.url), request)
    assert saved == [{"event": relay.received[0]}]


def test_a_retry_resends_the_very_note_it_saved(provider, relays):
    relay = relays()
    first = post()
    provider.publish(channel(relay.url), first)
    time.sleep(1.1)  # a later second, which a note signed afresh would carry
    retry = post(progress=dict(first.progress))
    provider.publish(channel(relay.url), retry)
    assert relay.received[0] == relay.received[1] == first.progress["event"]


def test_a_reply_carries_nip10_root_and_reply_tags(provider, relays):
    relay = relays()
    other = "f" * 64
    root = RemoteRef(id="a" * 64, extra={"relay": "wss://r.example", "pubkey": PUBKEY})
    parent = RemoteRef(id="b" * 64, extra={"relay": "wss://p.example", "pubkey": other})
    provider.publish(channel(relay.url), post("third", reply_to=parent, root=root))
    assert relay.received[0]["tags"] == [
        ["e", "a" * 64, "wss://r.example", "root", PUBKEY],
        ["e", "b" * 64, "wss://p.example", "reply", other],
        ["p", other],
        ["p", PUBKEY],
    ]


def test_a_direct_reply_to_the_root_has_only_the_root_marker(provider, relays):
    relay = relays()
    root = RemoteRef(id="a" * 64, extra={"relay": relay.url})
    provider.publish(channel(relay.url), post("second", reply_to=root, root=root))
    assert relay.received[0]["tags"] == [
        ["e", "a" * 64, relay.url, "root", PUBKEY],
        ["p", PUBKEY],
    ]


def test_a_retry_resends_the_same_event_and_a_duplicate_counts_as_success(provider, relays):
    relay = relays()
    request = post()
    first = provider.publish(channel(relay.url), request)
    second = NostrProvider().publish(channel(relay.url), request)
    assert first.ref.id == second.ref.id
    assert [e["id"] for e in relay.received] == [first.ref.id, first.ref.id]
    assert len(relay.events) == 1


def test_the_quorum_counts_accepting_relays(provider, relays):
    ok, blocked = relays(), relays()
    blocked.mode, blocked.reject_with = "reject", "blocked: not on the allow list"
    result = provider.publish(channel(ok.url, blocked.url), post())
    assert result.ref.extra["relays"] == [ok.url]

    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(ok.url, blocked.url, quorum=2), post("another"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (
            "invalid: event creation date is too far off from the current time",
            ErrorKind.CONTENT_REJECTED,
        ),
        ("rate-limited: slow down there chief", ErrorKind.RATE_LIMITED),
        ("blocked: you are banned from posting here", ErrorKind.PERMISSION_DENIED),
        ("restricted: not allowed to write.", ErrorKind.PERMISSION_DENIED),
        ("duplicate: already have this event", None),
    ],
)
def test_ok_false_answers_are_classified(provider, relays, reason, kind):
    relay = relays()
    relay.mode, relay.reject_with = "reject", reason
    if kind is None:
        assert provider.publish(channel(relay.url), post()).ref.id
        return
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url), post())
    assert caught.value.kind == kind
    assert reason in caught.value.user_message


def test_a_tampered_event_is_refused_by_the_relay_as_invalid(provider, relays):
    relay = relays()
    request = post()
    provider.publish(channel(relay.url), request)
    request.progress["event"] = {**request.progress["event"], "content": "changed"}
    relay.events.clear()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url), request)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "Bad signature" in caught.value.user_message


def test_unreachable_relays_are_transient_before_send(provider):
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel("ws://127.0.0.1:9"), post())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


# -- unknown outcomes and reconciliation --------------------------------------------------
def test_no_ok_before_the_timeout_is_unknown_then_found_by_id(provider, relays):
    relay = relays()
    relay.mode = "silent"
    provider.timeout = (1, 0.5)
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    found = provider.find_existing(channel(relay.url), request)
    event_id = request.progress["event"]["id"]
    assert relay.requests[-1][2] == {"ids": [event_id]}
    assert found.id == event_id and found.extra["relays"] == [relay.url]
    assert len(relay.received) == 1  # reconciliation did not send it again


def test_a_connection_closed_before_the_ok_is_unknown(provider, relays):
    relay = relays()
    relay.mode = "close"
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    relay.mode = "ok"
    assert provider.find_existing(channel(relay.url), request).id == request.progress["event"]["id"]


def test_find_existing_is_none_when_no_relay_has_the_event(provider, relays):
    relay = relays()
    relay.mode = "reject"
    relay.reject_with = "error: database down"
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert provider.find_existing(channel(relay.url), request) is None


def test_find_existing_cannot_answer_when_every_relay_is_down(provider):
    request = post(progress={"event": {"id": "a" * 64}})
    with pytest.raises(ProviderError) as caught:
        provider.find_existing(channel("ws://127.0.0.1:9"), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_find_existing_before_any_attempt_is_none(provider, relays):
    assert provider.find_existing(channel(relays().url), post()) is None
