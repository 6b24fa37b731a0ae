import pytest
from django.test import Client

from organizations.permissions import Role
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """One fake-network server for the whole run, on 127.0.0.1 (not "localhost") whichever
    folder starts it first: some networks build identifiers from the host (did:web)."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _networks_are_faked_on_this_machine(settings):
    """Fake networks listen on 127.0.0.1, which the SSRF guard refuses in production."""
    settings.POSTIZ_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


def _member(org, role):
    return MembershipFactory(organization=org, role=role).user


@pytest.fixture
def owner(org):
    return _member(org, Role.OWNER)


@pytest.fixture
def admin(org):
    return _member(org, Role.ADMIN)


@pytest.fixture
def editor(org):
    return _member(org, Role.EDITOR)


@pytest.fixture
def viewer(org):
    return _member(org, Role.VIEWER)


@pytest.fixture
def member(editor):
    """A member with an everyday role."""
    return editor


@pytest.fixture
def outsider(db):
    """Someone with an organization of their own, but not in ``org``."""
    return MembershipFactory(role=Role.OWNER).user


@pytest.fixture
def client_for():
    """A logged-in test client for a user: ``client_for(owner).get(...)``."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# -- Real servers for the peer tests (tests/peers/servers.py), started once when asked for --
@pytest.fixture(scope="session")
def pds(tmp_path_factory):
    """A real Bluesky PDS and PLC directory for the run; yields the PDS URL."""
    from tests.peers import servers

    with servers.bluesky_pds(tmp_path_factory.mktemp("pds")) as url:
        yield url


@pytest.fixture(scope="session")
def real_relay(tmp_path_factory):
    """The real PyPI nostr-relay on 127.0.0.1 for the run; yields its ws:// URL."""
    from tests.peers import servers

    with servers.nostr_relay(tmp_path_factory.mktemp("nostr-relay")) as url:
        yield url
