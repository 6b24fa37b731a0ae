import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from websockets.exceptions import InvalidHandshake
from websockets.sync.client import connect

from .relay import Relay

HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "peer_nostr: needs the real nostr-relay package (PyPI) installed"
    )


@pytest.fixture
def relays():
    """Start fake relays on demand: relays() or relays(nip11={...})."""
    started: list[Relay] = []

    def start(**kwargs) -> Relay:
        relay = Relay(**kwargs)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


def load(name: str) -> dict:
    return json.loads((HERE / "fixtures" / f"{name}.json").read_text())


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
  loglevel: warning
  reload: false
authentication:
  enabled: false
message_timeout: 60
subscription_limit: 32
max_limit: 100
"""


@pytest.fixture(scope="session")
def real_relay(tmp_path_factory):
    """The real PyPI nostr-relay on 127.0.0.1 for the whole run; skipped when absent.

    NOSTR_RELAY_BIN may name the executable (it can live in its own virtualenv)."""
    local = Path(__file__).resolve().parents[3] / ".peers" / "nostr" / "bin" / "nostr-relay"
    binary = (
        os.environ.get("NOSTR_RELAY_BIN")
        or (str(local) if local.exists() else None)
        or shutil.which("nostr-relay")
    )
    if not binary:
        reason = "nostr-relay is not installed (run `make peers`, or set NOSTR_RELAY_BIN)"
        if os.environ.get("POSTIZ_REQUIRE_PEERS"):
            pytest.fail(reason)  # CI provides every peer: a missing one is an error
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("nostr-relay")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
