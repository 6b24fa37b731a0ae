"""Lemmy flows against a local fake instance."""

import json
from pathlib import Path

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.lemmy import LemmyProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    slow_handler,
    truncated_handler,
)

HERE = Path(__file__).parent
JWT = json.loads((HERE / "fixtures" / "login.json").read_text())["body"]["jwt"]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def provider():
    return LemmyProvider()


@pytest.fixture
def origin(httpserver):
    return httpserver.url_for("/").rstrip("/")


@pytest.fixture
def channel(origin):
    return Channel(
        external_id="https://lemmy.example/u/alice",
        credentials={"jwt": JWT, "username_or_email": "alice", "password": PASSWORD},
        username="alice",
        meta={"instance": origin},
    )


def reply(name):
    return fixture_response(HERE, name)


def communities(*entries):
    return {"subreddit": [{"value": entry} for entry in entries]}


def assert_bearer(httpserver):
    for request, _ in httpserver.log:
        if request.path != "/api/v3/user/login":
            assert request.headers["Authorization"] == f"Bearer {JWT}"


def test_connect_logs_in_and_reads_the_profile(provider, httpserver, origin, captured_logs):
    httpserver.expect_ordered_request(
        "/api/v3/user/login",
        method="POST",
        json={"username_or_email": "alice", "password": PASSWORD, "totp_2fa_token": "123456"},
    ).respond_with_response(reply("login"))
    httpserver.expect_ordered_request("/api/v3/site", method="GET").respond_with_response(
        reply("site")
    )
    grant = provider.authenticate(
        {
            "instance": origin + "/",
            "username_or_email": "alice",
            "password": PASSWORD,
            "totp": "123456",
        }
    )
    httpserver.check_assertions()
    assert_bearer(httpserver)
    (account,) = provider.accounts(grant)
    assert grant.credentials == {"jwt": JWT, "username_or_email": "alice", "password": PASSWORD}
    assert grant.meta["instance"] == origin
    assert account.external_id == "https://lemmy.example/u/alice"
    assert account.name == "Alice A." and account.username == "alice"
    assert account.profile_url == "https://lemmy.example/u/alice"
    assert account.avatar_url.endswith("avatar.png")
    assert account.meta["instance"] == origin
    assert_no_secret(captured_logs, JWT, PASSWORD)


def test_connect_with_a_wrong_password_is_refused(provider, httpserver, origin, captured_logs):
    httpserver.expect_request("/api/v3/user/login").respond_with_response(reply("incorrect_login"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(
            {"instance": origin, "username_or_email": "alice", "password": PASSWORD}
        )
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert_no_secret(captured_logs, JWT, PASSWORD)


def test_connect_before_approval_says_so(provider, httpserver, origin):
    httpserver.expect_request("/api/v3/user/login").respond_with_response(reply("login_pending"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"instance": origin, "username_or_email": "a", "password": "b"})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "approval" in caught.value.user_message


def test_connect_needs_an_instance_address(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"instance": "", "username_or_email": "a", "password": "b"})
    assert caught.value.field == "instance"
    assert httpserver.log == []


def test_refresh_logs_in_again_with_the_stored_credentials(provider, httpserver, channel):
    channel.credentials["jwt"] = "stale"
    httpserver.expect_ordered_request(
        "/api/v3/user/login",
        method="POST",
        json={"username_or_email": "alice", "password": PASSWORD},
    ).respond_with_response(reply("login"))
    grant = provider.refresh(channel)
    httpserver.check_assertions()
    assert grant.credentials["jwt"] == JWT
    assert grant.credentials["password"] == PASSWORD


def test_refresh_with_a_changed_password_is_revoked(provider, httpserver, channel):
    httpserver.expect_request("/api/v3/user/login").respond_with_response(reply("incorrect_login"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_publish_looks_up_a_community_by_name_and_posts(
    provider, httpserver, channel, origin, captured_logs
):
    httpserver.expect_ordered_request(
        "/api/v3/community", method="GET", query_string="name=technology"
    ).respond_with_response(reply("community"))
    httpserver.expect_ordered_request(
        "/api/v3/post",
        method="POST",
        json={
            "name": "Hello Lemmy",
            "community_id": 15,
            "body": "Some text",
            "url": "https://example.org/article",
        },
    ).respond_with_response(reply("post"))
    request = PublishRequest(
        post_id="p",
        text="Some text",
        settings=communities(
            {
                "subreddit": "technology",
                "title": "Hello Lemmy",
                "url": "https://example.org/article",
            }
        ),
    )
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert_bearer(httpserver)
    assert result.ref.id == "1001"
    assert result.ref.url == f"{origin}/post/1001"
    assert result.ref.extra == {"post_ids": ["1001"]}
    assert_no_secret(captured_logs, JWT, PASSWORD)


def test_publish_to_several_communities_keeps_each_post(provider, httpserver, channel):
    bodies = []

    def handler(request):
        bodies.append(request.get_json())
        return reply("post" if len(bodies) == 1 else "post_second")

    httpserver.expect_request("/api/v3/post", method="POST").respond_with_handler(handler)
    request = PublishRequest(
        post_id="p",
        text="",
        settings=communities(
            {"id": 15, "title": "Hello Lemmy"}, {"id": 16, "title": "Hello Lemmy"}
        ),
    )
    result = provider.publish(channel, request)
    assert [b["community_id"] for b in bodies] == [15, 16]
    assert "body" not in bodies[0]
    assert result.ref.extra["post_ids"] == ["1001", "1002"]
    assert set(request.progress["lemmy_posts"]) == {"15", "16"}


def test_a_retry_skips_communities_already_posted(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/api/v3/post", method="POST", json={"name": "Hello Lemmy", "community_id": 16}
    ).respond_with_response(reply("post_second"))
    request = PublishRequest(
        post_id="p",
        text="",
        settings=communities(
            {"id": 15, "title": "Hello Lemmy"}, {"id": 16, "title": "Hello Lemmy"}
        ),
        progress={"lemmy_posts": {"15": {"id": 1001, "ap_id": ""}}},
    )
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    assert result.ref.extra["post_ids"] == ["1001", "1002"]


def test_an_image_is_uploaded_to_pictrs_and_used_as_the_link(provider, httpserver, channel, origin):
    seen = {}

    def upload(request):
        seen["files"] = [
            (k, f.filename, f.mimetype, f.read()) for k, f in request.files.items(multi=True)
        ]
        seen["auth"] = request.headers.get("Authorization")
        return reply("pictrs_upload")

    image_url = f"{origin}/pictrs/image/8a3f2c1e-1111-2222-3333-444455556666.png"
    httpserver.expect_ordered_request("/pictrs/image", method="POST").respond_with_handler(upload)
    httpserver.expect_ordered_request(
        "/api/v3/post",
        method="POST",
        json={"name": "Pic", "community_id": 15, "body": "Look", "url": image_url},
    ).respond_with_response(reply("post"))
    media = [MediaItem("image/png", 4, lambda: b"\x89PNG", filename="cat.png")]
    request = PublishRequest(
        post_id="p", text="Look", media=media, settings=communities({"id": 15, "title": "Pic"})
    )
    provider.publish(channel, request)
    httpserver.check_assertions()
    assert seen["files"] == [("images[]", "cat.png", "image/png", b"\x89PNG")]
    assert seen["auth"] == f"Bearer {JWT}"
    assert request.progress["lemmy_image_url"] == image_url


def test_with_a_link_and_an_image_the_image_goes_into_the_body(
    provider, httpserver, channel, origin
):
    seen = {}

    def post(request):
        seen.update(request.get_json())
        return reply("post")

    httpserver.expect_request("/api/v3/post").respond_with_handler(post)
    image_url = f"{origin}/pictrs/image/x.png"
    request = PublishRequest(
        post_id="p",
        text="Look",
        media=[MediaItem("image/png", 4, lambda: b"x", filename="cat.png")],
        settings=communities({"id": 15, "title": "Pic", "url": "https://example.org"}),
        progress={"lemmy_image_url": image_url},
    )
    provider.publish(channel, request)
    assert seen["url"] == "https://example.org"
    assert seen["body"] == f"![]({image_url})\n\nLook"


def test_thread_items_become_comments_on_the_root_post(provider, httpserver, channel, origin):
    httpserver.expect_ordered_request(
        "/api/v3/comment", method="POST", json={"content": "Second item", "post_id": 1001}
    ).respond_with_response(reply("comment"))
    root = RemoteRef(id="1001", extra={"post_ids": ["1001"]})
    result = provider.publish(
        channel, PublishRequest(post_id="p:1", text="Second item", reply_to=root, root=root)
    )
    httpserver.check_assertions()
    assert result.ref.id == "5001"
    assert result.ref.url == f"{origin}/comment/5001"
    assert result.ref.extra["kind"] == "comment"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("not_logged_in", ErrorKind.AUTH_EXPIRED),
        ("incorrect_login_401", ErrorKind.AUTH_EXPIRED),
        ("rate_limit", ErrorKind.RATE_LIMITED),
        ("couldnt_find_community", ErrorKind.NOT_FOUND),
        ("invalid_post_title", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_publish_errors_are_classified(provider, httpserver, channel, name, kind):
    httpserver.expect_request("/api/v3/post").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel,
            PublishRequest(post_id="p", text="x", settings=communities({"id": 15, "title": "T"})),
        )
    assert caught.value.kind == kind


def test_a_commit_that_times_out_is_unknown_and_found_by_title(provider, httpserver, channel):
    slow = slow_handler(lambda _: reply("post"))
    httpserver.expect_ordered_request("/api/v3/post").respond_with_handler(slow)
    provider.timeout = (1, 0.5)
    request = PublishRequest(
        post_id="p", text="Some text", settings=communities({"id": 15, "title": "Hello Lemmy"})
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    provider.timeout = (5, 30)
    httpserver.expect_ordered_request(
        "/api/v3/user", method="GET", query_string="username=alice&sort=New&limit=20"
    ).respond_with_response(reply("user_posts"))
    found = provider.find_existing(channel, request)
    httpserver.check_assertions()
    assert found.id == "1001"
    assert request.progress["lemmy_posts"]["15"]["id"] == 1001
    posts = [r for r, _ in httpserver.log if r.path == "/api/v3/post"]
    assert len(posts) == 1  # never a second commit


def test_lookup_finds_nothing_for_another_title(provider, httpserver, channel):
    httpserver.expect_request("/api/v3/user").respond_with_response(reply("user_posts"))
    request = PublishRequest(post_id="p", text="", settings=communities({"id": 15, "title": "New"}))
    assert provider.find_existing(channel, request) is None


def test_lookup_finds_a_comment(provider, httpserver, channel):
    httpserver.expect_request("/api/v3/user").respond_with_response(reply("user_posts"))
    root = RemoteRef(id="1001", extra={"post_ids": ["1001"]})
    request = PublishRequest(post_id="p:1", text="Second item", reply_to=root, root=root)
    assert provider.find_existing(channel, request).id == "5001"


def test_a_502_on_the_commit_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request("/api/v3/post").respond_with_response(reply("server_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel,
            PublishRequest(post_id="p", text="x", settings=communities({"id": 15, "title": "T"})),
        )
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_a_502_on_the_image_upload_is_transient(provider, httpserver, channel):
    httpserver.expect_request("/pictrs/image").respond_with_response(reply("server_error"))
    media = [MediaItem("image/png", 4, lambda: b"x", filename="cat.png")]
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel,
            PublishRequest(
                post_id="p", text="x", media=media, settings=communities({"id": 15, "title": "T"})
            ),
        )
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_a_connection_closed_mid_response_is_an_unknown_outcome(provider, httpserver, channel):
    truncated = truncated_handler(b'{"post_view": {"post": {"id": 10')
    httpserver.expect_request("/api/v3/post").respond_with_handler(truncated)
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel,
            PublishRequest(post_id="p", text="x", settings=communities({"id": 15, "title": "T"})),
        )
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1
