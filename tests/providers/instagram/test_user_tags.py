"""People tagged on a photo (``user_tags``): written in the composer as lines or sent by
the API as objects, checked before anything is sent, and given to the container of the
photo they are on (each child of a carousel has its own)."""

import json

import pytest
from werkzeug import Response

from integrations.providers.base import Draft, DraftItem, ErrorKind, ProviderError, PublishRequest
from integrations.providers.instagram import InstagramProvider
from tests.providers.instagram.test_publish import (
    IG,
    channel,  # noqa: F401 (fixture)
    expect_commit,
    expect_container,
    expect_permalink,
    expect_quota,
    expect_status,
    image,
    video,
)


def tags_sent(form: dict) -> list[dict] | None:
    return json.loads(form["user_tags"]) if "user_tags" in form else None


def test_a_photo_carries_its_tags(provider, httpserver, channel):  # noqa: F811
    forms = []
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    settings = {
        "post_type": "post",
        "user_tags": [
            {"username": "flourco", "x": 0.25, "y": 0.75},
            "@oven.pals 1 0",  # as the composer writes it
        ],
    }
    provider.publish(channel, PublishRequest("p", "Bread", media=[image()], settings=settings))
    assert tags_sent(forms[0]) == [
        {"username": "flourco", "x": 0.25, "y": 0.75},
        {"username": "oven.pals", "x": 1.0, "y": 0.0},
    ]
    assert forms[0]["image_url"] == "https://cdn.test/a.jpg"


def test_each_carousel_photo_carries_its_own_tags(provider, httpserver, channel):  # noqa: F811
    forms = []
    expect_quota(httpserver)
    for child in ("c0", "c1", "c2"):
        httpserver.expect_ordered_request(
            f"/g/v24.0/{IG}/media", method="POST"
        ).respond_with_handler(
            lambda r, c=child: (
                forms.append(r.form.to_dict()),
                Response(json.dumps({"id": c}), content_type="application/json"),
            )[1]
        )
    for child in ("c0", "c1", "c2"):
        expect_status(httpserver, "status_finished", child)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    media = [image("https://cdn.test/1.jpg"), video(), image("https://cdn.test/3.jpg")]
    settings = {"user_tags": ["@alice 0.1 0.2", "@bob 0.5 0.5 3", "@carol 0.9 0.9 3"]}
    provider.publish(channel, PublishRequest("p", "Three", media=media, settings=settings))
    first, second, third, carousel = forms
    assert tags_sent(first) == [{"username": "alice", "x": 0.1, "y": 0.2}]
    assert tags_sent(second) is None  # the video
    assert tags_sent(third) == [
        {"username": "bob", "x": 0.5, "y": 0.5},
        {"username": "carol", "x": 0.9, "y": 0.9},
    ]
    assert tags_sent(carousel) is None  # the carousel itself is not a photo
    assert carousel["children"] == "c0,c1,c2"


def test_a_photo_story_carries_its_tags(provider, httpserver, channel):  # noqa: F811
    forms = []
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    settings = {"post_type": "story", "user_tags": ["@alice 0.5 0.5"]}
    provider.publish(channel, PublishRequest("p", "", media=[image()], settings=settings))
    assert forms[0]["media_type"] == "STORIES"
    assert tags_sent(forms[0]) == [{"username": "alice", "x": 0.5, "y": 0.5}]


def test_graph_refusing_a_tag_is_a_rejected_post(provider, httpserver, channel):  # noqa: F811
    expect_quota(httpserver)
    body = {
        "error": {
            "message": "(#100) Param user_tags[0]['x'] must be a number less than or equal to 1",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "AbCdEfGhIjK",
        }
    }
    httpserver.expect_ordered_request(f"/g/v24.0/{IG}/media", method="POST").respond_with_json(
        body, status=400
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel,
            PublishRequest("p", "x", media=[image()], settings={"user_tags": ["@a 0.5 0.5"]}),
        )
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert not [r for r, _ in httpserver.log if r.path.endswith("/media_publish")]


# -- The validator ------------------------------------------------------------------------
def issues_for(settings, media=None):
    draft = Draft([DraftItem("Hi", media=media or [image()])], settings)
    return [i.message for i in InstagramProvider().validate(draft) if i.field == "user_tags"]


def test_good_tags_pass():
    assert (
        issues_for(
            {"user_tags": ["@alice 0 0", "@b.o_b 1 1", {"username": "c", "x": 0.5, "y": 0.5}]}
        )
        == []
    )


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("@alice 1.2 0.5", "x and y say where on the photo, from 0 to 1"),
        ("@alice -0.1 0.5", "from 0 to 1"),
        ("@alice half 0.5", "from 0 to 1"),
        ({"username": "alice", "x": "0.5"}, "from 0 to 1"),
        ("@not-a-name 0.5 0.5", "not-a-name is not an Instagram username"),
        ("@" + "a" * 31 + " 0.5 0.5", "is not an Instagram username"),
        ("@alice", "write @username, then across and down"),
        ("@alice 0.5 0.5 0", "name the photo by its number"),
        ("@alice 0.5 0.5 2", "tagged on photo 2, and the post has 1 file"),
        (42, "must be a username with x and y"),
    ],
)
def test_a_bad_tag_is_named(entry, says):
    [message] = issues_for({"user_tags": [entry]})
    assert says in message


def test_tags_on_a_video_are_refused():
    [message] = issues_for({"user_tags": ["@alice 0.5 0.5"]}, media=[video()])
    assert "a video: Instagram tags people on photos only" in message


def test_a_person_is_tagged_once_per_photo():
    [message] = issues_for({"user_tags": ["@Alice 0.1 0.1", "@alice 0.9 0.9"]})
    assert "tagged twice on photo 1" in message


def test_at_most_twenty_people_on_a_photo():
    twenty = [f"@person{n} 0.5 0.5" for n in range(20)]
    assert issues_for({"user_tags": twenty}) == []
    [message] = issues_for({"user_tags": [*twenty, "@one_more 0.5 0.5"]})
    assert "at most 20 people on a photo; photo 1 has 21" in message
    # Twenty on each of two photos is fine.
    two = [*twenty, *(f"@other{n} 0.5 0.5 2" for n in range(20))]
    assert issues_for({"user_tags": two}, media=[image(), image()]) == []


def test_the_setting_must_be_a_list():
    [message] = issues_for({"user_tags": "@alice 0.5 0.5"})
    assert "must be a list" in message
