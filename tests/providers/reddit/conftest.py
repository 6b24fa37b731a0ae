from pathlib import Path

import pytest

from integrations.providers.reddit import RedditProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "REDDIT_CLIENT_ID": "reddit-client-id",
        "REDDIT_CLIENT_SECRET": "reddit-client-secret",
    }
    point(settings, httpserver, "reddit", auth="/a", token="/t", api="/o", media_upload="/s3")
    yield RedditProvider()
    httpserver.check_assertions()
