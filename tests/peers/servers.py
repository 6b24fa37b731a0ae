"""The real servers the peer tests talk to, started on 127.0.0.1 for a test run.

``make peers`` installs them: a Bluesky PDS with an in-memory PLC directory (npm
@atproto/pds, launched by bluesky/devnet.js) and the PyPI nostr-relay. A test that needs
one and finds it missing is skipped with the reason, or fails under POSTIZ_REQUIRE_PEERS
(as in CI, where every peer is installed and must run).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from websockets.exceptions import InvalidHandshake
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tests" / "peers" / "bluesky"
BLUESKY_INSTALL = ROOT / ".peers" / "bluesky"
RELAY_INSTALL = ROOT / ".peers" / "nostr" / "bin" / "nostr-relay"

RELAY_CONFIG = """\
DEBUG: false
relay_name: postiz test relay
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{db}
  num_concurrent_reqs: 2
  num_concurrent_adds: 1
  validators:
    - nostr_relay.validators.is_not_too_large
    - nostr_relay.validators.is_signed
    - nostr_relay.validators.is_recent
verification:
  nip05_verification: disabled
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  reload: false
authentication:
  enabled: false
message_timeout: 60
subscription_limit: 32
max_limit: 500
"""


def missing(reason: str) -> None:
    """Skip, or fail where every peer must run (CI)."""
    if os.environ.get("POSTIZ_REQUIRE_PEERS"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen, wait: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def bluesky_pds(data: Path) -> Iterator[str]:
    """A fresh PDS and PLC directory keeping their data in ``data``; yields the PDS URL."""
    node = shutil.which("node")
    built = BLUESKY_INSTALL / "node_modules" / "better-sqlite3" / "build" / "Release"
    if not node or not built.exists():
        missing("the Bluesky PDS is not installed (run `make peers`)")
    pds_port, plc_port = free_port(), free_port()
    env = {
        **os.environ,
        "NODE_PATH": str(BLUESKY_INSTALL / "node_modules"),
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
        cwd=BLUESKY_INSTALL,
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
        _stop(process, 15)
        log.close()


def bluesky_account(pds: str, name: str = "alice") -> dict:
    """A new account with an app password, made through the PDS's own API."""
    handle = f"{name}{secrets.token_hex(3)}.test"
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


def bluesky_posts(pds: str, did: str) -> list[dict]:
    """Every post record in the account's repository (what its readers would see)."""
    records, cursor = [], None
    while True:
        params = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(
            f"{pds}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30
        ).json()
        records += page.get("records", [])
        cursor = page.get("cursor")
        if not cursor or not page.get("records"):
            return records


@contextlib.contextmanager
def nostr_relay(home: Path) -> Iterator[str]:
    """The real nostr-relay keeping its database in ``home``; yields its ws:// URL.

    NOSTR_RELAY_BIN may name the executable (it can live in its own virtualenv)."""
    binary = (
        os.environ.get("NOSTR_RELAY_BIN")
        or (str(RELAY_INSTALL) if RELAY_INSTALL.exists() else None)
        or shutil.which("nostr-relay")
    )
    if not binary:
        missing("nostr-relay is not installed (run `make peers`, or set NOSTR_RELAY_BIN)")
    port = free_port()
    config = home / "relay.yaml"
    config.write_text(RELAY_CONFIG.format(db=home / "relay.sqlite3", port=port))
    log = (home / "relay.log").open("wb")
    # HOME: gunicorn puts a control socket there.
    env = {**os.environ, "HOME": str(home)}
    process = subprocess.Popen(
        [binary, "-c", str(config), "serve"], cwd=home, env=env, stdout=log, stderr=log
    )
    url = f"ws://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"nostr-relay exited; see {home / 'relay.log'}")
            try:
                with connect(url, open_timeout=1, proxy=None):
                    break
            except (OSError, TimeoutError, InvalidHandshake):
                if time.monotonic() > deadline:
                    pytest.fail(f"nostr-relay did not start; see {home / 'relay.log'}")
                time.sleep(0.2)
        yield url
    finally:
        _stop(process, 10)
        log.close()


def bluesky_record(pds: str, uri: str) -> dict:
    """One record's value, by its at:// URI."""
    _, _, repo, collection, rkey = uri.split("/")
    response = requests.get(
        f"{pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    assert response.ok, response.text
    return response.json()["value"]
