"""Against a real Bluesky PDS (npm @atproto/pds) and PLC directory on 127.0.0.1.

Peer test: `make peers` installs the servers into .peers/bluesky; without them these tests
are skipped with the reason (and fail under POSTIZ_REQUIRE_PEERS, as in CI).
"""

import pytest
import requests

from integrations.providers.base import Channel, MediaItem, PublishRequest
from integrations.providers.bluesky import BlueskyProvider
from posts.models import new_item_key
from tests.factories import ChannelFactory
from tests.peers import servers

pytestmark = pytest.mark.peer_bluesky

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="session")
def account(pds):
    """alice.test with an app password, made through the PDS's own API."""
    return servers.bluesky_account(pds)


def _connect(pds, account):
    provider = BlueskyProvider()
    grant = provider.authenticate(
        {"service": pds, "identifier": account["handle"], "app_password": account["app_password"]}
    )
    (found,) = provider.accounts(grant)
    channel = Channel(
        external_id=found.external_id,
        credentials=dict(grant.credentials),
        username=found.username,
        meta=found.meta,
    )
    return provider, channel


def _record(pds, uri):
    _, _, repo, collection, rkey = uri.split("/")
    response = requests.get(
        f"{pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    assert response.ok, response.text
    return response.json()["value"]


def test_a_real_pds_accepts_our_login_post_image_and_reply(pds, account):
    provider, channel = _connect(pds, account)
    assert channel.external_id == account["did"]

    image = MediaItem("image/png", len(PNG), lambda: PNG, "dot.png", 1, 1, alt_text="A dot")
    root = provider.publish(
        channel,
        PublishRequest(
            post_id="peer-root",
            text="Hello from #postiz https://example.com",
            media=[image],
        ),
    )
    stored = _record(pds, root.ref.extra["uri"])
    assert stored["text"] == "Hello from #postiz https://example.com"
    assert stored["embed"]["images"][0]["alt"] == "A dot"
    assert {f["features"][0]["$type"] for f in stored["facets"]} == {
        "app.bsky.richtext.facet#tag",
        "app.bsky.richtext.facet#link",
    }

    reply = provider.publish(
        channel,
        PublishRequest(
            post_id="peer-reply",
            text="and a reply",
            reply_to=root.ref,
            root=root.ref,
        ),
    )
    assert _record(pds, reply.ref.extra["uri"])["reply"]["parent"]["uri"] == root.ref.extra["uri"]


def test_a_retry_after_an_unclear_outcome_finds_the_post_instead_of_posting_twice(pds, account):
    provider, channel = _connect(pds, account)
    key = str(new_item_key())
    request = PublishRequest(post_id="101", key=key, text="only once")
    first = provider.publish(channel, request)
    # As after a timeout or a crash: the record key comes from the item's key alone, so a
    # later look (from any worker, with nothing saved) finds the post.
    again = PublishRequest(post_id="101", key=key, text="only once")
    assert provider.find_existing(channel, again).extra["uri"] == first.ref.extra["uri"]


def test_a_second_send_under_the_same_key_is_refused_by_the_real_pds_and_adopted(pds, account):
    provider, channel = _connect(pds, account)
    key = str(new_item_key())
    first = provider.publish(channel, PublishRequest(post_id="102", key=key, text="just once"))
    second = provider.publish(channel, PublishRequest(post_id="102", key=key, text="just once"))
    assert second.raw == {"adopted": True}
    assert second.ref.extra["uri"] == first.ref.extra["uri"]
    texts = [record["value"]["text"] for record in servers.bluesky_posts(pds, account["did"])]
    assert texts.count("just once") == 1


def test_a_real_pds_refreshes_the_session_with_rotation(pds, account):
    provider, channel = _connect(pds, account)
    renewed = provider.refresh(channel)
    assert renewed.credentials["refresh_jwt"] != channel.credentials["refresh_jwt"]
    channel.credentials.update(renewed.credentials)
    result = provider.publish(
        channel,
        PublishRequest(post_id="peer-after-refresh", text="after refresh"),
    )
    assert _record(pds, result.ref.extra["uri"])["text"] == "after refresh"


def test_a_wrong_app_password_is_refused_by_the_real_pds(pds, account):
    from integrations.providers.base import ErrorKind, ProviderError

    with pytest.raises(ProviderError) as caught:
        BlueskyProvider().authenticate(
            {"service": pds, "identifier": account["handle"], "app_password": "wrong-wrong-wrong"}
        )
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


@pytest.mark.django_db
def test_a_revoked_app_password_is_found_by_check_connection_while_its_access_jwt_still_works(
    pds, org, owner, client_for, django_capture_on_commit_callbacks
):
    from integrations.models import Integration

    revoked = servers.bluesky_account(pds, name="revoked")
    _, channel = _connect(pds, revoked)
    integration = ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id=channel.external_id,
        name=revoked["handle"],
        username=channel.username,
        credentials=channel.credentials,
        meta=channel.meta,
    )
    # The account's owner revokes the app password, with their main password (an app
    # password's own session may not manage app passwords).
    main = requests.post(
        f"{pds}/xrpc/com.atproto.server.createSession",
        json={"identifier": revoked["handle"], "password": "main-password-1"},
        timeout=30,
    ).json()
    gone = requests.post(
        f"{pds}/xrpc/com.atproto.server.revokeAppPassword",
        json={"name": "postiz"},
        headers={"Authorization": f"Bearer {main['accessJwt']}"},
        timeout=30,
    )
    assert gone.ok, gone.text
    # The stored access JWT is still accepted: a read with it alone would say all is well.
    still = requests.get(
        f"{pds}/xrpc/com.atproto.server.getSession",
        headers={"Authorization": f"Bearer {channel.credentials['access_jwt']}"},
        timeout=30,
    )
    assert still.ok, still.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(
            f"/o/{org.slug}/channels/{integration.pk}/check/", follow=True
        )

    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_RECONNECT
    assert b"Bluesky refused the handle or app password" in response.content
