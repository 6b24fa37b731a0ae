"""The Channels page names each network with its logo; a network this instance has not
configured tells members to ask an administrator, and administrators which settings to set,
with a link to the README's explanation of that network."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from integrations.models import Customer
from integrations.providers import provider_classes
from integrations.templatetags.networks import LOGOS

pytestmark = pytest.mark.django_db

SETTING_NAMES = re.compile(rb"[A-Z]+_(CLIENT_ID|CLIENT_SECRET|APP_ID|APP_SECRET|BOT_TOKEN)")


@pytest.fixture
def administrator(owner):
    """The organization's owner, who is also the instance's administrator (staff)."""
    owner.is_staff = True
    owner.save()
    return owner


def test_each_network_shows_its_logo_served_from_this_site(org, owner, client_for):
    page = client_for(owner).get("/o/acme/channels/").content.decode()
    shown = set(re.findall(r'src="/static/img/networks/([a-z]+)\.svg"', page))
    assert shown == set(LOGOS)
    static = Path(django_settings.BASE_DIR) / "static" / "img" / "networks"
    for family in LOGOS:
        svg = (static / f"{family}.svg").read_text()
        assert svg.startswith("<svg ") and "<script" not in svg
    assert "CC0" in (static / "README").read_text()
    # Networks Simple Icons has no icon for show their initial instead.
    families = {identifier.split("-", 1)[0] for identifier in provider_classes()}
    assert page.count("network-logo-none") >= len(families - LOGOS)


def test_a_channel_row_shows_its_networks_logo(org, owner, client_for, make_channel):
    make_channel(provider="bluesky", external_id="did:plc:abc", name="Our Bluesky")
    page = client_for(owner).get("/o/acme/channels/").content.decode()
    row = re.search(r'<li class="channel-row.*?</li>', page, re.S).group(0)
    assert "Our Bluesky" in row and 'src="/static/img/networks/bluesky.svg"' in row


def test_members_who_cannot_configure_networks_are_asked_to_see_an_administrator(
    org, owner, client_for
):
    client = client_for(owner)
    page = client.get("/o/acme/channels/")
    assert b"Ask an administrator to enable this network." in page.content
    assert not SETTING_NAMES.search(page.content)
    assert b"/integrations/setup/" not in page.content

    start = client.post("/o/acme/channels/connect/x/", follow=True)
    assert b"Ask an administrator to enable this network." in start.content
    assert not SETTING_NAMES.search(start.content)


def test_administrators_see_the_settings_and_a_link_to_the_readme_section(
    org, administrator, client_for
):
    client = client_for(administrator)
    page = client.get("/o/acme/channels/").content.decode()
    assert "Not configured — set X_CLIENT_ID." in page
    assert 'href="/integrations/setup/#network-x"' in page
    assert "Ask an administrator" not in page

    setup = client.get("/integrations/setup/")
    content = setup.content.decode()
    assert setup.status_code == 200
    # The README's own row for X, anchored, with its text rendered (code spans escaped).
    row = re.search(r'<tr id="network-x">(.*?)</tr>', content, re.S).group(1)
    assert "<code>tweet.read tweet.write users.read offline.access media.write</code>" in row
    assert "<code>X_CLIENT_ID</code>" in row
    assert 'id="network-linkedin-page"' in content and 'id="network-discord-bot"' in content
    assert "&amp;lt;" not in content  # escaped once, not twice
    assert f"{django_settings.SITE_URL}/integrations/x/callback/" in content


def test_the_setup_page_is_for_the_instances_administrators_only(org, owner, client_for):
    assert client_for(owner).get("/integrations/setup/").status_code == 404
    assert Client().get("/integrations/setup/").status_code == 302  # sign in first


def test_the_setup_page_explains_the_article_networks_and_why_medium_is_limited(
    org, administrator, client_for
):
    content = client_for(administrator).get("/integrations/setup/").content.decode()
    for identifier in ("devto", "hashnode", "medium"):
        assert f'id="network-{identifier}"' in content
    row = re.search(r'<tr id="network-medium">(.*?)</tr>', content, re.S).group(1)
    assert "issues no new integration tokens" in row


def test_a_french_speaking_administrator_reads_the_channel_pages_in_french(
    org, administrator, client_for, make_channel
):
    administrator.language = "fr"
    administrator.save()
    Customer.objects.create(organization=org, name="Boulangerie")
    channel = make_channel(name="Notre X")
    client = client_for(administrator)

    page = client.get("/o/acme/channels/").content.decode()
    assert "Ajouter un canal" in page and "Add channel" not in page
    assert "Gérer le client" in page and "Manage customer" not in page
    assert "Non configuré — définissez X_CLIENT_ID." in page
    assert "Notre X" in page  # names stay as their owners wrote them

    setup = client.get("/integrations/setup/").content.decode()
    assert "Configurer les réseaux" in setup and "Callback address" not in setup
    assert "Définissez <code>" in setup

    delete = client.get(f"/o/acme/channels/{channel.pk}/delete/").content.decode()
    assert "Supprimer Notre X ?" in delete
    assert "Aucune publication programmée ne sera annulée." in delete
