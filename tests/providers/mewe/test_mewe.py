"""MeWe's Open API against a local fake: the documented headers and token exchange, and
the endpoints and shapes Postiz's MeWe integration uses (each fixture says its source)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import (
    Draft,
    DraftItem,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.mewe import MeweProvider
from integrations.tools import integration_run_tool, kept_setting_options
from tests.factories import ChannelFactory
from tests.posts.e2e.fakes import recorded
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    dropped_handler,
    slow_handler,
)
from tests.providers.mewe.conftest import (
    API_KEY,
    APP_ID,
    AUTH,
    GROUP,
    GROUP_POST,
    ME,
    TIMELINE,
    TOKEN,
    reply,
)


def post_request(text="Launch day at Acme", media=(), **settings):
    return PublishRequest(post_id="p", text=text, media=list(media), settings=settings)


def photo(name="bench.png", mime="image/png"):
    return MediaItem(mime, 3, lambda: b"png", filename=name)


# -- limited, and said why ---------------------------------------------------------------
def test_mewe_is_marked_limited_because_its_developer_program_is_a_closed_beta():
    assert "closed beta" in MeweProvider.limited
    assert MeweProvider.required_settings == ("MEWE_APP_ID", "MEWE_API_KEY")


# -- connecting ----------------------------------------------------------------------------
def test_the_sign_in_page_names_the_app_and_where_to_come_back(provider):
    url = provider.authorization_url(state="s1", redirect_uri="https://postiz.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/login"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "client_id": APP_ID,
        "redirect_uri": "https://postiz.example/cb/",
        "state": "s1",
    }


def test_the_login_request_token_is_exchanged_with_the_app_key_and_the_profile_read(
    provider, httpserver, captured_logs
):
    httpserver.expect_ordered_request(
        "/api/dev/token",
        method="GET",
        query_string={"loginRequestToken": "lrt-91c2"},
        headers={"X-App-Id": APP_ID, "X-Api-Key": API_KEY},
    ).respond_with_response(reply("token"))
    httpserver.expect_ordered_request("/api/dev/me", headers=AUTH).respond_with_response(
        reply("me")
    )
    grant = provider.exchange_code(code="lrt-91c2", redirect_uri="https://postiz.example/cb/")
    (account,) = provider.accounts(grant)

    assert grant.credentials == {"access_token": TOKEN}
    assert grant.expires_at.isoformat() == "2027-01-06T21:07:40.253000+00:00"
    assert (account.external_id, account.name, account.username) == (
        ME["userId"],
        "Acme Workshop",
        "acmeworkshop",
    )
    # The API key is sent only to sign in, as MeWe's pages say.
    assert "X-Api-Key" not in httpserver.log[1][0].headers
    assert_no_secret(captured_logs, TOKEN, "lrt-91c2")


def test_a_sign_in_not_yet_approved_in_mewe_says_so(provider, httpserver):
    httpserver.expect_request("/api/dev/token").respond_with_response(reply("token_pending"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="lrt", redirect_uri="https://postiz.example/cb/")
    assert "still waiting for you to approve" in caught.value.user_message
    assert len(httpserver.log) == 1


def test_a_refused_exchange_asks_to_connect_again(provider, httpserver):
    httpserver.expect_request("/api/dev/token").respond_with_response(reply("token_refused"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="lrt", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "connect the channel again" in caught.value.user_message


def test_an_expired_token_cannot_be_renewed_only_reconnected(provider, channel):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "gives no way to renew it" in caught.value.user_message


def test_checking_the_connection_reads_the_profile(provider, httpserver, channel):
    httpserver.expect_request("/api/dev/me", headers=AUTH).respond_with_response(reply("me"))
    assert provider.fetch_profile(channel).username == "acmeworkshop"


# -- publishing ----------------------------------------------------------------------------
def test_a_text_post_goes_to_the_timeline(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(
        TIMELINE, method="POST", headers=AUTH, json={"text": "Launch day at Acme"}
    ).respond_with_response(reply("post_created"))
    result = provider.publish(channel, post_request(post_type="timeline"))
    assert (result.ref.id, result.ref.url) == ("", "")
    assert result.raw["status"] == 204
    assert_no_secret(captured_logs, TOKEN)


def test_photos_are_uploaded_once_each_then_posted_in_a_group(provider, httpserver, channel):
    uploads, posts = [], []

    def upload(request):
        part = request.files["file"]
        uploads.append((part.filename, part.content_type, request.headers["Authorization"]))
        return reply("photo_uploaded")

    def post(request):
        posts.append(request.get_json())
        # Asked to slow down first; nothing is posted, so it is sent again.
        return reply("enhance_your_calm" if len(posts) == 1 else "post_created")

    httpserver.expect_request("/api/dev/photo/upload", method="POST").respond_with_handler(upload)
    httpserver.expect_request(GROUP_POST, method="POST").respond_with_handler(post)
    request = post_request(
        "Our bench",
        media=[photo(), photo("saw.jpg", "image/jpeg")],
        post_type="group",
        group={"value": GROUP, "label": "Makers of Acme"},
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    result = provider.publish(channel, request)

    assert [u[:2] for u in uploads] == [("bench.png", "image/png"), ("saw.jpg", "image/jpeg")]
    assert {u[2] for u in uploads} == {f"Bearer {TOKEN}"}
    assert posts[1] == {
        "text": "Our bench",
        "uploadedPhotoIds": ["6571f0c2a8e4b0d3f29c1e77", "6571f0c2a8e4b0d3f29c1e77"],
    }
    assert result.ref.url == f"https://mewe.com/group/{GROUP}"
    assert request.progress["mewe_photos"] == ["6571f0c2a8e4b0d3f29c1e77"] * 2


def test_a_refused_photo_stops_before_anything_is_posted(provider, httpserver, channel):
    httpserver.expect_request("/api/dev/photo/upload").respond_with_response(reply("too_large"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request(media=[photo()], post_type="timeline"))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.user_message == "MeWe rejected the post: too big"
    assert [r.path for r, _ in httpserver.log] == ["/api/dev/photo/upload"]


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED, "401"),
        ("forbidden", ErrorKind.PERMISSION_DENIED, "403"),
        ("group_not_found", ErrorKind.NOT_FOUND, "404"),
        ("enhance_your_calm", ErrorKind.RATE_LIMITED, "420"),
        ("too_many", ErrorKind.RATE_LIMITED, "429"),
        ("bad_request", ErrorKind.CONTENT_REJECTED, "400"),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME, "502"),
    ],
)
def test_publish_errors_are_classified(provider, httpserver, channel, name, kind, code):
    httpserver.expect_request(GROUP_POST).respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request(post_type="group", group=GROUP))
    assert (caught.value.kind, caught.value.network_code) == (kind, code)
    assert len(httpserver.log) == 1


# -- unclear outcomes: MeWe can be neither keyed nor asked ---------------------------------
def test_a_timeout_on_the_post_is_unknown_and_nothing_can_be_looked_up(
    provider, httpserver, channel
):
    httpserver.expect_request(TIMELINE).respond_with_handler(
        slow_handler(lambda _: reply("post_created"))
    )
    provider.timeout = (1, 0.5)
    request = post_request(post_type="timeline")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert (provider.lookup, provider.idempotency) == ("none", "none")
    assert provider.find_existing(channel, request) is None
    assert provider.recent_posts(channel) == []
    drain(httpserver, 1)


def test_a_connection_dropped_mid_answer_is_unknown(provider, httpserver, channel):
    httpserver.expect_request(TIMELINE).respond_with_handler(
        dropped_handler(b'{"postItemId":"6', status=200)
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request(post_type="timeline"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_an_unreadable_success_page_is_unknown(provider, httpserver, channel):
    httpserver.expect_request(TIMELINE).respond_with_data(
        "<html>ok</html>", status=200, content_type="text/html"
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request(post_type="timeline"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- the groups look-up ----------------------------------------------------------------------
def test_the_group_setting_lists_every_page_of_groups(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/api/dev/groups", query_string="", headers=AUTH
    ).respond_with_response(reply("groups"))
    httpserver.expect_ordered_request(
        "/api/dev/groups", query_string={"page": "2"}, headers=AUTH
    ).respond_with_response(reply("groups_last"))
    assert provider.options("group", channel) == [
        {"value": "55f9dd29e4b050c69e693558", "label": "Makers of Acme"},
        {"value": "60ffe9492f19cd2677b0f1a5", "label": "Workshop Photography"},
        {"value": "61a0c2d4e4b0f1a2b3c4d5e6", "label": "Acme Customers"},
    ]


@pytest.mark.django_db
def test_looking_up_groups_keeps_them_on_the_channel_for_the_composer(provider, httpserver, org):
    httpserver.expect_request("/api/dev/groups").respond_with_response(reply("groups_last"))
    channel = ChannelFactory(
        organization=org,
        provider="mewe",
        external_id=ME["userId"],
        credentials={"access_token": TOKEN},
    )
    integration_run_tool(integration=channel, name="groups", data={})
    channel.refresh_from_db()
    assert [g["id"] for g in channel.meta["groups"]] == ["61a0c2d4e4b0f1a2b3c4d5e6"]
    kept = kept_setting_options(integration=channel, name="group")
    assert [o["label"] for o in kept.options] == ["Acme Customers"]


# -- the composer's checks -------------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in MeweProvider().validate(draft)]


def test_a_timeline_post_with_photos_has_nothing_to_fix():
    assert issues({"post_type": "timeline"}, media=[photo()]) == []


def test_a_group_post_needs_its_group():
    assert ("setting_required", "group") in issues({"post_type": "group"})
    assert issues({"post_type": "group", "group": GROUP}) == []


def test_posts_go_to_the_timeline_or_a_group_only():
    assert ("setting_invalid", "post_type") in issues({"post_type": "page"})


def test_only_photos_are_taken():
    video = MediaItem("video/mp4", 10, lambda: b"x")
    assert ("media_type", "media") in issues({"post_type": "timeline"}, media=[video])


def test_a_next_page_on_another_host_is_not_followed(provider, httpserver, channel):
    page = recorded("mewe", "groups_last")["body"]
    page["nextPage"] = "https://elsewhere.example/api/dev/groups?page=2"
    httpserver.expect_request("/api/dev/groups").respond_with_json(page)
    assert [g["id"] for g in provider.groups(channel)] == ["61a0c2d4e4b0f1a2b3c4d5e6"]
    assert len(httpserver.log) == 1
