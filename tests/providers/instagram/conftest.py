from pathlib import Path

import pytest

from integrations.providers.instagram import InstagramProvider, InstagramStandaloneProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    """Instagram through Facebook Login (graph.facebook.com)."""
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "FACEBOOK_APP_ID": "fb-app-id",
        "FACEBOOK_APP_SECRET": "fb-app-secret",
    }
    point(settings, httpserver, "instagram", auth="/a", api="/g")
    instance = InstagramProvider()
    instance.poll_interval = 0
    yield instance
    httpserver.check_assertions()


@pytest.fixture
def standalone(settings, httpserver):
    """Instagram through Instagram Login (graph.instagram.com)."""
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "INSTAGRAM_APP_ID": "ig-app-id",
        "INSTAGRAM_APP_SECRET": "ig-app-secret",
    }
    point(settings, httpserver, "instagram-standalone", auth="/ia", token="/it", api="/ig")
    instance = InstagramStandaloneProvider()
    instance.poll_interval = 0
    yield instance
    httpserver.check_assertions()
