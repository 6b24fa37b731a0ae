"""Skool (unofficial) against a local fake of the web app's endpoints, in the shapes
open-source Skool clients read, and AWS WAF's documented challenge answers."""

from pathlib import Path

import pytest
from django.utils import translation

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.skool import SkoolProvider, community_slug
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1hY21l.Qm9vbQ"
CLIENT = "b2f1c3d4e5f60718293a4b5c6d7e8f90"
GROUP = "4f1c2b7e9a0d4e6f8b3a5c7d9e1f2a3b"
COOKIE = f"auth_token={TOKEN}; client_id={CLIENT}"


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "skool", web="/www", api="/api2")
    return SkoolProvider()


@pytest.fixture
def channel():
    return Channel(
        external_id=GROUP,
        credentials={"auth_token": TOKEN, "client_id": CLIENT},
        username="acme-makers",
    )


def reply(name):
    return fixture_response(HERE, name)


def post_request(text="Launch day at Acme", **settings):
    return PublishRequest(
        post_id="p", text=text, settings={"title": "Launch day at Acme", **settings}
    )


# -- what it is, said plainly ---------------------------------------------------------------
def test_skool_is_marked_unofficial_and_limited():
    assert SkoolProvider.limited.startswith("Unofficial: Skool has no public API.")
    with translation.override("fr"):
        assert str(SkoolProvider.limited).startswith("Non officiel")
    labels = {f.name: f for f in SkoolProvider().credential_fields()}
    assert "unofficial" in labels["auth_token"].label and labels["auth_token"].type == "secret"


@pytest.mark.parametrize(
    "typed",
    ["acme-makers", "https://www.skool.com/acme-makers/about", "skool.com/Acme-Makers?x=1"],
)
def test_a_community_is_named_by_its_address_or_short_name(typed):
    assert community_slug(typed) == "acme-makers"


# -- connecting ---------------------------------------------------------------------------
def test_connect_finds_the_communitys_group_with_the_session_cookies(
    provider, httpserver, captured_logs
):
    httpserver.expect_request(
        "/www/acme-makers", method="GET", headers={"Cookie": COOKIE}
    ).respond_with_response(reply("community_page"))
    grant = provider.authenticate(
        {"community": "https://www.skool.com/acme-makers", "auth_token": TOKEN, "client_id": CLIENT}
    )
    (account,) = provider.accounts(grant)
    assert (account.external_id, account.name, account.username) == (
        GROUP,
        "Acme Makers",
        "acme-makers",
    )
    assert account.profile_url == "https://www.skool.com/acme-makers"
    assert grant.credentials == {"auth_token": TOKEN, "client_id": CLIENT}
    assert_no_secret(captured_logs, TOKEN)


def test_a_page_without_the_group_says_to_check_the_address_and_membership(provider, httpserver):
    httpserver.expect_request("/www/acme-makers").respond_with_response(
        reply("community_page_without_group")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"community": "acme-makers", "auth_token": TOKEN})
    assert caught.value.field == "community"
    assert "the account is a member" in caught.value.user_message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"community": "acme makers!", "auth_token": TOKEN}, "community"),
        ({"community": "acme-makers", "auth_token": f"auth_token={TOKEN};"}, "auth_token"),
        ({"community": "acme-makers", "auth_token": ""}, "auth_token"),
    ],
)
def test_a_mistyped_form_is_explained_before_anything_is_sent(provider, httpserver, fields, field):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(fields)
    assert caught.value.field == field
    assert httpserver.log == []


# -- publishing ---------------------------------------------------------------------------
def test_a_post_goes_to_the_group_with_its_title(provider, httpserver, channel):
    httpserver.expect_request(
        "/api2/posts",
        method="POST",
        query_string={"follow": "true"},
        headers={"Cookie": COOKIE},
        json={
            "post_type": "generic",
            "group_id": GROUP,
            "metadata": {
                "title": "Launch day at Acme",
                "content": "Body",
                "attachments": "",
                "labels": "",
                "action": 0,
                "video_ids": "",
            },
        },
    ).respond_with_response(reply("post_created"))
    result = provider.publish(channel, post_request("Body"))
    httpserver.check_assertions()
    assert result.ref.id == "9b8e7d6c5b4a39281706f5e4d3c2b1a0"
    assert result.ref.url == "https://www.skool.com/acme-makers/launch-day-at-acme"


@pytest.mark.parametrize("name", ["waf_challenge", "waf_captcha"])
def test_the_firewalls_challenge_held_the_post_back_so_it_is_tried_again(
    provider, httpserver, channel, name
):
    httpserver.expect_request("/api2/posts").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert "nothing was posted" in caught.value.user_message


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("session_ended", ErrorKind.AUTH_REVOKED),
        ("forbidden", ErrorKind.PERMISSION_DENIED),
        ("not_found", ErrorKind.NOT_FOUND),
        ("too_many", ErrorKind.RATE_LIMITED),
        ("bad_request", ErrorKind.CONTENT_REJECTED),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME),
    ],
)
def test_publish_errors_are_classified_by_status(provider, httpserver, channel, name, kind):
    httpserver.expect_request("/api2/posts").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == kind


def test_an_ended_session_asks_for_a_new_cookie(provider, httpserver, channel):
    httpserver.expect_request("/api2/posts").respond_with_response(reply("session_ended"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert "copy the new auth_token cookie and reconnect" in caught.value.user_message


# -- unclear outcomes: Skool cannot be asked, so nothing is looked up or resent -----------
def test_a_timeout_on_the_post_is_unknown_and_nothing_is_looked_up(provider, httpserver, channel):
    httpserver.expect_request("/api2/posts").respond_with_handler(
        slow_handler(lambda _: reply("post_created"))
    )
    provider.timeout = (1, 0.5)
    request = post_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider.lookup == "none" and provider.find_existing(channel, request) is None
    drain(httpserver, 1)


def test_a_connection_closed_mid_answer_is_unknown(provider, httpserver, channel):
    httpserver.expect_request("/api2/posts").respond_with_handler(
        truncated_handler(b'{"id":"9b8e7d')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_a_success_that_is_not_the_post_is_unknown(provider, httpserver, channel):
    httpserver.expect_request("/api2/posts").respond_with_data(
        "<html>ok</html>", content_type="text/html"
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in SkoolProvider().validate(draft)]


def test_a_post_needs_a_title_and_text():
    assert issues({"title": "Launch"}) == []
    assert ("setting_required", "title") in issues({})
    assert ("setting_required", "title") in issues({"title": "  "})
    assert ("text_required", "text") in issues({"title": "x"}, " ")


def test_skool_takes_no_media_through_this_connection():
    image = MediaItem("image/png", 3, lambda: b"png")
    assert any(field == "media" for _, field in issues({"title": "x"}, media=[image]))
