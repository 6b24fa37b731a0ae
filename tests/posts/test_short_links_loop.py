"""The publisher loop with short links: posts to shorten go out through the one-post path,
the others through the batch path, each exactly once."""

import json
from collections import Counter

import pytest
from werkzeug import Response

from posts import runner
from posts.links.models import LinkSettings, ShortLink
from posts.models import Post
from posts.states import State
from tests.factories import PostFactory
from tests.posts.helpers import status

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_loop_publishes_shortened_and_plain_posts_once_each(
    org, mastodon, httpserver, settings
):
    settings.SHORTLINK_BASE_URL = "https://acme.link"
    LinkSettings.objects.create(organization=org, preference="always")
    texts = Counter()

    def statuses(request):
        data = request.get_json(silent=True) or request.form.to_dict()
        texts[data["status"]] += 1
        body = status(str(sum(texts.values())), data["status"])
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    linked = [
        PostFactory(integration=mastodon, items=[f"{n} https://example.com/{n}"]) for n in range(3)
    ]
    plain = [PostFactory(integration=mastodon, items=[f"plain {n}"]) for n in range(3)]

    assert runner.run(seconds=2, workers=2) == 6

    assert {Post.objects.get(pk=p.pk).state for p in [*linked, *plain]} == {State.PUBLISHED}
    assert set(texts.values()) == {1}  # each text sent once
    for n, post in enumerate(linked):
        assert texts[f"{n} {ShortLink.objects.get(post=post).short_url}"] == 1
    assert all(texts[f"plain {n}"] == 1 for n in range(3))
