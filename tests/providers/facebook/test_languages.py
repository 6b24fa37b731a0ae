"""Facebook in the reader's language: an error kept on a post is said later in French to
a French reader (and stays English in the record's text column), and the composer shows
Facebook's settings and checks in French."""

import pytest
from django.utils import translation

from integrations.providers.base import Channel, ErrorKind, ProviderError, PublishRequest
from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.facebook.conftest import HERE
from tests.providers.languages import (
    assert_composer_closed,
    composer,
    composer_page,
    said,
    speaking_french,
)

PAGE = "101"


def test_a_duplicate_post_is_said_in_the_language_of_whoever_reads_it(provider, httpserver):
    httpserver.expect_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_response(
        fixture_response(HERE, "duplicate_506")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(Channel(PAGE, {"access_token": "t"}), PublishRequest("p", "x"))

    error = caught.value
    assert error.kind == ErrorKind.CONTENT_REJECTED
    with translation.override("fr"):
        assert said(error) == (
            "Facebook Page refuse les publications en double ; modifiez le texte et réessayez."
        )
    with translation.override("de"):
        assert said(error) == (
            "Facebook Page lehnt doppelte Beiträge ab; ändern Sie den Text und versuchen "
            "Sie es erneut."
        )
    assert error.text.english() == (
        "Facebook Page rejects duplicate posts; change the text and try again."
    )


def test_a_missing_post_id_is_said_in_french(provider, httpserver):
    httpserver.expect_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_json({})
    with pytest.raises(ProviderError) as caught:
        provider.publish(Channel(PAGE, {"access_token": "t"}), PublishRequest("p", "x"))

    with translation.override("fr"):
        assert said(caught.value) == (
            "Facebook a accepté la publication sans dire laquelle il a créée."
        )


@pytest.mark.django_db
def test_the_composer_shows_facebooks_settings_and_checks_in_french(org, editor, client_for):
    page_channel = channel_row(org, "facebook", name="Acme Page")
    client = client_for(speaking_french(editor))

    page = composer_page(client, org, page_channel)
    assert "Type de publication" in page
    assert "Un reel est une vidéo verticale ; une story est une photo ou une vidéo." in page

    answer = client.post(
        composer(org),
        {
            "channels": [str(page_channel.pk)],
            "item-0-text": "Bonjour",
            "action": "now",
            f"s{page_channel.pk}-post_type": "story",
            f"s{page_channel.pk}-url": "https://acme.test/",
        },
    )
    checks = answer.content.decode()
    assert answer.status_code == 400
    assert "Une story Facebook ne peut pas contenir de lien." in checks
    assert "Une story Facebook est une photo ou une vidéo." in checks


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "facebook")
    assert_composer_closed(org, outsider, viewer, client_for)
