import json
from pathlib import Path

import pytest

from tests.peers import servers

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


@pytest.fixture(scope="session")
def real_relay(tmp_path_factory):
    """The real PyPI nostr-relay on 127.0.0.1 for the whole run; skipped when absent."""
    with servers.nostr_relay(tmp_path_factory.mktemp("nostr-relay")) as url:
        yield url
