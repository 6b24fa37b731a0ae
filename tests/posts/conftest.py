import pytest

from tests.factories import ChannelFactory
from tests.posts.helpers import BOT, TOKEN
from tests.providers.conftest import httpserver_listen_address, point  # noqa: F401


@pytest.fixture
def mastodon(org, httpserver):
    origin = httpserver.url_for("").rstrip("/")
    return ChannelFactory(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        credentials={"access_token": TOKEN},
        meta={"instance": origin, "account_id": "109"},
    )


@pytest.fixture
def telegram(org, settings, httpserver):
    point(settings, httpserver, "telegram", api="/tg")
    return ChannelFactory(
        organization=org,
        provider="telegram",
        external_id="-1001",
        name="Acme news",
        username="@acmenews",
        credentials={"bot_token": BOT},
        meta={"chat_id": "-1001", "chat_type": "channel"},
    )
