from pathlib import Path

import pytest

from integrations.providers.tiktok import MB, TikTokProvider
from tests.posts.e2e.fakes import FakeNetwork
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "TIKTOK_CLIENT_KEY": "aw-client-key-123",
        "TIKTOK_CLIENT_SECRET": "tiktok-client-secret-456",
    }
    point(settings, httpserver, "tiktok", auth="/auth", api="/api", upload="/up")
    instance = TikTokProvider()
    instance.poll_interval = 0
    instance.chunk_size = 5 * MB
    yield instance
    httpserver.check_assertions()


@pytest.fixture
def fake(httpserver):
    """The network as a routed fake (tests/posts/e2e/fakes.py): every call is kept."""
    return FakeNetwork(httpserver)
