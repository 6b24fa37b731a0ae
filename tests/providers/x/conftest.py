from pathlib import Path

import pytest

from integrations.providers.x import XProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    instance = XProvider()
    instance.poll_interval = 0
    yield instance
    httpserver.check_assertions()
