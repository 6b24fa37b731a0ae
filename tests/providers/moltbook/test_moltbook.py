"""Moltbook (REST API v1) against a local fake answering with the shapes its API
documentation gives: ``{"success": true, ...}`` and ``{"success": false, "error", "hint"}``."""

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
from integrations.providers.moltbook import MoltbookProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
KEY = "moltbook_sk_4vbBsDhqTVg-uvC2mNw3xinZwRhn6r0A"
AGENT = "8c88a3c6-f1cb-46f8-b9b6-56357b2d2b55"
POST = "216057c5-b441-4e70-80f6-2117214a29ea"
SETTINGS = {"submolt": "general", "title": "Launch day at Acme"}


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "moltbook", api="/api/v1")
    return MoltbookProvider()


@pytest.fixture
def channel():
    return Channel(external_id=AGENT, credentials={"api_key": KEY}, username="AcmeScout")


def reply(name):
    return fixture_response(HERE, name)


def as_requests_response(name):
    raw = reply(name)
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers.update(dict(raw.headers))
    response._content = raw.get_data()
    return response


def post_request(text="Launch day at Acme", **settings):
    return PublishRequest(post_id="p", text=text, settings={**SETTINGS, **settings})


def assert_bearer(httpserver):
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == f"Bearer {KEY}"


# -- connecting ---------------------------------------------------------------------------
def test_connect_reads_the_agent_behind_the_api_key(provider, httpserver, captured_logs):
    httpserver.expect_request("/api/v1/agents/me", method="GET").respond_with_response(
        reply("agent_me")
    )
    grant = provider.authenticate({"api_key": f"  {KEY} "})
    assert_bearer(httpserver)
    (account,) = provider.accounts(grant)
    assert (account.external_id, account.name, account.username) == (
        AGENT,
        "AcmeScout",
        "AcmeScout",
    )
    assert account.profile_url == "https://www.moltbook.com/u/AcmeScout"
    assert grant.credentials == {"api_key": KEY}
    assert_no_secret(captured_logs, KEY)


def test_a_refused_key_asks_for_the_agents_current_key(provider, httpserver):
    httpserver.expect_request("/api/v1/agents/me").respond_with_response(reply("invalid_key"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Paste the agent's current key" in caught.value.user_message


def test_the_api_talks_to_the_www_host_which_keeps_the_authorization_header():
    assert MoltbookProvider.endpoints["api"] == "https://www.moltbook.com/api/v1"


# -- publishing ---------------------------------------------------------------------------
def test_a_text_post_goes_to_the_submolt_with_its_title(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/posts",
        method="POST",
        json={"submolt": "general", "title": "Launch day at Acme", "content": "Body"},
    ).respond_with_response(reply("post_created"))
    result = provider.publish(channel, post_request("Body"))
    httpserver.check_assertions()
    assert_bearer(httpserver)
    assert result.state == "published"
    assert (result.ref.id, result.ref.url) == (POST, f"https://www.moltbook.com/post/{POST}")


def test_a_link_post_carries_the_url_and_a_chosen_submolt(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/posts",
        method="POST",
        json={
            "submolt": "aithoughts",
            "title": "Launch day at Acme",
            "url": "https://acme.example/launch",
        },
    ).respond_with_response(reply("post_created"))
    provider.publish(
        channel,
        post_request(
            "",
            submolt={"value": "aithoughts", "label": "AI Thoughts"},
            url="https://acme.example/launch",
        ),
    )
    httpserver.check_assertions()


def test_a_post_held_for_a_challenge_shows_it_until_moltbook_says_it_is_verified(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/posts", method="POST").respond_with_response(
        reply("post_held_for_verification")
    )
    result = provider.publish(channel, post_request())
    assert (result.state, result.committed) == ("pending", True)
    assert result.raw["verification_code"] == "moltbook_verify_79b5b83db3de57a6d51ce7c644c83e96"

    answers = iter(["post_pending", "post_verified"])
    httpserver.expect_request(f"/api/v1/posts/{POST}", method="GET").respond_with_handler(
        lambda _: reply(next(answers))
    )
    with pytest.raises(ProviderError) as waiting:
        provider.check_status(channel, result.handle)
    # Not a verdict: the post stays pending and the person sees the challenge.
    assert not waiting.value.verdict
    assert "lO^bSt-Er" in waiting.value.user_message
    assert "moltbook_verify_79b5b83db3de57a6d51ce7c644c83e96" in waiting.value.user_message
    done = provider.check_status(channel, result.handle)
    assert done.state == "published" and done.ref.url == f"https://www.moltbook.com/post/{POST}"


def test_a_failed_challenge_fails_the_post_and_says_why(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v1/posts/{POST}").respond_with_response(
        reply("post_verification_failed")
    )
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, POST)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED and caught.value.verdict
    assert "verification challenge" in caught.value.user_message


def test_the_verify_tool_answers_the_challenge(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/verify",
        method="POST",
        json={"verification_code": "moltbook_verify_79b5", "answer": "15.00"},
    ).respond_with_response(reply("verify_ok"))
    answer = provider.run_tool(
        channel, "verify", {"verification_code": "moltbook_verify_79b5", "answer": "15.00"}
    )
    assert answer["verified"] is True and answer["content_id"] == POST
    assert_bearer(httpserver)


def test_a_wrong_answer_repeats_moltbooks_hint(provider, httpserver, channel):
    httpserver.expect_request("/api/v1/verify").respond_with_response(reply("verify_wrong"))
    with pytest.raises(ProviderError) as caught:
        provider.run_tool(channel, "verify", {"verification_code": "c", "answer": "1"})
    assert "Incorrect answer" in caught.value.user_message


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("invalid_key", ErrorKind.AUTH_REVOKED),
        ("post_cooldown", ErrorKind.RATE_LIMITED),
        ("suspended", ErrorKind.PERMISSION_DENIED),
        ("forbidden", ErrorKind.PERMISSION_DENIED),
        ("submolt_not_found", ErrorKind.NOT_FOUND),
        ("missing_title", ErrorKind.CONTENT_REJECTED),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME),
    ],
)
def test_publish_errors_are_classified_from_moltbooks_bodies(
    provider, httpserver, channel, name, kind
):
    httpserver.expect_request("/api/v1/posts").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == kind
    assert len(httpserver.log) == 1


def test_the_30_minute_cooldown_waits_exactly_as_long_as_moltbook_says():
    error = MoltbookProvider().classify_response(
        Phase.COMMIT, as_requests_response("post_cooldown")
    )
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.retry_after == 27 * 60
    assert error.user_message == (
        "Moltbook allows an agent one post every 30 minutes (one every 2 hours in its first "
        "day); this one goes when Moltbook says the wait is over: You can only post once "
        "every 30 minutes Wait 27 minutes before posting again"
    )


# -- unclear outcomes: the submolt's newest posts are read, never a blind resend ----------
def test_a_timeout_on_the_post_is_unknown_then_found_by_the_agent_and_title(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/posts", method="POST").respond_with_handler(
        slow_handler(lambda _: reply("post_created"))
    )
    provider.timeout = (1, 0.5)
    request = post_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    httpserver.expect_request(
        "/api/v1/posts",
        method="GET",
        query_string={"submolt": "general", "sort": "new", "limit": "25"},
    ).respond_with_response(reply("submolt_new"))
    found = provider.find_existing(channel, request)
    # Another agent's post with the same title comes first; it is not taken for ours.
    assert found.id == POST


def test_a_connection_closed_mid_answer_is_unknown_and_a_missing_post_stays_unfound(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/posts", method="POST").respond_with_handler(
        truncated_handler(b'{"success":true,"post":{"id":"2160')
    )
    request = post_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_request("/api/v1/posts", method="GET").respond_with_response(
        reply("submolt_new_without")
    )
    assert provider.find_existing(channel, request) is None


def test_a_success_without_the_post_is_unknown(provider, httpserver, channel):
    httpserver.expect_request("/api/v1/posts", method="POST").respond_with_json(
        {"success": True, "message": "Post created! 🦞"}, status=201
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- look-ups -----------------------------------------------------------------------------
def test_the_submolt_setting_lists_moltbooks_submolts(provider, httpserver, channel):
    httpserver.expect_request("/api/v1/submolts").respond_with_response(reply("submolts"))
    assert provider.options("submolt", channel) == [
        {"value": "general", "label": "General"},
        {"value": "aithoughts", "label": "AI Thoughts"},
    ]
    assert_bearer(httpserver)


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in MoltbookProvider().validate(draft)]


def test_a_complete_post_has_nothing_to_fix():
    assert issues(SETTINGS) == []
    assert issues({**SETTINGS, "url": "https://acme.example"}, text="") == []


def test_a_post_needs_a_submolt_and_a_title():
    assert ("setting_required", "submolt") in issues({"title": "x"})
    assert ("setting_required", "title") in issues({"submolt": "general"})


def test_a_submolt_is_named_by_its_short_name():
    assert ("setting_invalid", "submolt") in issues({**SETTINGS, "submolt": "m/General Talk"})


def test_a_post_needs_text_or_a_link():
    assert ("text_required", "text") in issues(SETTINGS, text="  ")


def test_moltbook_takes_no_media():
    image = MediaItem("image/png", 3, lambda: b"png")
    assert any(field == "media" for _, field in issues(SETTINGS, media=[image]))
