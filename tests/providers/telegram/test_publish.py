"""Telegram flows against a local fake: connect checks, text, media, replies, failures."""

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
from integrations.providers.telegram import TelegramChatMigrated, TelegramProvider
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
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
BASE = f"/bot{TOKEN}"


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "telegram", api="/")
    return TelegramProvider()


@pytest.fixture
def channel():
    return Channel(
        external_id="-1001234567890",
        credentials={"bot_token": TOKEN},
        username="@postiznews",
        meta={"chat_id": "-1001234567890", "chat_type": "channel"},
    )


def reply(name):
    return fixture_response(HERE, name)


def expect_connect(httpserver, chat="get_chat_channel", member="member_admin"):
    httpserver.expect_ordered_request(f"{BASE}/getMe", method="POST").respond_with_response(
        reply("get_me")
    )
    httpserver.expect_ordered_request(
        f"{BASE}/getChat", method="POST", json={"chat_id": "@postiznews"}
    ).respond_with_response(reply(chat))
    chat_id = json.loads((HERE / "fixtures" / f"{chat}.json").read_text())["body"]["result"]["id"]
    httpserver.expect_ordered_request(
        f"{BASE}/getChatMember", method="POST", json={"chat_id": chat_id, "user_id": 7012345678}
    ).respond_with_response(reply(member))


def test_connect_checks_the_token_the_chat_and_the_bots_rights(provider, httpserver, captured_logs):
    expect_connect(httpserver)
    grant = provider.authenticate({"bot_token": f" {TOKEN} ", "chat": "https://t.me/postiznews"})
    httpserver.check_assertions()
    (account,) = provider.accounts(grant)
    assert grant.credentials == {"bot_token": TOKEN}
    assert account.external_id == "-1001234567890"
    assert account.name == "Postiz News"
    assert account.username == "@postiznews"
    assert account.profile_url == "https://t.me/postiznews"
    assert account.meta == {"chat_id": "-1001234567890", "chat_type": "channel"}
    assert_no_secret(captured_logs, TOKEN, TOKEN.split(":")[1])


def test_connect_to_a_group_where_the_bot_is_a_member(provider, httpserver):
    expect_connect(httpserver, chat="get_chat_group", member="member_member")
    grant = provider.authenticate({"bot_token": TOKEN, "chat": "@postiznews"})
    (account,) = provider.accounts(grant)
    assert account.kind == "chat" and account.username == "" and account.profile_url == ""


@pytest.mark.parametrize(
    ("chat", "member", "phrase"),
    [
        ("get_chat_channel", "member_left", "Add @postiz_test_bot as an administrator"),
        ("get_chat_channel", "member_member", "Add @postiz_test_bot as an administrator"),
        ("get_chat_channel", "member_admin_cannot_post", "turn on “Post messages”"),
        ("get_chat_group", "member_left", "Add @postiz_test_bot to the group"),
        ("get_chat_group", "member_restricted", "muted"),
    ],
)
def test_connect_explains_missing_rights(provider, httpserver, chat, member, phrase):
    expect_connect(httpserver, chat=chat, member=member)
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"bot_token": TOKEN, "chat": "@postiznews"})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert phrase in caught.value.user_message
    assert caught.value.field == "chat"


def test_connect_to_an_unknown_chat_says_to_add_the_bot(provider, httpserver):
    httpserver.expect_ordered_request(f"{BASE}/getMe").respond_with_response(reply("get_me"))
    httpserver.expect_ordered_request(f"{BASE}/getChat").respond_with_response(
        reply("chat_not_found")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"bot_token": TOKEN, "chat": "@postiznews"})
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "@postiz_test_bot" in caught.value.user_message


def test_connect_with_a_revoked_token(provider, httpserver, captured_logs):
    httpserver.expect_request(f"{BASE}/getMe").respond_with_response(reply("unauthorized"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"bot_token": TOKEN, "chat": "@postiznews"})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert_no_secret(captured_logs, TOKEN, TOKEN.split(":")[1])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bot_token": "nope", "chat": "@postiznews"}, "bot_token"),
        ({"bot_token": TOKEN, "chat": "not a chat"}, "chat"),
    ],
)
def test_connect_rejects_malformed_input_without_calling_telegram(
    provider, httpserver, fields, field
):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(fields)
    assert caught.value.field == field
    assert httpserver.log == []


def test_publish_text(provider, httpserver, channel, captured_logs):
    httpserver.expect_ordered_request(
        f"{BASE}/sendMessage",
        method="POST",
        json={
            "chat_id": "-1001234567890",
            "text": "Hello Telegram",
            "link_preview_options": {"is_disabled": False},
        },
    ).respond_with_response(reply("send_message"))
    result = provider.publish(channel, PublishRequest(post_id="p", text="Hello Telegram"))
    httpserver.check_assertions()
    assert result.ref.id == "42"
    assert result.ref.url == "https://t.me/postiznews/42"
    assert_no_secret(captured_logs, TOKEN, TOKEN.split(":")[1])


def test_a_reply_names_its_parent_and_previews_can_be_off(provider, httpserver, channel):
    channel.preferences = {"link_preview": False}
    httpserver.expect_ordered_request(
        f"{BASE}/sendMessage",
        json={
            "chat_id": "-1001234567890",
            "text": "Second",
            "link_preview_options": {"is_disabled": True},
            "reply_parameters": {"message_id": 42},
        },
    ).respond_with_response(reply("send_message_reply"))
    parent = RemoteRef(id="42")
    result = provider.publish(
        channel, PublishRequest(post_id="p:1", text="Second", reply_to=parent, root=parent)
    )
    httpserver.check_assertions()
    assert result.ref.id == "44"


def test_private_chats_link_through_t_me_c(provider, httpserver, channel):
    channel.username = ""
    httpserver.expect_request(f"{BASE}/sendMessage").respond_with_response(reply("send_message"))
    result = provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert result.ref.url == "https://t.me/c/1234567890/42"


def photo():
    return MediaItem("image/png", 4, lambda: b"\x89PNG", filename="a.png")


VIDEO = b"abcdef" * 50_000  # 300 KB


def video():
    # read() fails the test and no read may take more than 64 KB: videos are streamed.
    return streamed_only(VIDEO, filename="b.mp4")


def test_one_photo_is_sent_with_its_caption(provider, httpserver, channel):
    seen = {}

    def handler(request):
        seen["form"] = request.form.to_dict()
        seen["files"] = {k: (f.filename, f.mimetype, f.read()) for k, f in request.files.items()}
        return reply("send_photo")

    httpserver.expect_ordered_request(f"{BASE}/sendPhoto", method="POST").respond_with_handler(
        handler
    )
    parent = RemoteRef(id="42")
    result = provider.publish(
        channel, PublishRequest(post_id="p", text="A photo", media=[photo()], reply_to=parent)
    )
    httpserver.check_assertions()
    assert seen["form"] == {
        "chat_id": "-1001234567890",
        "caption": "A photo",
        "reply_parameters": json.dumps({"message_id": 42}),
    }
    assert seen["files"] == {"photo": ("a.png", "image/png", b"\x89PNG")}
    assert result.ref.id == "43" and result.ref.url == "https://t.me/postiznews/43"


def test_one_video_is_streamed_to_send_video(provider, httpserver, channel):
    seen = {}

    def handler(request):
        seen["form"] = request.form.to_dict()
        seen["files"] = {k: (f.filename, f.mimetype, f.read()) for k, f in request.files.items()}
        return reply("send_photo")

    httpserver.expect_ordered_request(f"{BASE}/sendVideo", method="POST").respond_with_handler(
        handler
    )
    provider.publish(channel, PublishRequest(post_id="p", text="Watch", media=[video()]))
    httpserver.check_assertions()
    assert seen["form"] == {"chat_id": "-1001234567890", "caption": "Watch"}
    assert seen["files"] == {"video": ("b.mp4", "video/mp4", VIDEO)}


def test_several_files_become_an_album(provider, httpserver, channel):
    seen = {}

    def handler(request):
        seen["media"] = json.loads(request.form["media"])
        seen["files"] = sorted(request.files)
        seen["video"] = request.files["file1"].read()
        return reply("send_media_group")

    httpserver.expect_ordered_request(f"{BASE}/sendMediaGroup").respond_with_handler(handler)
    result = provider.publish(
        channel, PublishRequest(post_id="p", text="Album", media=[photo(), video()])
    )
    httpserver.check_assertions()
    assert seen["media"] == [
        {"type": "photo", "media": "attach://file0", "caption": "Album"},
        {"type": "video", "media": "attach://file1"},
    ]
    assert seen["files"] == ["file0", "file1"]
    assert seen["video"] == VIDEO
    assert result.ref.id == "50" and result.ref.extra["message_ids"] == ["50", "51"]


def test_text_longer_than_a_caption_follows_the_media_as_a_reply(provider, httpserver, channel):
    long_text = "é" * 1025
    seen = {}

    def media_handler(request):
        seen["form"] = request.form.to_dict()
        return reply("send_photo")

    httpserver.expect_ordered_request(f"{BASE}/sendPhoto").respond_with_handler(media_handler)
    httpserver.expect_ordered_request(
        f"{BASE}/sendMessage",
        json={
            "chat_id": "-1001234567890",
            "text": long_text,
            "link_preview_options": {"is_disabled": False},
            "reply_parameters": {"message_id": 43},
        },
    ).respond_with_response(reply("send_message_reply"))
    request = PublishRequest(post_id="p", text=long_text, media=[photo()])
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert "caption" not in seen["form"]
    assert result.ref.id == "43"
    assert result.ref.extra["text_message_id"] == "44"
    assert request.progress["telegram_media_message_ids"] == ["43"]


def test_a_retry_after_the_media_went_out_sends_only_the_text(provider, httpserver, channel):
    long_text = "x" * 2000
    httpserver.expect_ordered_request(f"{BASE}/sendMessage").respond_with_response(
        reply("send_message_reply")
    )
    request = PublishRequest(
        post_id="p",
        text=long_text,
        media=[photo()],
        progress={"telegram_media_message_ids": ["43"]},
    )
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    assert result.ref.id == "43"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED),
        ("rate_limited", ErrorKind.RATE_LIMITED),
        ("not_member", ErrorKind.PERMISSION_DENIED),
        ("chat_not_found", ErrorKind.NOT_FOUND),
        ("too_long", ErrorKind.CONTENT_REJECTED),
        ("cant_parse", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_publish_errors_are_classified(provider, httpserver, channel, name, kind, captured_logs):
    httpserver.expect_request(f"{BASE}/sendMessage").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == kind
    assert_no_secret(captured_logs, TOKEN, TOKEN.split(":")[1])


def test_an_upgraded_group_reports_its_new_chat_id(provider, httpserver, channel):
    httpserver.expect_request(f"{BASE}/sendMessage").respond_with_response(reply("migrated"))
    with pytest.raises(TelegramChatMigrated) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert caught.value.migrated_chat_id == "-1001987654321"
    # With the new id stored, the retry goes to the supergroup.
    channel.meta["chat_id"] = caught.value.migrated_chat_id
    httpserver.clear()
    httpserver.expect_request(
        f"{BASE}/sendMessage",
        json={
            "chat_id": "-1001987654321",
            "text": "Hi",
            "link_preview_options": {"is_disabled": False},
        },
    ).respond_with_response(reply("send_message"))
    provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    httpserver.check_assertions()


def test_a_commit_that_times_out_is_an_unknown_outcome(provider, httpserver, channel):
    slow = slow_handler(lambda _: reply("send_message"))
    httpserver.expect_request(f"{BASE}/sendMessage").respond_with_handler(slow)
    provider.timeout = (1, 0.5)
    request = PublishRequest(post_id="p", text="Hi")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver, 1)
    assert len(httpserver.log) == 1
    # Bots cannot read channel history: no lookup, the post needs confirmation.
    assert provider.find_existing(channel, request) is None


def test_a_502_on_the_commit_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request(f"{BASE}/sendMessage").respond_with_response(reply("server_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_a_connection_closed_mid_response_is_an_unknown_outcome(provider, httpserver, channel):
    truncated = truncated_handler(b'{"ok": true, "result": {"message_')
    httpserver.expect_request(f"{BASE}/sendPhoto").respond_with_handler(truncated)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p", text="Hi", media=[photo()]))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1
