"""Hashnode (GraphQL) against a local fake answering with Hashnode's shapes: errors on
HTTP 200 with a code in ``errors[].extensions.code``."""

import json
from pathlib import Path

import pytest
import requests

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    Phase,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.hashnode import HashnodeProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
TOKEN = "hn-pat-5f1c9a7e-2b44-4d0e-9c1a-7d3e2f1a0b9c"
PUB = "65a1f0c2e4b0a1b2c3d4e5f6"
SETTINGS = {"title": "Launch day at Acme", "publication": PUB}


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "hashnode", api="/gql")
    return HashnodeProvider()


@pytest.fixture
def channel():
    return Channel(
        external_id="60f1a2b3c4d5e6f7a8b9c0d1",
        credentials={"token": TOKEN},
        username="acmedev",
        meta={"publications": [{"id": PUB, "title": "Acme Engineering", "url": ""}]},
    )


def reply(name):
    return fixture_response(HERE, name)


def as_requests_response(name):
    raw = reply(name)
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers.update(dict(raw.headers))
    response._content = raw.get_data()
    return response


def sent(httpserver) -> list[dict]:
    """Each GraphQL request that reached the fake, with the token it carried checked."""
    bodies = []
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == TOKEN
        bodies.append(json.loads(request.get_data()))
    return bodies


def post_request(text="Launch day at Acme", **settings):
    return PublishRequest(post_id="p", text=text, settings={**SETTINGS, **settings})


# -- connecting ---------------------------------------------------------------------------
def test_connect_reads_the_account_and_its_publications(provider, httpserver, captured_logs):
    httpserver.expect_request("/gql/", method="POST").respond_with_response(reply("me"))
    grant = provider.authenticate({"token": TOKEN})
    [query] = sent(httpserver)
    assert "me {" in query["query"]
    (account,) = provider.accounts(grant)
    assert grant.credentials == {"token": TOKEN}
    assert (account.external_id, account.name, account.username) == (
        "60f1a2b3c4d5e6f7a8b9c0d1",
        "Acme Dev",
        "acmedev",
    )
    assert account.profile_url == "https://hashnode.com/@acmedev"
    assert [p["title"] for p in account.meta["publications"]] == ["Acme Engineering", "Acme Notes"]
    assert_no_secret(captured_logs, TOKEN)


def test_a_refused_token_asks_for_a_new_one(provider, httpserver, captured_logs):
    httpserver.expect_request("/gql/").respond_with_response(reply("unauthenticated"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"token": TOKEN})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Personal Access Token" in caught.value.user_message
    assert_no_secret(captured_logs, TOKEN)


def test_an_empty_token_is_asked_for_without_calling_hashnode(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"token": ""})
    assert caught.value.field == "token"
    assert httpserver.log == []


# -- publishing ---------------------------------------------------------------------------
def test_a_post_goes_out_with_every_setting_in_hashnodes_input(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_request("/gql/", method="POST").respond_with_response(reply("publish_post"))
    request = post_request(
        "# Hello\n\nLaunch day at Acme",
        subtitle="What we shipped",
        tags=[{"value": "Web Dev", "label": "Web Dev"}, "python"],
        main_image={"path": "https://cdn.acme.example/cover.png"},
        canonical="https://acme.example/blog/launch",
        series={"value": "6752aa00f0a1b2c3d4e5f6aa", "label": "Acme launches"},
        publication={"value": PUB, "label": "Acme Engineering"},
    )
    result = provider.publish(channel, request)
    [body] = sent(httpserver)
    assert "publishPost(input: $input)" in body["query"]
    assert body["variables"] == {
        "input": {
            "publicationId": PUB,
            "title": "Launch day at Acme",
            "contentMarkdown": "# Hello\n\nLaunch day at Acme",
            "subtitle": "What we shipped",
            "coverImage": "https://cdn.acme.example/cover.png",
            "originalArticleURL": "https://acme.example/blog/launch",
            "seriesId": "6752aa00f0a1b2c3d4e5f6aa",
            "tags": [{"slug": "web-dev", "name": "Web Dev"}, {"slug": "python", "name": "python"}],
        }
    }
    assert result.ref == RemoteRef(
        id="6752d1e8f0a1b2c3d4e5f601", url="https://blog.acme.example/launch-day-at-acme"
    )
    assert_no_secret(captured_logs, TOKEN)


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("unauthenticated", ErrorKind.AUTH_REVOKED, "UNAUTHENTICATED"),
        ("forbidden_pro", ErrorKind.PERMISSION_DENIED, "pro_plan"),
        ("forbidden", ErrorKind.PERMISSION_DENIED, "FORBIDDEN"),
        ("not_found", ErrorKind.NOT_FOUND, "NOT_FOUND"),
        ("bad_user_input", ErrorKind.CONTENT_REJECTED, "BAD_USER_INPUT"),
        ("internal_error", ErrorKind.UNKNOWN_OUTCOME, "INTERNAL_SERVER_ERROR"),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME, "502"),
        ("no_data", ErrorKind.UNKNOWN_OUTCOME, ""),
    ],
)
def test_errors_on_http_200_are_never_a_success(provider, httpserver, channel, name, kind, code):
    httpserver.expect_request("/gql/").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == kind
    assert caught.value.network_code == code
    assert len(httpserver.log) == 1


def test_a_publication_without_pro_is_explained():
    error = HashnodeProvider().classify_response(
        Phase.COMMIT, as_requests_response("forbidden_pro")
    )
    assert "Pro plan" in error.user_message and "upgrade" in error.user_message


def test_a_rejection_repeats_hashnodes_words():
    error = HashnodeProvider().classify_response(
        Phase.COMMIT, as_requests_response("bad_user_input")
    )
    assert error.user_message == "Hashnode rejected the post: Title is required"


def test_a_server_error_before_the_publish_is_only_transient():
    error = HashnodeProvider().classify_response(Phase.READ, as_requests_response("internal_error"))
    assert error.kind == ErrorKind.TRANSIENT_BEFORE_SEND


# -- unclear outcomes: the publication's posts are searched, never a second publishPost ---
def test_a_timeout_on_publish_is_unknown_and_the_post_is_found_by_title_and_text(
    provider, httpserver, channel
):
    httpserver.expect_ordered_request("/gql/").respond_with_handler(
        slow_handler(lambda _: reply("publish_post"))
    )
    provider.timeout = (1, 0.5)
    request = post_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    provider.timeout = (5, 30)
    httpserver.expect_ordered_request("/gql/").respond_with_response(reply("posts"))
    found = provider.find_existing(channel, request)
    assert found.id == "6752d1e8f0a1b2c3d4e5f601"
    bodies = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert bodies[1]["variables"] == {"id": PUB, "first": 20}
    assert ["publishPost" in b["query"] for b in bodies] == [True, False]


def test_a_post_with_the_same_title_but_other_text_is_not_adopted(provider, httpserver, channel):
    httpserver.expect_request("/gql/").respond_with_response(reply("posts"))
    assert provider.find_existing(channel, post_request("Another text")) is None


def test_a_connection_closed_mid_answer_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request("/gql/").respond_with_handler(
        truncated_handler(b'{"data":{"publishPost":{"post":{"id":"67')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_recent_posts_come_from_the_channels_publications(provider, httpserver, channel):
    httpserver.expect_request("/gql/").respond_with_response(reply("posts"))
    assert [r.id for r in provider.recent_posts(channel)] == [
        "6752d1e8f0a1b2c3d4e5f602",
        "6752d1e8f0a1b2c3d4e5f601",
    ]


# -- analytics and look-ups ---------------------------------------------------------------
def test_views_reactions_and_responses_of_several_posts_in_one_request(
    provider, httpserver, channel
):
    httpserver.expect_request("/gql/").respond_with_response(reply("metrics"))
    found = provider.post_metrics(
        channel,
        [RemoteRef(id="6752d1e8f0a1b2c3d4e5f601"), RemoteRef(id="6752d1e8f0a1b2c3d4e5f6ff")],
    )
    assert len(httpserver.log) == 1
    assert list(found) == ["6752d1e8f0a1b2c3d4e5f601"]
    assert found["6752d1e8f0a1b2c3d4e5f601"].values["views"] == 412
    assert found["6752d1e8f0a1b2c3d4e5f601"].values["likes"] == 23
    assert found["6752d1e8f0a1b2c3d4e5f601"].values["comments"] == 5


def test_the_publication_setting_lists_the_accounts_publications(provider, httpserver, channel):
    httpserver.expect_request("/gql/").respond_with_response(reply("me"))
    assert provider.options("publication", channel) == [
        {"value": PUB, "label": "Acme Engineering"},
        {"value": "65a1f0c2e4b0a1b2c3d4e5f7", "label": "Acme Notes"},
    ]


def test_the_series_of_a_publication_are_listed(provider, httpserver, channel):
    httpserver.expect_request("/gql/").respond_with_response(reply("series"))
    assert provider.run_tool(channel, "series", {"publication": PUB}) == [
        {"id": "6752aa00f0a1b2c3d4e5f6aa", "name": "Acme launches", "slug": "acme-launches"}
    ]
    [body] = sent(httpserver)
    assert body["variables"] == {"id": PUB}


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body"):
    draft = Draft(items=[DraftItem(text=text)], settings=settings)
    return [(i.code, i.field) for i in HashnodeProvider().validate(draft)]


def test_a_complete_post_has_nothing_to_fix():
    assert issues({**SETTINGS, "tags": ["python"], "canonical": "https://a.b/c"}) == []


def test_a_post_needs_a_title_a_publication_and_text():
    assert ("setting_required", "title") in issues({"publication": PUB})
    assert ("setting_required", "publication") in issues({"title": "Launch day"})
    assert ("text_required", "text") in issues(SETTINGS, text="")


def test_a_title_shorter_than_six_characters_is_refused():
    assert ("setting_invalid", "title") in issues({**SETTINGS, "title": "Hi"})


def test_at_most_fifteen_tags():
    assert ("setting_invalid", "tags") in issues({**SETTINGS, "tags": [f"t{n}" for n in range(16)]})


def test_a_post_over_hashnodes_request_size_is_refused():
    assert ("text_too_long", "text") in issues(SETTINGS, text="é" * 50_000)


def test_cover_and_original_address_must_be_web_addresses():
    found = issues({**SETTINGS, "main_image": "cover.png", "canonical": "example"})
    assert ("setting_invalid", "main_image") in found and ("setting_invalid", "canonical") in found
