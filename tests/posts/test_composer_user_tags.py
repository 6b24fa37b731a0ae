"""Instagram's people tags written in the composer: one line per person, checked live."""

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_the_composer_offers_the_tags_field_and_names_a_bad_line(org, editor, client_for):
    channel = ChannelFactory(organization=org, provider="instagram")
    client = client_for(editor)
    page = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    assert f'name="s{channel.pk}-user_tags"' in page.content.decode()
    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Bread",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-user_tags": "@alice 0.5 0.3\n@bob 540 200",
        },
    )
    html = answer.content.decode()
    assert "Tag 2 (@bob): x and y say where on the photo, from 0 to 1" in html
    # No photo chosen yet: the tag has nothing to sit on, and the checks say so.
    assert "@alice is tagged on photo 1, and the post has 0 files." in html
