"""Image posts: lease → upload to the media bucket → submit kind=image → find the post."""

import json

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from tests.providers.conftest import dropped_handler, fixture_response, slow_handler
from tests.providers.reddit.conftest import HERE

TOKEN = "reddit-secret-access-token"
AGENT = "server:postiz:1.0 (by /u/postiz)"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": AGENT}
PNG = b"\x89PNG\r\n\x1a\n-pixels-"
MEDIA_URL = "https://reddit-uploaded-media.s3-accelerate.amazonaws.com/rte_images/q8l2n0c5xyz91"
LOOKUP = {"limit": "25", "sort": "new", "raw_json": "1"}


@pytest.fixture
def channel():
    return Channel("1w72", {"access_token": TOKEN}, username="postiz_tester")


def entry(**values):
    base = {"subreddit": "test", "title": "Launch day", "type": "media"}
    return {"value": {**base, **values}}


def image_request(*entries, progress=None):
    return PublishRequest(
        "p1",
        "caption",
        media=[MediaItem("image/png", len(PNG), lambda: PNG, filename="launch.png")],
        settings={"subreddit": list(entries or [entry()])},
        progress=progress or {},
    )


def lease_fields():
    data = json.loads((HERE / "fixtures" / "media_asset.json").read_text())
    return [(f["name"], f["value"]) for f in data["body"]["args"]["fields"]]


def expect_lease(httpserver, seen, name="media_asset"):
    def handler(request):
        seen.append(("lease", request.form.to_dict()))
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request(
        "/o/api/media/asset.json", method="POST", headers=HEADERS
    ).respond_with_handler(handler)


def expect_storage(httpserver, seen, name="media_uploaded"):
    def handler(request):
        raw = request.get_data(cache=True)
        part = request.files["file"]
        seen.append(
            (
                "storage",
                {
                    "authorization": request.headers.get("Authorization"),
                    "fields": list(request.form.items(multi=True)),
                    "file": (part.filename, part.content_type, part.read()),
                    "file_is_last": raw.rfind(b'name="file"') > raw.rfind(b'name="x-amz-security'),
                },
            )
        )
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request("/s3", method="POST").respond_with_handler(handler)


def expect_submit(httpserver, seen, name="submit_image_ok"):
    def handler(request):
        seen.append(("submit", request.form.to_dict()))
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request(
        "/o/api/submit", method="POST", headers=HEADERS
    ).respond_with_handler(handler)


def expect_lookup(httpserver, name="submitted_image"):
    httpserver.expect_ordered_request(
        "/o/user/postiz_tester/submitted", method="GET", headers=HEADERS, query_string=LOOKUP
    ).respond_with_response(fixture_response(HERE, name))


def paths(httpserver, path):
    return [r for r, _ in httpserver.log if r.path == path]


def test_image_post_leases_uploads_submits_and_finds_the_post(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    request = image_request(entry(flair={"id": "f1a2", "name": "News"}))
    result = provider.publish(channel, request)

    assert seen[0] == ("lease", {"filepath": "launch.png", "mimetype": "image/png"})
    assert seen[1] == (
        "storage",
        {
            "authorization": None,
            "fields": lease_fields(),
            "file": ("launch.png", "image/png", PNG),
            "file_is_last": True,
        },
    )
    assert seen[2] == (
        "submit",
        {
            "api_type": "json",
            "kind": "image",
            "sr": "test",
            "title": "Launch day",
            "url": MEDIA_URL,
            "flair_id": "f1a2",
            "flair_text": "News",
        },
    )
    assert result.state == "published"
    assert result.ref.id == "t3_1imgab"
    assert result.ref.url == "https://www.reddit.com/r/test/comments/1imgab/launch_day/"
    assert request.progress["media_url"] == MEDIA_URL
    assert request.progress["media_asset_id"] == "q8l2n0c5xyz91"
    assert request.progress["submissions"]["0"]["name"] == "t3_1imgab"


def test_a_file_name_without_extension_gets_one_from_its_type(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    request = image_request()
    request.media = [MediaItem("image/jpeg", 3, lambda: b"\xff\xd8\xff", filename="photo")]
    provider.publish(channel, request)
    assert seen[0] == ("lease", {"filepath": "photo.jpg", "mimetype": "image/jpeg"})
    assert seen[1][1]["file"] == ("photo.jpg", "image/jpeg", b"\xff\xd8\xff")


def test_without_a_location_the_url_is_the_bucket_and_key(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen, "media_uploaded_no_location")
    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    provider.publish(channel, image_request())
    assert seen[2][1]["url"] == MEDIA_URL


def test_an_answer_with_the_id_needs_no_lookup(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen, "submit_ok")
    result = provider.publish(channel, image_request())
    assert result.ref.id == "t3_1abcde"
    assert not paths(httpserver, "/o/user/postiz_tester/submitted")


def test_two_image_entries_share_one_upload(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_submit(httpserver, seen)
    httpserver.expect_ordered_request("/o/user/postiz_tester/submitted").respond_with_json(
        {
            "kind": "Listing",
            "data": {
                "children": [
                    {
                        "kind": "t3",
                        "data": {
                            "id": "1imgcd",
                            "name": "t3_1imgcd",
                            "subreddit": "django",
                            "title": "Launch day",
                            "permalink": "/r/django/comments/1imgcd/launch_day/",
                        },
                    },
                    *json.loads((HERE / "fixtures" / "submitted_image.json").read_text())["body"][
                        "data"
                    ]["children"],
                ]
            },
        }
    )
    result = provider.publish(channel, image_request(entry(), entry(subreddit="django")))
    assert [s[0] for s in seen] == ["lease", "storage", "submit", "submit"]
    assert [s[1]["sr"] for s in seen[2:]] == ["test", "django"]
    assert {s[1]["url"] for s in seen[2:]} == {MEDIA_URL}
    assert [s["name"] for s in result.raw["submissions"]] == ["t3_1imgab", "t3_1imgcd"]


# -- retries reuse what is done --------------------------------------------------------------
def test_a_retry_after_a_refused_submit_does_not_upload_again(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen, "ratelimit")
    request = image_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert request.progress["media_url"] == MEDIA_URL
    assert "0" not in request.progress["submissions"]

    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    assert provider.publish(channel, request).ref.id == "t3_1imgab"
    assert [s[0] for s in seen] == ["lease", "storage", "submit", "submit"]
    assert seen[3][1]["url"] == MEDIA_URL
    assert len(paths(httpserver, "/s3")) == 1


def test_saved_media_url_is_used_as_is(provider, httpserver, channel):
    seen = []
    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    request = image_request(progress={"media_url": "https://i.example/saved.png"})
    provider.publish(channel, request)
    assert [s[0] for s in seen] == ["submit"]
    assert seen[0][1]["url"] == "https://i.example/saved.png"


# -- pending: the id is not known yet -----------------------------------------------------------
def test_not_found_yet_is_pending_and_check_status_finds_it_later(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_lookup(httpserver, "submitted_empty")
    request = image_request()
    result = provider.publish(channel, request)
    assert result.state == "pending"
    assert result.handle
    assert request.progress["submissions"]["0"] == {
        "sr": "test",
        "title": "Launch day",
        "pending": True,
    }

    expect_lookup(httpserver, "submitted_empty")
    assert provider.check_status(channel, result.handle) is None
    expect_lookup(httpserver)
    done = provider.check_status(channel, result.handle)
    assert done.state == "published"
    assert done.ref.id == "t3_1imgab"
    assert done.ref.url == "https://www.reddit.com/r/test/comments/1imgab/launch_day/"
    assert len(paths(httpserver, "/o/api/submit")) == 1


def test_publishing_a_pending_post_again_never_resubmits(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_lookup(httpserver, "submitted_empty")
    request = image_request()
    assert provider.publish(channel, request).state == "pending"

    expect_lookup(httpserver)
    assert provider.publish(channel, request).ref.id == "t3_1imgab"
    assert len(paths(httpserver, "/o/api/submit")) == 1
    assert len(paths(httpserver, "/s3")) == 1


def test_a_failed_lookup_after_the_submit_is_pending_not_an_error(provider, httpserver, channel):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    httpserver.expect_ordered_request("/o/user/postiz_tester/submitted").respond_with_response(
        fixture_response(HERE, "bad_gateway")
    )
    result = provider.publish(channel, image_request())
    assert result.state == "pending"
    assert json.loads(result.handle)["submissions"][0]["title"] == "Launch day"


def test_an_unreadable_handle_is_refused(provider, channel):
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, "not json")
    assert caught.value.kind == ErrorKind.NOT_FOUND


# -- errors, by phase ------------------------------------------------------------------------
def test_a_5xx_on_the_lease_is_transient_and_nothing_is_submitted(provider, httpserver, channel):
    httpserver.expect_request("/o/api/media/asset.json").respond_with_response(
        fixture_response(HERE, "bad_gateway")
    )
    request = image_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not paths(httpserver, "/o/api/submit")
    assert "media_url" not in request.progress


def test_an_unreadable_lease_is_transient(provider, httpserver, channel):
    httpserver.expect_request("/o/api/media/asset.json").respond_with_json({"args": {}})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, image_request())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not paths(httpserver, "/s3")


@pytest.mark.parametrize(
    "name, kind",
    [
        ("bad_gateway", ErrorKind.TRANSIENT_BEFORE_SEND),
        ("storage_denied", ErrorKind.TRANSIENT_BEFORE_SEND),
        ("storage_too_large", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_storage_errors_happen_before_the_commit(provider, httpserver, channel, name, kind):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen, name)
    request = image_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == kind
    assert not paths(httpserver, "/o/api/submit")
    assert "media_url" not in request.progress


def test_a_timeout_on_the_upload_is_transient(provider, httpserver, channel):
    provider.upload_timeout = (1, 0.5)
    expect_lease(httpserver, [])
    httpserver.expect_ordered_request("/s3", method="POST").respond_with_handler(
        slow_handler(lambda _: fixture_response(HERE, "media_uploaded"), 0.8)
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, image_request())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not paths(httpserver, "/o/api/submit")


dropping = dropped_handler(b'{"json": {"errors": [], "da', length=120)
slow = slow_handler(lambda _: fixture_response(HERE, "submit_image_ok"), 0.8)


@pytest.mark.parametrize(
    "handler",
    [slow, lambda r: fixture_response(HERE, "bad_gateway"), dropping],
    ids=["read-timeout", "502", "connection-closed"],
)
def test_unknown_outcome_on_the_image_submit_is_found_by_lookup(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    expect_lease(httpserver, [])
    expect_storage(httpserver, [])
    httpserver.expect_ordered_request("/o/api/submit", method="POST").respond_with_handler(handler)
    expect_lookup(httpserver)
    request = image_request()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress["media_url"] == MEDIA_URL
    found = provider.find_existing(channel, request)
    assert found.id == "t3_1imgab"
    assert len(paths(httpserver, "/o/api/submit")) == 1


def test_find_existing_resolves_a_pending_image_entry(provider, httpserver, channel):
    expect_lookup(httpserver)
    request = image_request(
        progress={"submissions": {"0": {"sr": "test", "title": "Launch day", "pending": True}}}
    )
    assert provider.find_existing(channel, request).id == "t3_1imgab"
    assert request.progress["submissions"]["0"]["name"] == "t3_1imgab"


def test_the_token_never_goes_to_the_media_bucket(provider, httpserver, channel, captured_logs):
    seen = []
    expect_lease(httpserver, seen)
    expect_storage(httpserver, seen)
    expect_submit(httpserver, seen)
    expect_lookup(httpserver)
    provider.publish(channel, image_request())
    assert seen[1][1]["authorization"] is None
    text = "\n".join(r.getMessage() for r in captured_logs.records if r.name != "werkzeug")
    assert TOKEN not in text
