"""Medium (REST API v1, legacy) against a local fake answering with Medium's documented
shapes: ``{"data": …}`` envelopes and ``{"errors": [{"message", "code"}]}``."""

from pathlib import Path

import pytest
import requests

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    MediaItem,
    Phase,
    ProviderError,
    PublishRequest,
)
from integrations.providers.medium import MediumProvider
from integrations.tools import integration_run_tool, kept_setting_options
from tests.factories import ChannelFactory
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
TOKEN = "181d415f34379af07b2c11d144dfbe35d"
USER = "5303d74c64f66366f00cb9b2a94f3251bf5"
SETTINGS = {"title": "Launch day at Acme"}


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "medium", api="/v1")
    return MediumProvider()


@pytest.fixture
def channel():
    return Channel(external_id=USER, credentials={"token": TOKEN}, username="acmedev")


def reply(name):
    return fixture_response(HERE, name)


def as_requests_response(name):
    raw = reply(name)
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers.update(dict(raw.headers))
    response._content = raw.get_data()
    return response


def assert_bearer(httpserver):
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def post_request(text="Launch day at Acme", media=(), **settings):
    return PublishRequest(
        post_id="p", text=text, media=list(media), settings={**SETTINGS, **settings}
    )


# -- connecting and the limit said plainly ------------------------------------------------
def test_medium_is_marked_limited_because_it_issues_no_new_tokens():
    assert "no new integration tokens" in MediumProvider.limited


def test_connect_reads_the_author_with_an_old_integration_token(
    provider, httpserver, captured_logs
):
    httpserver.expect_request("/v1/me", method="GET").respond_with_response(reply("me"))
    grant = provider.authenticate({"token": TOKEN})
    assert_bearer(httpserver)
    (account,) = provider.accounts(grant)
    assert (account.external_id, account.name, account.username) == (USER, "Acme Dev", "acmedev")
    assert account.profile_url == "https://medium.com/@acmedev"
    assert_no_secret(captured_logs, TOKEN)


@pytest.mark.parametrize("name", ["token_invalid", "token_required"])
def test_a_refused_token_says_medium_makes_no_new_ones(provider, httpserver, name):
    httpserver.expect_request("/v1/me").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"token": TOKEN})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "issues no new tokens" in caught.value.user_message


# -- publishing ---------------------------------------------------------------------------
def test_a_post_on_the_profile_carries_title_subtitle_tags_and_canonical(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_request(
        f"/v1/users/{USER}/posts",
        method="POST",
        json={
            "title": "Launch day at Acme",
            "contentFormat": "markdown",
            "content": "# Launch day at Acme\n\n## What we shipped\n\nThe body.",
            "publishStatus": "unlisted",
            "tags": ["python", "django"],
            "canonicalUrl": "https://acme.example/blog/launch",
        },
    ).respond_with_response(reply("post_created"))
    result = provider.publish(
        channel,
        post_request(
            "The body.",
            subtitle="What we shipped",
            tags=["python", {"value": "django"}],
            canonical="https://acme.example/blog/launch",
            publish_status="unlisted",
        ),
    )
    httpserver.check_assertions()
    assert_bearer(httpserver)
    assert (result.ref.id, result.ref.url) == (
        "e6f36a",
        "https://medium.com/@acmedev/launch-day-at-acme-e6f36a",
    )
    assert_no_secret(captured_logs, TOKEN)


def test_a_post_in_a_publication_goes_to_the_publications_address(provider, httpserver, channel):
    httpserver.expect_request(
        "/v1/publications/b969ac62a46b/posts", method="POST"
    ).respond_with_response(reply("publication_post_created"))
    result = provider.publish(
        channel, post_request(publication={"value": "b969ac62a46b"}, publish_status="draft")
    )
    httpserver.check_assertions()
    assert result.ref.id == "a1b2c3" and result.raw["publishStatus"] == "draft"


def test_library_images_are_uploaded_once_and_placed_under_the_title(provider, httpserver, channel):
    uploads, posts = [], []

    def image(request):
        part = request.files["image"]
        uploads.append((part.filename, part.content_type, len(part.read())))
        return reply("image_uploaded")

    def post(request):
        posts.append(request.get_json())
        # Cloudflare turns the first try away before Medium sees it; the next one lands.
        return reply("cloudflare_challenge" if len(posts) == 1 else "post_created")

    httpserver.expect_request("/v1/images", method="POST").respond_with_handler(image)
    httpserver.expect_request(f"/v1/users/{USER}/posts").respond_with_handler(post)
    media = [MediaItem("image/png", 3, lambda: b"png", filename="cat.png", alt_text="A cat")]
    request = post_request("Body", media=media)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    result = provider.publish(channel, request)

    assert result.ref.id == "e6f36a"
    assert uploads == [("cat.png", "image/png", 3)]
    assert request.progress["medium_images"] == [
        "https://cdn-images-1.medium.com/0*fkfQiTzT7TlUGGyI.png"
    ]
    assert posts[1]["content"] == (
        "# Launch day at Acme\n\n![A cat](https://cdn-images-1.medium.com/0*fkfQiTzT7TlUGGyI.png)"
        "\n\nBody"
    )


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("token_invalid", ErrorKind.AUTH_REVOKED, "6003"),
        ("no_content", ErrorKind.CONTENT_REJECTED, "2002"),
        ("forbidden", ErrorKind.PERMISSION_DENIED, "403"),
        ("daily_limit", ErrorKind.RATE_LIMITED, "daily_limit"),
        ("cloudflare_challenge", ErrorKind.TRANSIENT_BEFORE_SEND, "cloudflare_challenge"),
        ("server_error", ErrorKind.UNKNOWN_OUTCOME, "500"),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME, "502"),
    ],
)
def test_publish_errors_are_classified_from_mediums_bodies(
    provider, httpserver, channel, name, kind, code
):
    httpserver.expect_request(f"/v1/users/{USER}/posts").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert (caught.value.kind, caught.value.network_code) == (kind, code)
    assert len(httpserver.log) == 1


def test_the_daily_limit_waits_a_day():
    error = MediumProvider().classify_response(Phase.COMMIT, as_requests_response("daily_limit"))
    assert error.retry_after == 24 * 3600


def test_a_rejection_repeats_mediums_words():
    error = MediumProvider().classify_response(Phase.COMMIT, as_requests_response("no_content"))
    assert error.user_message == "Medium rejected the post: No content specified."


# -- unclear outcomes: Medium cannot be asked, so nothing is ever looked up or resent ----
def test_a_timeout_on_the_commit_is_unknown_and_medium_offers_no_lookup(
    provider, httpserver, channel
):
    httpserver.expect_request(f"/v1/users/{USER}/posts").respond_with_handler(
        slow_handler(lambda _: reply("post_created"))
    )
    provider.timeout = (1, 0.5)
    request = post_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider.lookup == "none" and provider.idempotency == "none"
    assert provider.find_existing(channel, request) is None
    drain(httpserver, 1)


def test_a_connection_closed_mid_answer_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request(f"/v1/users/{USER}/posts").respond_with_handler(
        truncated_handler(b'{"data":{"id":"e6')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


# -- look-ups -----------------------------------------------------------------------------
def test_the_publication_setting_lists_the_authors_publications(provider, httpserver, channel):
    httpserver.expect_request(f"/v1/users/{USER}/publications").respond_with_response(
        reply("publications")
    )
    assert provider.options("publication", channel) == [
        {"value": "b969ac62a46b", "label": "Acme Engineering"},
        {"value": "b45573563f5a", "label": "Developers"},
    ]
    assert_bearer(httpserver)


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in MediumProvider().validate(draft)]


def test_a_complete_post_has_nothing_to_fix():
    assert issues({**SETTINGS, "tags": ["a", "b", "c"], "publish_status": "draft"}) == []


def test_a_post_needs_a_title_under_100_characters():
    assert ("setting_required", "title") in issues({})
    assert ("setting_invalid", "title") in issues({"title": "x" * 101})


def test_medium_uses_three_tags_of_at_most_25_characters():
    assert ("setting_invalid", "tags") in issues({**SETTINGS, "tags": ["a", "b", "c", "d"]})
    assert ("setting_invalid", "tags") in issues({**SETTINGS, "tags": ["x" * 26]})


def test_visibility_is_public_draft_or_unlisted():
    assert ("setting_invalid", "publish_status") in issues({**SETTINGS, "publish_status": "x"})


def test_only_images_medium_takes():
    video = MediaItem("video/mp4", 10, lambda: b"x")
    assert ("media_type", "media") in issues(SETTINGS, media=[video])


@pytest.mark.django_db
def test_looking_up_publications_keeps_them_on_the_channel_for_the_composer(
    provider, httpserver, org
):
    httpserver.expect_request(f"/v1/users/{USER}/publications").respond_with_response(
        reply("publications")
    )
    channel = ChannelFactory(
        organization=org, provider="medium", external_id=USER, credentials={"token": TOKEN}
    )

    integration_run_tool(integration=channel, name="publications", data={})

    channel.refresh_from_db()
    assert [p["id"] for p in channel.meta["publications"]] == ["b969ac62a46b", "b45573563f5a"]
    kept = kept_setting_options(integration=channel, name="publication")
    assert [o["label"] for o in kept.options] == ["Acme Engineering", "Developers"]
