"""The composer checks an article for dev.to, Hashnode and Medium as the person types, with
each network's own rules and words."""

from html import unescape

import pytest
from django.urls import reverse

from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db


def checks(client, org, chosen, **settings):
    data = {"timezone": "Europe/Paris", "item-0-text": "Hello", "channels": [str(chosen.pk)]}
    data.update({f"s{chosen.pk}-{name}": value for name, value in settings.items()})
    response = client.post(
        reverse("posts:composer_validate", args=[org.slug]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content[:500]
    return unescape(response.content.decode())


def test_dev_to_asks_for_a_title_and_at_most_four_tags(org, editor, client_for):
    devto = channel(org, "devto", credentials={"api_key": "k"})
    page = checks(client_for(editor), org, devto, tags="a\nb\nc\nd\ne")
    assert "Choose Title." in page
    assert "dev.to allows 4 tags; this has 5." in page

    page = checks(client_for(editor), org, devto, title="Launch day", tags="python")
    assert 'data-has-errors="false"' in page


def test_hashnode_asks_for_a_publication_and_a_six_character_title(org, editor, client_for):
    hashnode = channel(org, "hashnode", credentials={"token": "t"})
    page = checks(client_for(editor), org, hashnode, title="Hi")
    assert "Hashnode titles need at least 6 characters." in page
    assert 'data-has-errors="true"' in page


def test_medium_says_it_uses_only_three_tags(org, editor, client_for):
    medium = channel(org, "medium", credentials={"token": "t"})
    page = checks(client_for(editor), org, medium, title="Launch", tags="a\nb\nc\nd")
    assert "Medium uses only the first 3 tags; this has 4." in page
