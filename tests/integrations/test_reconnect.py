"""Reconnecting with a credential form keeps what is not secret: the form shows the stored
server, handle, relays or chat, never a stored secret, and a secret left empty is the
stored one (only while the server it is sent to stays the same)."""

from html import escape

import pytest
from coincurve import PrivateKey

from integrations.models import Integration
from tests.factories import ChannelFactory, OrganizationFactory

from .conftest import reply

pytestmark = pytest.mark.django_db

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
NSEC_HEX = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
HOOK = "https://discord.com/api/webhooks/223704706495545344/3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4358d65cf11"
GHOST_KEY = "6740b1c29c2b3e0001f49b77:" + "5d1f0c9e" * 8


def reconnect_url(channel) -> str:
    return f"/o/acme/channels/connect/{channel.provider}/?channel={channel.pk}"


def value_of(content: str, name: str) -> str | None:
    """The value an <input name=…> or <textarea name=…> is rendered with (None: empty)."""
    import re

    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', content)
    if match:
        found = re.search(r'value="([^"]*)"', match.group(0))
        return found.group(1) if found else None
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', content, re.S)
    return match.group(1) if match and match.group(1) else None


@pytest.fixture
def bluesky_channel(org, httpserver):
    service = httpserver.url_for("/").rstrip("/")
    pds = service + "/pds"
    return ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id=DID,
        name="Alice",
        username="alice.example.com",
        status=Integration.Status.NEEDS_RECONNECT,
        credentials={
            "access_jwt": "eyJhY2Nlc3M.eyJvbGQ.c2ln",
            "refresh_jwt": "eyJyZWZyZXNo.eyJvbGQ.c2ln",
            "identifier": "alice.example.com",
            "app_password": APP_PASSWORD,
        },
        meta={"did": DID, "handle": "alice.example.com", "pds": pds, "service": service},
    )


def test_reconnecting_bluesky_shows_the_stored_server_and_handle_but_never_the_app_password(
    owner, client_for, bluesky_channel
):
    page = client_for(owner).get(reconnect_url(bluesky_channel)).content.decode()
    assert value_of(page, "service") == bluesky_channel.meta["service"]
    assert value_of(page, "identifier") == "alice.example.com"
    assert value_of(page, "app_password") is None
    assert APP_PASSWORD not in page
    assert "Leave empty to keep the stored app password" in page
    assert "used only while the service URL stays the same" in page
    assert "Reconnect Alice" in page


def test_a_new_bluesky_connection_still_offers_the_default_service(owner, client_for):
    page = client_for(owner).get("/o/acme/channels/connect/bluesky/").content.decode()
    assert value_of(page, "service") == "https://bsky.social"
    assert value_of(page, "identifier") is None
    assert "Leave empty to keep" not in page


def test_reconnecting_bluesky_with_the_app_password_left_empty_signs_in_with_the_stored_one(
    httpserver, owner, client_for, bluesky_channel
):
    pds = bluesky_channel.meta["pds"]
    logins = []

    def login(request):
        logins.append(request.get_json())
        return reply("bluesky", "create_session", pds=pds)

    httpserver.expect_request(
        "/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(login)
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_response(
        reply("bluesky", "get_profile")
    )

    response = client_for(owner).post(
        reconnect_url(bluesky_channel),
        {"service": bluesky_channel.meta["service"], "identifier": "alice.example.com"},
    )

    assert response.status_code == 302, response.content[:800]
    assert logins == [{"identifier": "alice.example.com", "password": APP_PASSWORD}]
    bluesky_channel.refresh_from_db()
    assert bluesky_channel.status == Integration.Status.ACTIVE
    assert bluesky_channel.credentials["app_password"] == APP_PASSWORD
    assert Integration.objects.count() == 1


def test_a_stored_app_password_is_never_sent_to_another_server(
    httpserver, owner, client_for, bluesky_channel
):
    elsewhere = httpserver.url_for("/elsewhere").rstrip("/")
    response = client_for(owner).post(
        reconnect_url(bluesky_channel),
        {"service": elsewhere, "identifier": "alice.example.com", "app_password": ""},
    )
    assert response.status_code == 400
    assert "Enter the app password again: the service URL changed" in response.content.decode()
    assert len(httpserver.log) == 0
    assert APP_PASSWORD.encode() not in response.content


def test_a_reconnect_link_naming_another_networks_or_organizations_channel_prefills_nothing(
    owner, client_for, bluesky_channel, make_channel
):
    theirs = ChannelFactory(
        organization=OrganizationFactory(),
        provider="bluesky",
        external_id="did:plc:theirs",
        name="Theirs",
        credentials={"identifier": "theirs.example.com", "app_password": "zzzz-zzzz-zzzz-zzzz"},
        meta={"service": "https://pds.theirs.example"},
    )
    other_network = make_channel(provider="x", external_id="77")
    client = client_for(owner)
    for channel in (theirs, other_network):
        page = client.get(f"/o/acme/channels/connect/bluesky/?channel={channel.pk}")
        content = page.content.decode()
        assert page.status_code == 200
        assert value_of(content, "service") == "https://bsky.social"
        assert value_of(content, "identifier") is None
        assert "theirs" not in content and "Leave empty to keep" not in content


@pytest.mark.parametrize(
    ("provider", "credentials", "meta", "username", "shown", "secret"),
    [
        (
            "lemmy",
            {"jwt": "j", "username_or_email": "alice", "password": "lemmy-secret-pw"},
            {"instance": "https://lemmy.example"},
            "alice",
            {"instance": "https://lemmy.example", "username_or_email": "alice"},
            ("password", "lemmy-secret-pw"),
        ),
        (
            "nostr",
            {"private_key": NSEC_HEX},
            {
                "relays": ["wss://relay.one.example", "wss://relay.two.example"],
                "media_server": "https://files.example",
            },
            "npub1x",
            {
                "relays": "wss://relay.one.example\nwss://relay.two.example",
                "media_server": "https://files.example",
            },
            ("private_key", NSEC_HEX),
        ),
        (
            "telegram",
            {"bot_token": TELEGRAM_TOKEN},
            {"chat_id": "-1001234567890", "chat_type": "channel"},
            "@postiz_news",
            {"chat": "@postiz_news"},
            ("bot_token", TELEGRAM_TOKEN),
        ),
        ("discord", {"webhook_url": HOOK}, {"channel_id": "1"}, "", {}, ("webhook_url", HOOK)),
        (
            "ghost",
            {"admin_api_key": GHOST_KEY},
            {"url": "https://blog.acme.example"},
            "blog.acme.example",
            {"url": "https://blog.acme.example"},
            ("admin_api_key", GHOST_KEY),
        ),
        (
            "listmonk",
            {"api_user": "postiz", "api_token": "listmonk-secret-token"},
            {"url": "https://lists.acme.example"},
            "postiz@lists.acme.example",
            {"url": "https://lists.acme.example", "api_user": "postiz"},
            ("api_token", "listmonk-secret-token"),
        ),
    ],
)
def test_every_credential_form_keeps_what_is_not_secret_when_reconnecting(
    org, owner, client_for, provider, credentials, meta, username, shown, secret
):
    channel = ChannelFactory(
        organization=org,
        provider=provider,
        external_id="acct-1",
        name="Ours",
        username=username,
        credentials=credentials,
        meta=meta,
    )
    page = client_for(owner).get(reconnect_url(channel)).content.decode()
    for name, value in shown.items():
        assert value_of(page, name) == escape(value), name
    name, value = secret
    assert value_of(page, name) is None
    assert value not in page
    assert "Leave empty to keep the stored" in page


def test_a_nostr_private_key_left_empty_is_kept_even_with_new_relays(org, owner, client_for):
    from tests.providers.nostr.relay import Relay

    relay = Relay()
    try:
        channel = ChannelFactory(
            organization=org,
            provider="nostr",
            external_id=PrivateKey(bytes.fromhex(NSEC_HEX)).public_key_xonly.format().hex(),
            name="Ours",
            credentials={"private_key": NSEC_HEX},
            meta={"relays": ["wss://relay.old.example"]},
        )
        response = client_for(owner).post(
            reconnect_url(channel), {"private_key": "", "relays": relay.url, "media_server": ""}
        )
    finally:
        relay.stop()
    # The key never leaves this server, so new relays do not ask for it again.
    assert response.status_code == 302, response.content[:800]
    channel.refresh_from_db()
    assert channel.meta["relays"] == [relay.url]
    assert channel.credentials["private_key"] == NSEC_HEX
    assert Integration.objects.count() == 1


def test_reconnecting_mastodon_starts_from_the_channels_server(org, owner, client_for):
    channel = ChannelFactory(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Ours",
        credentials={"access_token": "masto-token"},
        meta={"instance": "https://mastodon.example"},
    )
    page = client_for(owner).get(reconnect_url(channel)).content.decode()
    assert value_of(page, "instance_url") == "https://mastodon.example"
    assert "masto-token" not in page
