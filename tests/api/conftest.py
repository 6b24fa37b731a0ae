import pytest
from django.test import Client

from integrations.models import Customer, Integration
from tests.api.helpers import make_key
from tests.factories import OrganizationFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a fresh folder per test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def key(org, owner):
    """A full-access key of ``org`` (ApiKey, raw secret)."""
    return make_key(org, actor=owner)


@pytest.fixture
def api(key):
    """A client sending ``org``'s full-access key on every request."""
    return Client(HTTP_AUTHORIZATION=key[1])


@pytest.fixture
def customer(org):
    return Customer.objects.create(organization=org, name="Big client")


@pytest.fixture
def channel(org, customer):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        username="@acme@social.example",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "109"},
        customer=customer,
        posting_times=["09:00", "17:00"],
        timezone="Europe/Paris",
    )


@pytest.fixture
def x_channel(org):
    return Integration.objects.create(
        organization=org,
        provider="x",
        external_id="42",
        name="Acme on X",
        username="acme",
        credentials={"access_token": "t"},
    )


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Other", slug="other")


@pytest.fixture
def other_channel(other_org):
    return Integration.objects.create(
        organization=other_org,
        provider="mastodon",
        external_id="7",
        name="Other on Mastodon",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "7"},
    )
