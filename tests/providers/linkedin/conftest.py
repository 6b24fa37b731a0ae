from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.linkedin import LinkedInPageProvider, LinkedInProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent
TOKEN = "li-secret-access-token-987"


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "LINKEDIN_CLIENT_ID": "li-client-id",
        "LINKEDIN_CLIENT_SECRET": "li-client-secret",
    }
    for identifier in ("linkedin", "linkedin-page"):
        point(settings, httpserver, identifier, auth="/a", token="/t", api="/b")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield LinkedInProvider()
    httpserver.check_assertions()


@pytest.fixture
def page_provider(settings, httpserver):
    configure(settings, httpserver)
    yield LinkedInPageProvider()
    httpserver.check_assertions()


@pytest.fixture
def member():
    return Channel("782bbtaQ", {"access_token": TOKEN}, meta={"urn": "urn:li:person:782bbtaQ"})


@pytest.fixture
def page():
    return Channel("2414183", {"access_token": TOKEN}, meta={"urn": "urn:li:organization:2414183"})
