"""Publishing on a VK wall against a local fake: uploads, wall.post, VK's error codes on
HTTP 200, and settling unclear answers by the wall's newest posts."""

import pytest

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.vk import guid_for
from tests.providers.conftest import assert_no_secret, drain, slow_handler, truncated_handler
from tests.providers.vk.conftest import COMMUNITY, TOKEN, method, reply

KEY = "8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30"
WALL_POST = method("wall.post")


def request_for(text="Launch day at Acme", media=()):
    return PublishRequest(post_id="p1", key=KEY, text=text, media=list(media))


def jpeg(name="lamp.jpg", alt=""):
    return MediaItem(
        "image/jpeg",
        9,
        lambda: b"\xff\xd8lamp\xff\xd9",
        filename=name,
        width=800,
        height=600,
        alt_text=alt,
    )


def mp4():
    return MediaItem("video/mp4", 8, lambda: b"mp4-data", filename="tour.mp4")


def posts(httpserver):
    return [r for r, _ in httpserver.log if r.path == WALL_POST]


def upload_photos(httpserver):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(method("photos.getWallUploadServer")).respond_with_response(
        reply("wall_upload_server", origin=origin)
    )
    httpserver.expect_request("/vk-upload/photo", method="POST").respond_with_response(
        reply("photo_uploaded")
    )
    httpserver.expect_request(method("photos.saveWallPhoto")).respond_with_response(
        reply("photo_saved")
    )


def test_a_text_post_on_a_community_is_made_by_the_community(
    provider, httpserver, community, captured_logs
):
    httpserver.expect_request(WALL_POST, method="POST").respond_with_response(reply("wall_post"))
    result = provider.publish(community, request_for())
    [sent] = posts(httpserver)
    assert sent.form.to_dict() == {
        "owner_id": str(COMMUNITY),
        "from_group": "1",
        "message": "Launch day at Acme",
        "guid": "8f2b8d4e4c514d8e9b0a6b9c9d1e2f30",
        "access_token": TOKEN["access_token"],
        "v": "5.199",
    }
    assert sent.query_string == b""
    assert (result.ref.id, result.ref.url) == (
        "-228154012_512",
        "https://vk.com/wall-228154012_512",
    )
    assert_no_secret(captured_logs, TOKEN["access_token"])


def test_on_the_persons_own_wall_the_post_is_theirs(provider, httpserver, person):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("wall_post"))
    result = provider.publish(person, request_for())
    [sent] = posts(httpserver)
    assert sent.form["owner_id"] == "743784474" and "from_group" not in sent.form
    assert result.ref.url == "https://vk.com/wall743784474_512"


def test_photos_are_uploaded_saved_and_attached(provider, httpserver, community, captured_logs):
    upload_photos(httpserver)
    httpserver.expect_request(WALL_POST).respond_with_response(reply("wall_post"))
    request = request_for(media=[jpeg(alt="A brass lamp")])
    provider.publish(community, request)
    server, upload, save, post = (r for r, _ in httpserver.log)
    assert server.form["group_id"] == "228154012"
    assert upload.files["photo"].read() == b"\xff\xd8lamp\xff\xd9"
    assert "access_token" not in upload.form and "Authorization" not in upload.headers
    assert save.form["server"] == "852136" and save.form["hash"] == "e2b9c0f4d6a8"
    assert save.form["photo"].startswith('[{"markers_restarted"')
    assert save.form["caption"] == "A brass lamp" and save.form["group_id"] == "228154012"
    assert post.form["attachments"] == "photo-228154012_457239021"
    assert request.progress["vk_photos"] == {"0": "photo-228154012_457239021"}
    # The upload address's signature is VK's secret for that upload.
    assert_no_secret(captured_logs, "hash=4c7e1f0a", "rhash=9a0b2c4d")


def test_a_video_is_saved_uploaded_and_attached(provider, httpserver, community):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(method("video.save")).respond_with_response(
        reply("video_slot", origin=origin)
    )
    httpserver.expect_request("/vk-upload/video", method="POST").respond_with_response(
        reply("video_uploaded")
    )
    httpserver.expect_request(WALL_POST).respond_with_response(reply("wall_post"))
    provider.publish(community, request_for(media=[mp4()]))
    slot, upload, post = (r for r, _ in httpserver.log)
    assert slot.form["name"] == "Launch day at Acme" and slot.form["wallpost"] == "0"
    assert slot.form["group_id"] == "228154012"
    assert upload.files["video_file"].read() == b"mp4-data"
    assert post.form["attachments"] == "video-228154012_456239018"


def test_a_retry_after_the_uploads_never_uploads_again(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("wall_post"))
    request = request_for(media=[jpeg()])
    request.progress = {"vk_photos": {"0": "photo-228154012_457239021"}}
    provider.publish(community, request)
    assert [r.path for r, _ in httpserver.log] == [WALL_POST]


def test_an_upload_server_that_kept_nothing_refuses_the_file(provider, httpserver, community):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(method("photos.getWallUploadServer")).respond_with_response(
        reply("wall_upload_server", origin=origin)
    )
    httpserver.expect_request("/vk-upload/photo").respond_with_response(reply("photo_not_uploaded"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for(media=[jpeg()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert posts(httpserver) == []


def test_an_upload_servers_refusal_points_at_the_media(provider, httpserver, community):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(method("photos.getWallUploadServer")).respond_with_response(
        reply("wall_upload_server", origin=origin)
    )
    httpserver.expect_request("/vk-upload/photo").respond_with_response(reply("upload_refused"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for(media=[jpeg()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert "file not uploaded" in caught.value.user_message


@pytest.mark.parametrize(
    ("fixture", "kind", "code"),
    [
        ("auth_failed", ErrorKind.AUTH_EXPIRED, "5"),
        ("too_many_requests", ErrorKind.RATE_LIMITED, "6"),
        ("flood_control", ErrorKind.RATE_LIMITED, "9"),
        ("captcha_needed", ErrorKind.RATE_LIMITED, "14"),
        ("access_denied", ErrorKind.PERMISSION_DENIED, "15"),
        ("post_denied", ErrorKind.PERMISSION_DENIED, "214"),
        ("validation_required", ErrorKind.AUTH_REVOKED, "17"),
        ("invalid_params", ErrorKind.CONTENT_REJECTED, "100"),
        ("rate_limit_reached", ErrorKind.RATE_LIMITED, "29"),
    ],
)
def test_vks_error_codes_on_http_200_are_read(provider, httpserver, community, fixture, kind, code):
    httpserver.expect_request(WALL_POST).respond_with_response(reply(fixture))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert (caught.value.kind, caught.value.network_code) == (kind, code)
    assert "{" not in caught.value.user_message


def test_a_captcha_waits_half_an_hour_and_says_why(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("captcha_needed"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert caught.value.retry_after == 1800
    assert "Captcha needed" in caught.value.user_message


# -- three unclear answers: the post may exist; VK's list is read before any resend -----
def test_no_answer_after_sending_leaves_the_outcome_unknown(provider, httpserver, community):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(WALL_POST).respond_with_handler(
        slow_handler(lambda r: reply("wall_post"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(posts(httpserver)) == 1


def test_a_502_on_wall_post_leaves_the_outcome_unknown(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_connection_closed_mid_answer_leaves_the_outcome_unknown(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_handler(truncated_handler(b'{"respo'))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_answer_without_the_post_id_leaves_the_outcome_unknown(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("wall_post_no_id"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_internal_error_on_wall_post_leaves_the_outcome_unknown(provider, httpserver, community):
    httpserver.expect_request(WALL_POST).respond_with_response(reply("internal_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(community, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_after_an_unclear_answer_the_post_is_found_by_its_text(provider, httpserver, community):
    httpserver.expect_request(method("wall.get")).respond_with_response(reply("wall_get"))
    found = provider.find_existing(community, request_for(text="Launch  day at Acme\n"))
    assert (found.id, found.url) == ("-228154012_512", "https://vk.com/wall-228154012_512")
    asked = httpserver.log[0][0].form
    assert (asked["owner_id"], asked["count"], asked["filter"]) == ("-228154012", "20", "owner")


def test_the_same_text_with_other_attachments_is_not_taken_for_ours(
    provider, httpserver, community
):
    httpserver.expect_request(method("wall.get")).respond_with_response(reply("wall_get"))
    assert provider.find_existing(community, request_for(media=[jpeg()])) is None
    assert provider.find_existing(community, request_for(text="Something else")) is None


def test_the_guid_comes_from_the_items_key_only():
    assert guid_for(request_for()) == guid_for(request_for(text="edited"))
    assert guid_for(request_for()) == "8f2b8d4e4c514d8e9b0a6b9c9d1e2f30"


def test_release_ids_and_recent_posts_link_to_the_wall(provider, httpserver, community):
    httpserver.expect_request(method("wall.get")).respond_with_response(reply("wall_get"))
    assert [r.id for r in provider.recent_posts(community)] == [
        "-228154012_512",
        "-228154012_509",
    ]
    ref = provider.ref_for_id(community, "https://vk.com/acmeworkshop?w=wall-228154012_509")
    assert (ref.id, ref.url) == ("-228154012_509", "https://vk.com/wall-228154012_509")
    assert provider.ref_for_id(community, "509").id == "-228154012_509"


def test_likes_comments_reposts_and_views_are_read_for_many_posts_at_once(
    provider, httpserver, community
):
    from integrations.providers.base import RemoteRef

    httpserver.expect_request(method("wall.getById")).respond_with_response(reply("wall_get_by_id"))
    refs = [RemoteRef("-228154012_512"), RemoteRef("-228154012_509"), RemoteRef("bogus")]
    metrics = provider.post_metrics(community, refs)
    assert httpserver.log[0][0].form["posts"] == "-228154012_512,-228154012_509"
    assert metrics["-228154012_512"].values == {
        "likes": 27,
        "comments": 4,
        "shares": 3,
        "views": 1204,
    }
    # A post VK shows no views for has none, not zero.
    assert metrics["-228154012_509"].values == {"likes": 9, "comments": 1, "shares": 1}
