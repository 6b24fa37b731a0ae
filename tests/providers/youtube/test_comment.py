"""A thread's second part is the video's first comment (commentThreads.insert), and a
comment whose answer was lost is looked for among the video's comments before it is sent
again."""

import json

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.youtube import COMMENT_SCOPE
from tests.providers.conftest import dropped_handler, fixture_response, slow_handler
from tests.providers.youtube.conftest import CHANNEL_ID, HERE, TOKEN, VIDEO_ID, video_file

THREADS = "/youtube/v3/commentThreads"
COMMENT_ID = "UgzDE2tasfmrYLyNkGt4AaABAg"
TEXT = "Links to everything in the video: acme.example/launch"
VIDEO = RemoteRef(id=VIDEO_ID, url=f"https://www.youtube.com/watch?v={VIDEO_ID}")


@pytest.fixture
def channel():
    return Channel(CHANNEL_ID, {"access_token": TOKEN, "refresh_token": "r"}, username="acmestudio")


def comment_request(text: str = TEXT) -> PublishRequest:
    return PublishRequest("p1-2", text, reply_to=VIDEO, root=VIDEO)


def test_the_second_part_is_a_comment_on_the_video(provider, httpserver, channel):
    seen = []

    def insert(request):
        seen.append((dict(request.args), request.get_json(), request.headers["Authorization"]))
        return fixture_response(HERE, "comment_thread")

    httpserver.expect_request(THREADS, method="POST").respond_with_handler(insert)
    marks = []
    request = comment_request()
    request.on_commit = lambda progress: marks.append(len(seen))

    result = provider.send(channel, request)

    assert seen == [
        (
            {"part": "snippet"},
            {
                "snippet": {
                    "videoId": VIDEO_ID,
                    "topLevelComment": {"snippet": {"textOriginal": TEXT}},
                }
            },
            f"Bearer {TOKEN}",
        )
    ]
    assert marks == [0]  # marked as possibly sent right before the comment went out
    assert result.state == "published"
    assert result.ref.id == COMMENT_ID
    assert result.ref.url == f"https://www.youtube.com/watch?v={VIDEO_ID}&lc={COMMENT_ID}"
    assert result.ref.extra == {"parent": VIDEO_ID}


def test_comments_turned_off_fail_the_comment_with_youtubes_reason(provider, httpserver, channel):
    httpserver.expect_request(THREADS, method="POST").respond_with_response(
        fixture_response(HERE, "comments_disabled")
    )
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, comment_request())
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert caught.value.network_code == "commentsDisabled"
    assert "Comments are turned off on this YouTube video" in caught.value.user_message


def test_a_forbidden_comment_says_youtube_refused_it(provider, httpserver, channel):
    httpserver.expect_request(THREADS, method="POST").respond_with_response(
        fixture_response(HERE, "comment_forbidden")
    )
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, comment_request())
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "insufficient permissions" in caught.value.user_message


def test_a_channel_connected_without_the_comment_scope_is_told_which_to_allow(
    provider, httpserver, channel
):
    httpserver.expect_request(THREADS, method="POST").respond_with_response(
        fixture_response(HERE, "comment_insufficient_scope")
    )
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, comment_request())
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert COMMENT_SCOPE in caught.value.user_message
    assert "The video is published" in caught.value.user_message


def test_sign_in_asks_for_the_comment_scope(provider):
    url = provider.authorization_url(state="s", redirect_uri="https://app.test/cb")
    assert "youtube.force-ssl" in url


# -- an unclear answer on the comment ------------------------------------------------------
def listed(name: str):
    """commentThreads.list answering ``name`` for the shown comments and nothing held."""

    def handler(request):
        assert request.args["videoId"] == VIDEO_ID
        if request.args.get("moderationStatus") == "published":
            return fixture_response(HERE, name)
        return fixture_response(HERE, "comment_threads_none")

    return handler


UNCLEAR = pytest.mark.parametrize(
    "answer",
    [
        slow_handler(lambda r: fixture_response(HERE, "comment_thread")),
        lambda r: fixture_response(HERE, "backend_error"),
        dropped_handler(b'{"kind": "youtube#commentThread", "id": "Ugz'),
    ],
    ids=["read-timeout", "503", "connection-closed"],
)


@UNCLEAR
def test_an_unclear_comment_that_youtube_made_is_found_not_sent_again(
    provider, httpserver, channel, answer
):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(THREADS, method="POST").respond_with_handler(answer)
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, comment_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    # The engine looks before it sends again: the channel's own comment with this text
    # (a viewer's copy of the same words is not it). The fake may still be finishing the
    # slow answer, so the look gets the usual time.
    provider.timeout = (5, 5)
    httpserver.expect_request(THREADS, method="GET").respond_with_handler(
        listed("comment_threads_found")
    )
    found = provider.find_existing(channel, comment_request())
    assert found == RemoteRef(
        id=COMMENT_ID,
        url=f"https://www.youtube.com/watch?v={VIDEO_ID}&lc={COMMENT_ID}",
        extra={"parent": VIDEO_ID},
    )


def test_a_comment_held_for_review_is_found_too(provider, httpserver, channel):
    thread = json.loads((HERE / "fixtures" / "comment_threads_found.json").read_text())["body"]

    def handler(request):
        if request.args.get("moderationStatus") == "heldForReview":
            return Response(json.dumps(thread), headers={"Content-Type": "application/json"})
        return fixture_response(HERE, "comment_threads_others")

    httpserver.expect_request(THREADS, method="GET").respond_with_handler(handler)
    assert provider.find_existing(channel, comment_request()).id == COMMENT_ID


def test_a_comment_youtube_never_made_is_sent_again(provider, httpserver, channel):
    httpserver.expect_request(THREADS, method="GET").respond_with_handler(
        listed("comment_threads_others")
    )
    assert provider.find_existing(channel, comment_request()) is None
    # Every list was read: the shown comments, those held for review and those taken for
    # spam.
    statuses = [r.args.get("moderationStatus") for r, _ in httpserver.log]
    assert statuses == ["published", "heldForReview", "likelySpam"]


def test_a_comment_answer_without_an_id_is_unknown(provider, httpserver, channel):
    httpserver.expect_request(THREADS, method="POST").respond_with_json(
        {"kind": "youtube#commentThread"}
    )
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, comment_request())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- the validator ---------------------------------------------------------------------------
def draft(comment: str, media=None, tmp_path=None) -> Draft:
    return Draft(
        [
            DraftItem("Everything we shipped today.", [video_file(tmp_path)]),
            DraftItem(comment, media or []),
        ],
        {"title": "Launch day at Acme", "type": "public"},
    )


def test_a_comment_longer_than_youtube_takes_is_refused(provider, tmp_path):
    issues = provider.validate(draft("a" * 10_001, tmp_path=tmp_path))
    [issue] = [i for i in issues if i.item == 1]
    assert issue.code == "text_too_long" and issue.limit == 10_000 and issue.actual == 10_001
    assert not [i for i in provider.validate(draft("a" * 10_000, tmp_path=tmp_path)) if i.item]


def test_a_comment_may_hold_what_a_description_may_not(provider, tmp_path):
    # Angle brackets and more than 5,000 bytes are a description's limits, not a comment's.
    text = "<3 " + "é" * 4000
    assert not [i for i in provider.validate(draft(text, tmp_path=tmp_path)) if i.item]


def test_a_comment_with_a_file_is_refused(provider, tmp_path):
    issues = provider.validate(draft("See it", [video_file(tmp_path, name="b.mp4")], tmp_path))
    assert [i.code for i in issues if i.item == 1] == ["media_not_allowed"]


def test_a_comment_on_a_video_made_for_kids_is_refused_before_sending(provider, tmp_path):
    made_for_kids = draft("See you there", tmp_path=tmp_path)
    made_for_kids.settings["selfDeclaredMadeForKids"] = "yes"
    issues = provider.validate(made_for_kids)
    assert [(i.code, i.field) for i in issues] == [("setting_invalid", "selfDeclaredMadeForKids")]
    made_for_kids.settings["selfDeclaredMadeForKids"] = "no"
    assert provider.validate(made_for_kids) == []
