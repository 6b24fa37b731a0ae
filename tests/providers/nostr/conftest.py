import json
from pathlib import Path

import pytest

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
