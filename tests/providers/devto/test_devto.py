"""dev.to (Forem API v1) against a local fake answering with Forem's recorded shapes."""

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
    RemoteRef,
)
from integrations.providers.devto import DevtoProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
KEY = "devto-key-7Yd2mQw9Lr4Hs8Kp"
V1 = "application/vnd.forem.api-v1+json"
SETTINGS = {"title": "Launch day at Acme"}


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "devto", api="/api")
    return DevtoProvider()


@pytest.fixture
def channel():
    return Channel(external_id="1234567", credentials={"api_key": KEY}, username="acmedev")


def reply(name):
    return fixture_response(HERE, name)


def as_requests_response(name):
    raw = reply(name)
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers.update(dict(raw.headers))
    response._content = raw.get_data()
    return response


def assert_key_sent(httpserver):
    for request, _ in httpserver.log:
        assert request.headers["api-key"] == KEY
        assert request.headers["Accept"] == V1


def article_request(text="Launch day at Acme", **settings):
    return PublishRequest(post_id="p", text=text, settings={**SETTINGS, **settings})


# -- connecting ---------------------------------------------------------------------------
def test_connect_reads_the_account_with_the_api_key(provider, httpserver, captured_logs):
    httpserver.expect_request("/api/users/me", method="GET").respond_with_response(reply("user_me"))
    grant = provider.authenticate({"api_key": f"  {KEY} "})
    assert_key_sent(httpserver)
    (account,) = provider.accounts(grant)
    assert grant.credentials == {"api_key": KEY}
    assert (account.external_id, account.name, account.username) == (
        "1234567",
        "Acme Dev",
        "acmedev",
    )
    assert account.profile_url == "https://dev.to/acmedev"
    assert account.avatar_url.startswith("https://media2.dev.to/")
    assert_no_secret(captured_logs, KEY)


def test_a_wrong_key_is_refused_and_asks_for_a_new_one(provider, httpserver, captured_logs):
    httpserver.expect_request("/api/users/me").respond_with_response(reply("unauthorized"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "dev.to/settings/extensions" in caught.value.user_message
    assert_no_secret(captured_logs, KEY)


def test_an_empty_key_is_asked_for_without_calling_dev_to(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": " "})
    assert caught.value.field == "api_key"
    assert httpserver.log == []


def test_there_is_nothing_to_refresh_a_dead_key_means_reconnecting(provider, channel):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


# -- publishing ---------------------------------------------------------------------------
def test_an_article_goes_out_with_every_setting_in_forems_shape(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_ordered_request(
        "/api/articles",
        method="POST",
        json={
            "article": {
                "title": "Launch day at Acme",
                "body_markdown": "# Hello\n\nLaunch day at Acme",
                "published": True,
                "tags": "python, django, webdev",
                "description": "What we shipped",
                "main_image": "https://cdn.acme.example/cover.png",
                "canonical_url": "https://acme.example/blog/launch",
                "series": "Acme launches",
                "organization_id": 4321,
            }
        },
    ).respond_with_response(reply("article_created"))
    request = article_request(
        "# Hello\n\nLaunch day at Acme",
        tags=[{"value": "python", "label": "python"}, "#django", "webdev"],
        description="What we shipped",
        main_image={"id": "m1", "path": "https://cdn.acme.example/cover.png"},
        canonical="https://acme.example/blog/launch",
        series="Acme launches",
        organization={"value": "4321", "label": "Acme Corp"},
    )
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert_key_sent(httpserver)
    assert result.ref.id == "2150589"
    assert result.ref.url == "https://dev.to/acmedev/launch-day-at-acme-3k2b"
    assert_no_secret(captured_logs, KEY)


def test_an_article_can_be_saved_as_a_draft(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/articles",
        method="POST",
        json={"article": {"title": "Launch day at Acme", "body_markdown": "x", "published": False}},
    ).respond_with_response(reply("article_created"))
    provider.publish(channel, article_request("x", published=False))
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED, ""),
        ("rate_limited", ErrorKind.RATE_LIMITED, ""),
        ("too_many_tags", ErrorKind.CONTENT_REJECTED, "tags"),
        ("title_blank", ErrorKind.CONTENT_REJECTED, "title"),
        ("canonical_taken", ErrorKind.CONTENT_REJECTED, "canonical"),
        ("duplicate", ErrorKind.CONTENT_REJECTED, ""),
        ("body_too_long", ErrorKind.CONTENT_REJECTED, ""),
        ("server_error", ErrorKind.UNKNOWN_OUTCOME, ""),
    ],
)
def test_publish_errors_are_classified_from_forems_bodies(
    provider, httpserver, channel, name, kind, field
):
    httpserver.expect_request("/api/articles").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, article_request())
    assert (caught.value.kind, caught.value.field) == (kind, field)
    assert len(httpserver.log) == 1


def test_a_rejection_repeats_forems_words():
    error = DevtoProvider().classify_response(Phase.COMMIT, as_requests_response("too_many_tags"))
    said = "Tag list exceed the maximum of 4 tags"
    assert error.user_message == f"dev.to rejected the article: {said}"


def test_a_rate_limit_waits_as_long_as_forem_says():
    error = DevtoProvider().classify_response(Phase.COMMIT, as_requests_response("rate_limited"))
    assert error.retry_after == 30


def test_a_second_send_of_the_same_article_is_refused_as_a_duplicate():
    error = DevtoProvider().classify_response(Phase.COMMIT, as_requests_response("duplicate"))
    assert error.network_code == "duplicate"
    assert "already has an article" in error.user_message


def test_successes_are_not_errors():
    provider = DevtoProvider()
    assert provider.classify_response(Phase.COMMIT, as_requests_response("article_created")) is None
    for name in ("user_me", "my_articles", "organization"):
        assert provider.classify_response(Phase.READ, as_requests_response(name)) is None


# -- unclear outcomes: looked up among the author's own articles, never sent twice -------
def test_a_502_on_the_commit_is_unknown_and_settled_by_the_authors_list(
    provider, httpserver, channel
):
    httpserver.expect_ordered_request("/api/articles", method="POST").respond_with_response(
        reply("bad_gateway")
    )
    request = article_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_ordered_request(
        "/api/articles/me/all", method="GET", query_string="per_page=30&page=1"
    ).respond_with_response(reply("my_articles"))
    found = provider.find_existing(channel, request)
    httpserver.check_assertions()
    assert found == RemoteRef(
        id="2150589",
        url="https://dev.to/acmedev/launch-day-at-acme-3k2b",
        extra={"path": "/acmedev/launch-day-at-acme-3k2b"},
    )
    assert len([r for r, _ in httpserver.log if r.path == "/api/articles"]) == 1


def test_a_timeout_on_the_commit_is_unknown_and_nothing_found_means_not_there(
    provider, httpserver, channel
):
    slow = slow_handler(lambda _: reply("article_created"))
    httpserver.expect_ordered_request("/api/articles").respond_with_handler(slow)
    provider.timeout = (1, 0.5)
    request = article_request("A text dev.to never received")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    provider.timeout = (5, 30)
    httpserver.expect_ordered_request("/api/articles/me/all").respond_with_response(
        reply("my_articles")
    )
    # Same title, another body: not this post.
    assert provider.find_existing(channel, request) is None
    assert len([r for r, _ in httpserver.log if r.path == "/api/articles"]) == 1


def test_a_connection_closed_mid_answer_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request("/api/articles").respond_with_handler(
        truncated_handler(b'{"type_of":"article","id":21')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, article_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_recent_articles_are_offered_for_a_missing_release_id(provider, httpserver, channel):
    httpserver.expect_request("/api/articles/me/all").respond_with_response(reply("my_articles"))
    assert [r.id for r in provider.recent_posts(channel)] == ["2150590", "2150589", "2140001"]


# -- analytics and look-ups ---------------------------------------------------------------
def test_views_reactions_and_comments_come_from_the_authors_list(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/articles/me/all", query_string="per_page=1000&page=1"
    ).respond_with_response(reply("my_articles"))
    found = provider.post_metrics(channel, [RemoteRef(id="2150589"), RemoteRef(id="999")])
    assert list(found) == ["2150589"]
    assert found["2150589"].values["views"] == 321
    assert found["2150589"].values["likes"] == 17
    assert found["2150589"].values["comments"] == 4


def test_an_organization_is_found_by_its_username(provider, httpserver, channel):
    httpserver.expect_request("/api/organizations/acme", method="GET").respond_with_response(
        reply("organization")
    )
    assert provider.run_tool(channel, "organization", {"username": "https://dev.to/acme"}) == [
        {"id": "4321", "username": "acme", "name": "Acme Corp"}
    ]
    assert_key_sent(httpserver)


def test_an_unknown_organization_finds_nothing(provider, httpserver, channel):
    httpserver.expect_request("/api/organizations/nobody").respond_with_response(reply("not_found"))
    assert provider.run_tool(channel, "organization", {"username": "nobody"}) == []


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in DevtoProvider().validate(draft)]


def test_a_complete_article_has_nothing_to_fix():
    cover = "https://a.b/c.png"
    assert issues({"title": "T", "tags": ["python", "django"], "main_image": cover}) == []


def test_an_article_needs_a_title_and_a_body():
    assert ("setting_required", "title") in issues({})
    assert ("text_required", "text") in issues(SETTINGS, text=" ")


def test_at_most_four_alphanumeric_tags():
    assert ("setting_invalid", "tags") in issues({**SETTINGS, "tags": "a, b, c, d, e"})
    assert ("setting_invalid", "tags") in issues({**SETTINGS, "tags": ["web-dev"]})
    assert issues({**SETTINGS, "tags": ["a", "b", "c", "d"]}) == []


def test_a_title_over_128_characters_is_refused():
    assert ("setting_invalid", "title") in issues({"title": "x" * 129})


def test_cover_and_canonical_must_be_web_addresses():
    found = issues({**SETTINGS, "main_image": "cover.png", "canonical": "acme.example/x"})
    assert ("setting_invalid", "main_image") in found
    assert ("setting_invalid", "canonical") in found


def test_library_files_are_refused_the_cover_is_an_address():
    media = [MediaItem("image/png", 10, lambda: b"x", public_url="https://s3/x?sig=1")]
    assert ("media_count", "media") in issues(SETTINGS, media=media)


def test_an_organization_is_chosen_by_its_id():
    assert ("setting_invalid", "organization") in issues({**SETTINGS, "organization": "acme"})
