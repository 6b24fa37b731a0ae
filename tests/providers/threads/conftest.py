from pathlib import Path

import pytest

from integrations.providers.threads import ThreadsProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "THREADS_APP_ID": "threads-app-id",
        "THREADS_APP_SECRET": "threads-app-secret",
    }
    point(settings, httpserver, "threads", auth="/a", api="/g")
    instance = ThreadsProvider()
    instance.poll_interval = 0
    yield instance
    httpserver.check_assertions()
