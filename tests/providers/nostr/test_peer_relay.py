"""Against the real nostr-relay (opt-in: marked peer_nostr, skipped when not installed)."""

from datetime import UTC, datetime

import pytest

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from integrations.providers.nostr import NostrProvider

from .test_connect import PUBKEY
from .test_publish import channel

pytestmark = pytest.mark.peer_nostr


@pytest.fixture
def provider():
    p = NostrProvider()
    p.timeout = (5, 10)
    return p


def note(text, **kwargs):
    return PublishRequest(post_id=text, text=text, **kwargs)


def test_a_real_relay_accepts_finds_and_deduplicates_our_note(provider, real_relay):
    request = note(f"postiz peer test {datetime.now(UTC).isoformat()}")
    result = provider.publish(channel(real_relay), request)
    assert result.ref.id == request.progress["event"]["id"]
    assert provider.find_existing(channel(real_relay), request).id == result.ref.id
    again = provider.publish(channel(real_relay), request)  # duplicate: counts as success
    assert again.ref.id == result.ref.id


def test_a_real_relay_accepts_nip10_reply_tags(provider, real_relay):
    root = provider.publish(channel(real_relay), note(f"root {datetime.now(UTC)}")).ref
    reply = note(f"reply {datetime.now(UTC)}", reply_to=root, root=root)
    provider.publish(channel(real_relay), reply)
    assert reply.progress["event"]["tags"][0][:4] == ["e", root.id, real_relay, "root"]
    assert ["p", PUBKEY] in reply.progress["event"]["tags"]


def test_a_real_relay_refuses_a_tampered_note_as_invalid(provider, real_relay):
    request = note(f"tamper {datetime.now(UTC)}")
    provider.publish(channel(real_relay), request)
    request.progress["event"] = {**request.progress["event"], "content": "changed"}
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(real_relay), request)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.network_code == "invalid"
