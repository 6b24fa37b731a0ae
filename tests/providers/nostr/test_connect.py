"""Connecting a key and relays: reachability, NIP-11 limits, the kind-0 profile."""

import pytest
from coincurve import PrivateKey

from integrations.providers.base import ErrorKind, Grant, ProviderError
from integrations.providers.nostr import NostrProvider, npub, sign_event

from .conftest import load
from .test_keys import NPUB, NPUB_HEX, NSEC, NSEC_HEX

# NIP-19's example nsec and npub are not one key pair; this is the nsec's own public key.
PUBKEY = PrivateKey(bytes.fromhex(NSEC_HEX)).public_key_xonly.format().hex()


@pytest.fixture
def provider():
    p = NostrProvider()
    p.timeout = (2, 2)
    return p


def test_connect_derives_the_public_key_and_keeps_the_relays(provider, relays, captured_logs):
    first, second = relays(), relays()
    grant = provider.authenticate({"private_key": NSEC, "relays": f"{first.url}\n{second.url}"})
    assert grant.credentials == {"private_key": NSEC_HEX}
    assert grant.meta == {"pubkey": PUBKEY, "relays": [first.url, second.url]}
    logged = "\n".join(r.getMessage() for r in captured_logs.records)
    assert NSEC not in logged and NSEC_HEX not in logged


def test_connect_records_the_smallest_nip11_content_limit(provider, relays):
    document = load("nip11")["body"]
    small = dict(document, limitation={**document["limitation"], "max_content_length": 2000})
    a, b, c = relays(nip11=document), relays(nip11=small), relays()
    grant = provider.authenticate({"private_key": NSEC_HEX, "relays": f"{a.url}\n{b.url}\n{c.url}"})
    assert grant.meta["max_content_length"] == 2000


def test_one_reachable_relay_is_enough(provider, relays):
    up = relays()
    grant = provider.authenticate({"private_key": NSEC, "relays": f"ws://127.0.0.1:9\n{up.url}"})
    assert grant.meta["relays"] == ["ws://127.0.0.1:9", up.url]


def test_no_reachable_relay_fails_the_connection(provider):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"private_key": NSEC, "relays": "ws://127.0.0.1:9"})
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert caught.value.field == "relays"


def test_a_bad_key_or_relay_list_fails_with_a_message_for_that_field(provider, relays):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"private_key": NPUB, "relays": relays().url})
    assert caught.value.field == "private_key"
    assert "nsec1" in caught.value.user_message
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"private_key": NSEC, "relays": "https://relay.example"})
    assert caught.value.field == "relays"
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"private_key": NSEC, "relays": "\n \n"})
    assert caught.value.field == "relays"


def test_accounts_read_the_newest_kind0_profile(provider, relays):
    relay = relays()
    secret = bytes.fromhex(NSEC_HEX)
    old = sign_event(secret, kind=0, content='{"name":"old"}', tags=[], created_at=1700000000)
    new = sign_event(
        secret,
        kind=0,
        content='{"name":"alice","display_name":"Alice","picture":"https://img.example/a.png"}',
        tags=[],
        created_at=1800000000,
    )
    relay.events = {old["id"]: old, new["id"]: new}
    grant = Grant(
        credentials={"private_key": NSEC_HEX}, meta={"pubkey": PUBKEY, "relays": [relay.url]}
    )

    [account] = provider.accounts(grant)

    assert relay.requests[0][2] == {"kinds": [0], "authors": [PUBKEY], "limit": 1}
    assert account.external_id == PUBKEY
    assert account.username == npub(PUBKEY)
    assert account.name == "Alice"
    assert account.avatar_url == "https://img.example/a.png"
    assert account.profile_url == f"https://njump.me/{npub(PUBKEY)}"


def test_without_a_profile_the_name_is_a_short_npub(provider, relays):
    relay = relays()
    grant = Grant(credentials={}, meta={"pubkey": NPUB_HEX, "relays": [relay.url]})
    [account] = provider.accounts(grant)
    assert account.name.startswith("npub1") and "…" in account.name
    assert account.avatar_url == ""


def test_nostr_keys_never_need_refreshing(provider):
    from integrations.providers.base import Channel

    channel = Channel(external_id=PUBKEY, credentials={"private_key": NSEC_HEX}, meta={})
    assert provider.refresh(channel).credentials == {"private_key": NSEC_HEX}
    assert provider.refresh_ahead == 0


# -- Relays are addresses people give: the socket goes where the guard looked ------------------
PUBLIC_ADDRESS = "93.184.215.14"


def test_a_relay_is_reached_at_the_address_that_was_vetted(provider, relays, settings, monkeypatch):
    from tests.internet import FakeInternet

    settings.POSTIZ_ALLOW_PRIVATE_URLS = False  # as in production
    internet = FakeInternet(monkeypatch)
    relay = relays()
    port = int(relay.url.rsplit(":", 1)[1])
    # The name answers public to the check, then this machine: the second answer is never used.
    internet.name("relay.rebind.example", PUBLIC_ADDRESS, "127.0.0.1")
    internet.route(PUBLIC_ADDRESS, port, port)

    assert provider._ping(f"ws://relay.rebind.example:{port}") is True
    assert internet.lookups == ["relay.rebind.example"]
    assert internet.dials == [(PUBLIC_ADDRESS, port)]


def test_a_relay_on_this_machine_is_refused_before_any_connection(provider, settings, monkeypatch):
    from tests.internet import FakeInternet

    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    internet = FakeInternet(monkeypatch)
    internet.name("relay.local.example", "127.0.0.1")
    with pytest.raises(ProviderError) as caught:
        provider._ping("ws://relay.local.example:7447")
    assert caught.value.network_code == "unsafe_url"
    assert internet.dials == []
