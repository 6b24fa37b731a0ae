from pathlib import Path

import pytest

from integrations.providers.facebook import FacebookProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "FACEBOOK_APP_ID": "fb-app-id",
        "FACEBOOK_APP_SECRET": "fb-app-secret",
    }
    point(settings, httpserver, "facebook", auth="/a", api="/g", video="/v")
    instance = FacebookProvider()
    yield instance
    httpserver.check_assertions()
