"""Against a real Bluesky PDS (npm @atproto/pds) and PLC directory on 127.0.0.1.

Peer test: `make peers` installs the servers into .peers/bluesky; without them these tests
are skipped with the reason (and fail under POSTIZ_REQUIRE_PEERS, as in CI).
"""

import os
import secrets
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from integrations.providers.base import Channel, MediaItem, PublishRequest
from integrations.providers.bluesky import BlueskyProvider

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "tests" / "peers" / "bluesky"
INSTALL = ROOT / ".peers" / "bluesky"

pytestmark = pytest.mark.peer_bluesky

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pds(tmp_path_factory):
    """A fresh PDS + PLC for the run; yields the PDS URL, stops both at the end."""
    node = shutil.which("node")
    built = INSTALL / "node_modules" / "better-sqlite3" / "build" / "Release"
    if not node or not built.exists():
        reason = "the Bluesky PDS is not installed (run `make peers`)"
        if os.environ.get("POSTIZ_REQUIRE_PEERS"):
            pytest.fail(reason)
        pytest.skip(reason)
    data = tmp_path_factory.mktemp("pds")
    pds_port, plc_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "NODE_PATH": str(INSTALL / "node_modules"),
        "PLC_PORT": str(plc_port),
        "PDS_HOSTNAME": "localhost",
        "PDS_PORT": str(pds_port),
        "PDS_DEV_MODE": "true",
        "PDS_DATA_DIRECTORY": str(data),
        "PDS_BLOBSTORE_DISK_LOCATION": str(data / "blobs"),
        "PDS_DID_PLC_URL": f"http://127.0.0.1:{plc_port}",
        "PDS_INVITE_REQUIRED": "false",
        "PDS_SERVICE_HANDLE_DOMAINS": ".test",
        "PDS_JWT_SECRET": secrets.token_hex(16),
        "PDS_ADMIN_PASSWORD": secrets.token_hex(8),
        "PDS_DPOP_SECRET": secrets.token_hex(32),
        "PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX": secrets.token_hex(32),
        "PDS_CRAWLERS": "",
        "LOG_ENABLED": "false",
    }
    log = (data / "devnet.log").open("wb")
    process = subprocess.Popen(
        [node, "-r", str(LAUNCHER / "loopback.js"), str(LAUNCHER / "devnet.js")],
        cwd=INSTALL,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://localhost:{pds_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the PDS exited; see {data / 'devnet.log'}")
            try:
                if requests.get(f"{url}/xrpc/_health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the PDS did not start; see {data / 'devnet.log'}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def account(pds):
    """alice.test with an app password, made through the PDS's own API."""
    handle = f"alice{secrets.token_hex(3)}.test"
    created = requests.post(
        f"{pds}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "email": f"{handle}@example.com", "password": "main-password-1"},
        timeout=30,
    )
    assert created.ok, created.text
    session = created.json()
    app = requests.post(
        f"{pds}/xrpc/com.atproto.server.createAppPassword",
        json={"name": "postiz"},
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
        timeout=30,
    )
    assert app.ok, app.text
    return {"handle": handle, "did": session["did"], "app_password": app.json()["password"]}


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

    now = datetime.now(UTC)
    image = MediaItem("image/png", len(PNG), lambda: PNG, "dot.png", 1, 1, alt_text="A dot")
    root = provider.publish(
        channel,
        PublishRequest(
            post_id="peer-root",
            text="Hello from #postiz https://example.com",
            media=[image],
            scheduled_at=now,
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
            scheduled_at=now,
        ),
    )
    assert _record(pds, reply.ref.extra["uri"])["reply"]["parent"]["uri"] == root.ref.extra["uri"]


def test_a_retry_after_an_unclear_outcome_finds_the_post_instead_of_posting_twice(pds, account):
    provider, channel = _connect(pds, account)
    request = PublishRequest(post_id="peer-retry", text="only once", scheduled_at=datetime.now(UTC))
    first = provider.publish(channel, request)
    # As after a timeout: the record key was persisted, so the lookup finds the post.
    assert provider.find_existing(channel, request).extra["uri"] == first.ref.extra["uri"]


def test_a_real_pds_refreshes_the_session_with_rotation(pds, account):
    provider, channel = _connect(pds, account)
    renewed = provider.refresh(channel)
    assert renewed.credentials["refresh_jwt"] != channel.credentials["refresh_jwt"]
    channel.credentials.update(renewed.credentials)
    result = provider.publish(
        channel,
        PublishRequest(
            post_id="peer-after-refresh", text="after refresh", scheduled_at=datetime.now(UTC)
        ),
    )
    assert _record(pds, result.ref.extra["uri"])["text"] == "after refresh"


def test_a_wrong_app_password_is_refused_by_the_real_pds(pds, account):
    from integrations.providers.base import ErrorKind, ProviderError

    with pytest.raises(ProviderError) as caught:
        BlueskyProvider().authenticate(
            {"service": pds, "identifier": account["handle"], "app_password": "wrong-wrong-wrong"}
        )
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
