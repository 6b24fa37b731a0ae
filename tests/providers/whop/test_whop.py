"""Whop (REST API v1) against a local fake answering with the shapes of Whop's official
SDK (generated from its OpenAPI spec) and its ``{"error": {"status", "message"}}`` body."""

import json
from pathlib import Path

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.whop import WhopProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
KEY = "apik_7bZ2kL9qX4mN8pR1sT6vW3yA5cE0dF"
COMPANY = "biz_6bZUIbghyEtOzp"
FORUM = "exp_Fr0mForumA1"
CHAT = "exp_Ch4tGeneral2"


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "whop", api="/api/v1")
    found = WhopProvider()
    found.file_poll_interval = 0
    return found


@pytest.fixture
def channel():
    return Channel(external_id=COMPANY, credentials={"api_key": KEY}, username="acme-academy")


def reply(name):
    return fixture_response(HERE, name)


def file_created(httpserver):
    data = json.loads((HERE / "fixtures" / "file_created.json").read_text())
    body = json.dumps(data["body"]).replace("{origin}", httpserver.url_for("").rstrip("/"))
    return Response(body, status=data["status"], headers={"Content-Type": "application/json"})


def post_request(text="Launch day at Acme", media=(), **settings):
    return PublishRequest(
        post_id="p", text=text, media=list(media), settings={"experience": FORUM, **settings}
    )


def bearer_calls(httpserver):
    return [r for r, _ in httpserver.log if not r.path.startswith("/upload/")]


# -- connecting ---------------------------------------------------------------------------
def test_connect_reads_the_company_with_its_api_key(provider, httpserver, captured_logs):
    httpserver.expect_request(
        f"/api/v1/companies/{COMPANY}", headers={"Authorization": f"Bearer {KEY}"}
    ).respond_with_response(reply("company"))
    grant = provider.authenticate({"api_key": KEY, "company_id": f" {COMPANY} "})
    (account,) = provider.accounts(grant)
    assert (account.external_id, account.name, account.username) == (
        COMPANY,
        "Acme Academy",
        "acme-academy",
    )
    assert account.profile_url == "https://whop.com/acme-academy/"
    assert grant.credentials == {"api_key": KEY}
    assert_no_secret(captured_logs, KEY)


def test_a_company_id_must_look_like_one_before_anything_is_sent(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY, "company_id": "acme-academy"})
    assert caught.value.field == "company_id" and "biz_" in caught.value.user_message
    assert httpserver.log == []


def test_a_refused_key_asks_for_a_new_one(provider, httpserver):
    httpserver.expect_request(f"/api/v1/companies/{COMPANY}").respond_with_response(
        reply("unauthorized")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY, "company_id": COMPANY})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Make a new company API key" in caught.value.user_message


# -- publishing ---------------------------------------------------------------------------
def test_a_forum_post_carries_title_text_pin_and_mention(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/forum_posts",
        method="POST",
        json={
            "experience_id": FORUM,
            "content": "Launch day at Acme",
            "title": "Launch day",
            "pinned": True,
            "is_mention": True,
        },
    ).respond_with_response(reply("forum_post_created"))
    result = provider.publish(channel, post_request(title="Launch day", pinned=True, mention=True))
    httpserver.check_assertions()
    assert result.ref.id == "post_1CsJ8fWq9zQmA" and result.raw["kind"] == "forum"
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in bearer_calls(httpserver))


def test_a_chat_message_goes_to_the_chat_experience(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/messages",
        method="POST",
        json={"channel_id": CHAT, "content": "Launch day at Acme"},
    ).respond_with_response(reply("message_created"))
    result = provider.publish(
        channel, post_request(experience={"value": CHAT, "label": "General chat"}, kind="chat")
    )
    httpserver.check_assertions()
    assert result.ref.id == "msg_7Hd2LpQ9cX4vN"


def test_library_files_are_uploaded_once_and_attached_when_ready(provider, httpserver, channel):
    puts, posts = [], []
    statuses = iter(["file_processing", "file_ready", "file_ready"])

    def put(request):
        puts.append((request.headers["Content-Type"], request.get_data()))
        return Response("", status=200)

    def forum(request):
        posts.append(request.get_json())
        return reply("rate_limited" if len(posts) == 1 else "forum_post_created")

    httpserver.expect_request(
        "/api/v1/files", method="POST", json={"filename": "bench.png"}
    ).respond_with_response(file_created(httpserver))
    httpserver.expect_request("/upload/bench.png", method="PUT").respond_with_handler(put)
    httpserver.expect_request("/api/v1/files/file_Ab12Cd34Ef56").respond_with_handler(
        lambda _: reply(next(statuses))
    )
    httpserver.expect_request("/api/v1/forum_posts", method="POST").respond_with_handler(forum)
    media = [MediaItem("image/png", 3, lambda: b"png", filename="bench.png")]
    request = post_request(media=media)

    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    provider.publish(channel, request)

    assert puts == [("image/png", b"png")]
    assert request.progress["whop_files"] == ["file_Ab12Cd34Ef56"]
    assert posts[1]["attachments"] == [{"id": "file_Ab12Cd34Ef56"}]
    # The presigned address gets no API key.
    upload = next(r for r, _ in httpserver.log if r.path.startswith("/upload/"))
    assert "Authorization" not in upload.headers


def test_a_file_whop_cannot_process_fails_the_post_before_it_is_sent(provider, httpserver, channel):
    httpserver.expect_request("/api/v1/files", method="POST").respond_with_response(
        file_created(httpserver)
    )
    httpserver.expect_request("/upload/bench.png", method="PUT").respond_with_data("")
    httpserver.expect_request("/api/v1/files/file_Ab12Cd34Ef56").respond_with_response(
        reply("file_failed")
    )
    media = [MediaItem("image/png", 3, lambda: b"png", filename="bench.png")]
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request(media=media))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert not any(r.path == "/api/v1/forum_posts" for r, _ in httpserver.log)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED),
        ("forbidden", ErrorKind.PERMISSION_DENIED),
        ("not_found", ErrorKind.NOT_FOUND),
        ("rate_limited", ErrorKind.RATE_LIMITED),
        ("invalid", ErrorKind.CONTENT_REJECTED),
        ("bad_gateway", ErrorKind.UNKNOWN_OUTCOME),
    ],
)
def test_publish_errors_are_classified_from_whops_bodies(provider, httpserver, channel, name, kind):
    httpserver.expect_request("/api/v1/forum_posts").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert caught.value.kind == kind
    assert len(httpserver.log) == 1


def test_a_missing_permission_says_which_to_give_the_key(provider, httpserver, channel):
    httpserver.expect_request("/api/v1/forum_posts").respond_with_response(reply("forbidden"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, post_request())
    assert "forum:post:create" in caught.value.user_message
    assert "required permissions" in caught.value.user_message


# -- unclear outcomes: the experience is read, never a blind resend -----------------------
def test_a_timeout_on_the_forum_post_is_unknown_then_found_by_text_and_title(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/forum_posts", method="POST").respond_with_handler(
        slow_handler(lambda _: reply("forum_post_created"))
    )
    provider.timeout = (1, 0.5)
    request = post_request(title="Launch day")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    httpserver.expect_request(
        "/api/v1/forum_posts",
        method="GET",
        query_string={"experience_id": FORUM, "first": "20"},
    ).respond_with_response(reply("forum_posts"))
    assert provider.find_existing(channel, request).id == "post_1CsJ8fWq9zQmA"


def test_a_connection_closed_mid_answer_is_unknown_and_an_absent_post_stays_unfound(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/forum_posts", method="POST").respond_with_handler(
        truncated_handler(b'{"id":"post_1Cs')
    )
    request = post_request(title="Launch day")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_request("/api/v1/forum_posts", method="GET").respond_with_response(
        reply("forum_posts_without")
    )
    assert provider.find_existing(channel, request) is None


def test_a_502_on_a_chat_message_is_unknown_then_found_among_the_newest_messages(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v1/messages", method="POST").respond_with_response(
        reply("bad_gateway")
    )
    request = post_request(experience=CHAT, kind="chat")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_request(
        "/api/v1/messages",
        method="GET",
        query_string={"channel_id": CHAT, "first": "20", "direction": "desc"},
    ).respond_with_response(reply("messages"))
    assert provider.find_existing(channel, request).id == "msg_7Hd2LpQ9cX4vN"


# -- look-ups -----------------------------------------------------------------------------
def test_the_experience_setting_lists_the_companys_experiences(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v1/experiences", query_string={"company_id": COMPANY, "first": "100"}
    ).respond_with_response(reply("experiences"))
    assert provider.run_tool(channel, "experiences", {}) == [
        {"id": FORUM, "name": "Announcements", "app": "Forums"},
        {"id": CHAT, "name": "General chat", "app": "Chat"},
    ]


# -- the composer's checks ----------------------------------------------------------------
def issues(settings, text="Body", media=()):
    draft = Draft(items=[DraftItem(text=text, media=list(media))], settings=settings)
    return [(i.code, i.field) for i in WhopProvider().validate(draft)]


def test_a_complete_post_has_nothing_to_fix():
    assert issues({"experience": FORUM, "title": "Launch", "pinned": True}) == []
    assert issues({"experience": CHAT, "kind": "chat"}) == []


def test_a_post_needs_an_experience_of_the_company():
    assert ("setting_required", "experience") in issues({})
    assert ("setting_invalid", "experience") in issues({"experience": "announcements"})


def test_a_chat_message_takes_no_title_pin_or_mention():
    found = issues({"experience": CHAT, "kind": "chat", "title": "x", "pinned": True})
    assert ("setting_invalid", "title") in found and ("setting_invalid", "pinned") in found


def test_whop_takes_images_and_videos_only():
    pdf = MediaItem("application/pdf", 3, lambda: b"pdf")
    assert ("media_type", "media") in issues({"experience": FORUM}, media=[pdf])
