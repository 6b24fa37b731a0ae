import pytest

from integrations.providers.tiktok_business import TikTokBusinessProvider
from tests.posts.e2e.fakes import FakeNetwork
from tests.providers.conftest import point


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "TIKTOK_BUSINESS_APP_ID": "7312345678901234567",
        "TIKTOK_BUSINESS_APP_SECRET": "biz-app-secret-0f9e8d7c",
    }
    point(settings, httpserver, "tiktok-business", auth="/auth", api="/api")
    instance = TikTokBusinessProvider()
    instance.poll_interval = 0
    yield instance
    httpserver.check_assertions()


@pytest.fixture
def fake(httpserver):
    """The network as a routed fake (tests/posts/e2e/fakes.py): every call is kept."""
    return FakeNetwork(httpserver)
