"""Slack flows against a local fake: exact requests, threads, files, reconciliation."""

import json
from pathlib import Path

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    Grant,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.slack import SlackProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)
from tests.providers.streaming import streamed_only

HERE = Path(__file__).parent
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SECRET = "slack-client-secret-value"


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "SLACK_CLIENT_ID": "4b39e9-752c4",
        "SLACK_CLIENT_SECRET": SECRET,
    }
    point(settings, httpserver, "slack", auth="/oauth/v2", api="/api")
    return SlackProvider()


@pytest.fixture
def channel():
    return Channel(
        external_id="T9TK3CUKW:C012AB3CD",
        credentials={"access_token": TOKEN},
        meta={"team_id": "T9TK3CUKW", "channel_id": "C012AB3CD", "team_name": "Softball"},
    )


def reply(name):
    return fixture_response(HERE, name)


def bearer(token):
    def check(request):
        assert request.headers.get("Authorization") == f"Bearer {token}"

    return check


def test_authorization_url_asks_for_comma_separated_bot_scopes(provider):
    url = provider.authorization_url(state="st", redirect_uri="https://app.example/cb")
    assert url.startswith(provider.endpoint("auth") + "/authorize?")
    assert "client_id=4b39e9-752c4" in url
    assert "scope=chat%3Awrite%2Cchat%3Awrite.public%2Cfiles%3Awrite%2Cchannels%3Aread" in url
    assert "state=st" in url and "redirect_uri=https%3A%2F%2Fapp.example%2Fcb" in url


def test_exchange_returns_the_bot_token_and_team(provider, httpserver, captured_logs):
    httpserver.expect_ordered_request(
        "/api/oauth.v2.access",
        method="POST",
        data="code=c0de&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&client_id=4b39e9-752c4"
        f"&client_secret={SECRET}",
    ).respond_with_response(reply("oauth_access"))
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.example/cb")
    httpserver.check_assertions()
    assert grant.credentials == {"access_token": TOKEN}
    assert grant.expires_at is None
    assert grant.meta["team_id"] == "T9TK3CUKW"
    assert "chat:write" in grant.scopes
    assert_no_secret(captured_logs, TOKEN, SECRET)


def test_exchange_with_token_rotation_keeps_the_refresh_token(provider, httpserver):
    httpserver.expect_request("/api/oauth.v2.access").respond_with_response(
        reply("oauth_access_rotating")
    )
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.example/cb")
    assert grant.credentials["refresh_token"] == "xoxe-1-My0xLTIyOTI3Njc1NjIzMDctcm90YXRlZA"
    assert grant.expires_at is not None


def test_refresh_rotates_both_tokens(provider, httpserver, channel, captured_logs):
    channel.credentials = {"access_token": "xoxe.xoxb-old", "refresh_token": "xoxe-1-OLD"}
    httpserver.expect_ordered_request(
        "/api/oauth.v2.access",
        method="POST",
        data=f"grant_type=refresh_token&refresh_token=xoxe-1-OLD&client_id=4b39e9-752c4"
        f"&client_secret={SECRET}",
    ).respond_with_response(reply("oauth_refreshed"))
    grant = provider.refresh(channel)
    httpserver.check_assertions()
    assert grant.credentials == {
        "access_token": "xoxe.xoxb-1-NEWACCESSTOKENVALUE",
        "refresh_token": "xoxe-1-NEWREFRESHTOKENVALUE",
    }
    assert grant.expires_at is not None
    assert_no_secret(captured_logs, "xoxe-1-OLD", "NEWACCESSTOKENVALUE", SECRET)


def test_refresh_with_a_dead_refresh_token_is_revoked(provider, httpserver, channel):
    channel.credentials = {"access_token": "xoxe.xoxb-old", "refresh_token": "xoxe-1-OLD"}
    httpserver.expect_request("/api/oauth.v2.access").respond_with_response(
        reply("err_invalid_refresh_token")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_refresh_without_rotation_asks_to_reconnect(provider, channel, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert httpserver.log == []


def test_accounts_list_public_channels_across_pages(provider, httpserver):
    httpserver.expect_ordered_request(
        "/api/conversations.list",
        method="GET",
        query_string="types=public_channel&exclude_archived=true&limit=200",
    ).respond_with_response(reply("conversations_list_page1"))
    httpserver.expect_ordered_request(
        "/api/conversations.list",
        method="GET",
        query_string="types=public_channel&exclude_archived=true&limit=200"
        "&cursor=dGVhbTpDMDYxRkE1UEI%3D",
    ).respond_with_response(reply("conversations_list_page2"))
    grant = Grant(
        credentials={"access_token": TOKEN},
        meta={"team_id": "T9TK3CUKW", "team_name": "Slack Softball Team"},
    )
    accounts = provider.accounts(grant)
    httpserver.check_assertions()
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [(a.external_id, a.name) for a in accounts] == [
        ("T9TK3CUKW:C012AB3CD", "#general"),
        ("T9TK3CUKW:C061EG9T2", "#random"),
    ]
    assert accounts[0].meta == {
        "team_id": "T9TK3CUKW",
        "channel_id": "C012AB3CD",
        "team_name": "Slack Softball Team",
    }


def test_publish_text_carries_the_post_marker_and_fetches_the_permalink(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_ordered_request(
        "/api/chat.postMessage",
        method="POST",
        json={
            "channel": "C012AB3CD",
            "text": "Hello Slack",
            "metadata": {"event_type": "scheduled_post", "event_payload": {"post_id": "post-42"}},
        },
    ).respond_with_response(reply("post_message"))
    httpserver.expect_ordered_request(
        "/api/chat.getPermalink",
        method="GET",
        query_string="channel=C012AB3CD&message_ts=1503435956.000247",
    ).respond_with_response(reply("permalink"))
    result = provider.publish(channel, PublishRequest(post_id="post-42", text="Hello Slack"))
    httpserver.check_assertions()
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert result.ref.id == "1503435956.000247"
    assert result.ref.url == "https://ghostbusters.slack.com/archives/C012AB3CD/p1503435956000247"
    assert result.ref.extra == {"channel": "C012AB3CD", "thread_ts": "1503435956.000247"}
    assert_no_secret(captured_logs, TOKEN)


def test_a_failing_permalink_does_not_fail_the_post(provider, httpserver, channel):
    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_response(
        reply("post_message")
    )
    httpserver.expect_ordered_request("/api/chat.getPermalink").respond_with_response(
        reply("server_error")
    )
    result = provider.publish(channel, PublishRequest(post_id="p", text="Hello"))
    assert result.ref.id == "1503435956.000247" and result.ref.url == ""


def test_the_channel_setting_picks_another_channel_of_the_workspace(provider, httpserver, channel):
    seen = {}

    def handler(request):
        seen.update(request.get_json())
        return reply("post_message")

    httpserver.expect_request("/api/chat.postMessage").respond_with_handler(handler)
    httpserver.expect_request("/api/chat.getPermalink").respond_with_response(reply("permalink"))
    provider.publish(
        channel, PublishRequest(post_id="p", text="Hi", settings={"channel": "C061EG9T2"})
    )
    assert seen["channel"] == "C061EG9T2"


def test_replies_hang_off_the_first_message_of_the_thread(provider, httpserver, channel):
    bodies = []

    def handler(request):
        bodies.append(request.get_json())
        return reply("post_reply")

    httpserver.expect_request("/api/chat.postMessage").respond_with_handler(handler)
    httpserver.expect_request("/api/chat.getPermalink").respond_with_response(reply("permalink"))
    root = RemoteRef(id="1503435956.000247", extra={"thread_ts": "1503435956.000247"})
    second = provider.publish(
        channel, PublishRequest(post_id="p:1", text="Second", reply_to=root, root=root)
    )
    # The third item replies to the second, which is itself a reply: still the root's ts.
    provider.publish(
        channel, PublishRequest(post_id="p:2", text="Third", reply_to=second.ref, root=root)
    )
    assert [b["thread_ts"] for b in bodies] == ["1503435956.000247", "1503435956.000247"]
    assert second.ref.extra["thread_ts"] == "1503435956.000247"


def media_items():
    return [
        MediaItem("image/png", 4, lambda: b"\x89PNG", filename="photo.png", alt_text="A cat"),
    ]


def upload_ticket(httpserver):
    body = json.loads((HERE / "fixtures" / "upload_url.json").read_text())["body"]
    body["upload_url"] = httpserver.url_for("/files/upload/v1/CwABAAAAXAoAAZu2kKm6v4GFFnL9-AAAA")
    return body


def test_files_are_uploaded_then_shared_with_the_text(provider, httpserver, channel, captured_logs):
    seen = {}

    def upload(request):
        seen["bytes"] = request.get_data()
        return Response("OK - 4", content_type="text/plain")

    def complete(request):
        seen["complete"] = request.form.to_dict()
        return reply("complete_upload")

    httpserver.expect_ordered_request(
        "/api/files.getUploadURLExternal",
        method="POST",
        data="filename=photo.png&length=4&alt_txt=A+cat",
    ).respond_with_json(upload_ticket(httpserver))
    httpserver.expect_ordered_request(
        "/files/upload/v1/CwABAAAAXAoAAZu2kKm6v4GFFnL9-AAAA", method="POST"
    ).respond_with_handler(upload)
    httpserver.expect_ordered_request(
        "/api/files.completeUploadExternal", method="POST"
    ).respond_with_handler(complete)
    httpserver.expect_ordered_request("/api/chat.getPermalink").respond_with_response(
        reply("permalink")
    )
    request = PublishRequest(post_id="p", text="Look at this", media=media_items())
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert seen["bytes"] == b"\x89PNG"
    assert seen["complete"] == {
        "files": json.dumps([{"id": "F123ABC456", "title": "photo.png"}]),
        "channel_id": "C012AB3CD",
        "initial_comment": "Look at this",
    }
    assert result.ref.id == "1503435970.000400"
    assert request.progress["slack_files"] == [{"id": "F123ABC456", "title": "photo.png"}]
    assert_no_secret(captured_logs, TOKEN, "CwABAAAAXAoAAZu2kKm6v4GFFnL9")


def test_a_video_is_uploaded_from_its_stream_never_read_whole(provider, httpserver, channel):
    video = bytes(range(256)) * 1200  # 300 KB; no single read may take more than 64 KB
    seen = {}

    def upload(request):
        seen["bytes"] = request.get_data()
        seen["length"] = request.headers.get("Content-Length")
        return Response("OK - 307200", content_type="text/plain")

    httpserver.expect_ordered_request(
        "/api/files.getUploadURLExternal",
        method="POST",
        data=f"filename=launch.mp4&length={len(video)}",
    ).respond_with_json(upload_ticket(httpserver))
    httpserver.expect_ordered_request(
        "/files/upload/v1/CwABAAAAXAoAAZu2kKm6v4GFFnL9-AAAA", method="POST"
    ).respond_with_handler(upload)
    httpserver.expect_ordered_request(
        "/api/files.completeUploadExternal", method="POST"
    ).respond_with_response(reply("complete_upload"))
    httpserver.expect_ordered_request("/api/chat.getPermalink").respond_with_response(
        reply("permalink")
    )
    item = streamed_only(video, filename="launch.mp4")
    provider.publish(channel, PublishRequest(post_id="p", text="Launch", media=[item]))
    httpserver.check_assertions()
    assert seen == {"bytes": video, "length": str(len(video))}


def test_a_retry_reuses_files_uploaded_before(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/api/files.completeUploadExternal", method="POST"
    ).respond_with_response(reply("complete_upload_unshared"))
    request = PublishRequest(
        post_id="p",
        text="Look",
        media=media_items(),
        progress={"slack_files": [{"id": "F123ABC456", "title": "photo.png"}]},
    )
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    # Slack had not shared the file yet: no ts, the file's permalink instead.
    assert result.ref.id == ""
    assert result.ref.url.endswith("/F123ABC456/photo.png")


def test_a_file_reply_is_shared_into_the_thread(provider, httpserver, channel):
    seen = {}

    def complete(request):
        seen.update(request.form.to_dict())
        return reply("complete_upload")

    httpserver.expect_request("/api/files.completeUploadExternal").respond_with_handler(complete)
    httpserver.expect_request("/api/chat.getPermalink").respond_with_response(reply("permalink"))
    root = RemoteRef(id="1503435956.000247")
    provider.publish(
        channel,
        PublishRequest(
            post_id="p:1",
            text="",
            media=media_items(),
            reply_to=root,
            root=root,
            progress={"slack_files": [{"id": "F1", "title": "x"}]},
        ),
    )
    assert seen["thread_ts"] == "1503435956.000247"
    assert "initial_comment" not in seen


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("err_token_expired", ErrorKind.AUTH_EXPIRED),
        ("err_channel_not_found", ErrorKind.NOT_FOUND),
        ("err_msg_too_long", ErrorKind.CONTENT_REJECTED),
        ("err_not_in_channel", ErrorKind.PERMISSION_DENIED),
        ("rate_limited", ErrorKind.RATE_LIMITED),
    ],
)
def test_publish_errors_are_classified(provider, httpserver, channel, name, kind):
    httpserver.expect_request("/api/chat.postMessage").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == kind
    assert len(httpserver.log) == 1


def test_a_commit_that_times_out_is_unknown_and_reconciled_by_marker(provider, httpserver, channel):
    slow = slow_handler(lambda _: reply("post_message"))
    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_handler(slow)
    provider.timeout = (1, 0.5)
    request = PublishRequest(post_id="post-42", text="Hello Slack")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    provider.timeout = (5, 30)
    httpserver.expect_ordered_request(
        "/api/conversations.history",
        method="GET",
        query_string="channel=C012AB3CD&include_all_metadata=true&limit=100",
    ).respond_with_response(reply("history"))
    httpserver.expect_ordered_request("/api/chat.getPermalink").respond_with_response(
        reply("permalink")
    )
    found = provider.find_existing(channel, request)
    httpserver.check_assertions()
    assert found.id == "1503435956.000247"
    posts = [r for r, _ in httpserver.log if r.path == "/api/chat.postMessage"]
    assert len(posts) == 1  # never a second commit


def test_a_502_on_the_commit_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request("/api/chat.postMessage").respond_with_response(reply("server_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_a_connection_closed_mid_response_is_an_unknown_outcome(provider, httpserver, channel):
    truncated = truncated_handler(b'{"ok": true, "ts": "15')
    httpserver.expect_request("/api/chat.postMessage").respond_with_handler(truncated)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_a_reply_is_looked_up_in_its_thread(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/api/conversations.replies",
        query_string="channel=C012AB3CD&include_all_metadata=true&limit=100&ts=1503435956.000247",
    ).respond_with_json({"ok": True, "messages": [], "has_more": False})
    root = RemoteRef(id="1503435956.000247")
    request = PublishRequest(post_id="p:1", text="Second", reply_to=root, root=root)
    assert provider.find_existing(channel, request) is None
    httpserver.check_assertions()


def test_lookup_ignores_other_posts(provider, httpserver, channel):
    httpserver.expect_request("/api/conversations.history").respond_with_response(reply("history"))
    assert provider.find_existing(channel, PublishRequest(post_id="other", text="x")) is None
