"""Publishing a Dribbble shot against a local fake: the multipart create, the 202 and its
processing, Dribbble's refusals, and settling unclear answers."""

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from tests.providers.conftest import assert_no_secret, drain, slow_handler, truncated_handler
from tests.providers.dribbble.conftest import BEARER, SHOTS, TOKEN, reply

LAMP = b"\x89PNG\r\n\x1a\n-lamp-800x600"


def lamp():
    return MediaItem(
        "image/png", len(LAMP), lambda: LAMP, filename="lamp.png", width=800, height=600
    )


def request_for(text="Launch day at Acme", **settings):
    settings.setdefault("title", "Brass lamp")
    return PublishRequest(post_id="p1", key="k1", text=text, media=[lamp()], settings=settings)


def creates(httpserver):
    return [r for r, _ in httpserver.log if r.method == "POST" and r.path == SHOTS]


def still_processing(httpserver):
    httpserver.expect_request(f"{SHOTS}/23456789", method="GET").respond_with_response(
        reply("shot_processing")
    )


def test_a_shot_is_one_multipart_request_and_pending_until_processed(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_request(SHOTS, method="POST", headers=BEARER).respond_with_response(
        reply("shot_accepted")
    )
    still_processing(httpserver)
    result = provider.publish(channel, request_for(tags=["#lamp", "brass", "Lamp"], team="39021"))
    [sent] = creates(httpserver)
    assert sent.form["title"] == "Brass lamp"
    assert sent.form["description"] == "Launch day at Acme"
    assert sent.form.getlist("tags[]") == ["lamp", "brass"]
    assert sent.form["team_id"] == "39021"
    image = sent.files["image"]
    assert (image.filename, image.mimetype, image.read()) == ("lamp.png", "image/png", LAMP)
    assert (result.state, result.handle, result.ref.id) == ("pending", "23456789", "23456789")
    assert len([r for r, _ in httpserver.log if r.method == "GET"]) == provider.poll_attempts
    assert_no_secret(captured_logs, TOKEN["access_token"])


def test_a_shot_ready_at_once_is_published_by_the_publish_itself(provider, httpserver, channel):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(reply("shot_accepted"))
    httpserver.expect_request(f"{SHOTS}/23456789", headers=BEARER).respond_with_response(
        reply("shot")
    )
    result = provider.publish(channel, request_for())
    assert result.state == "published"
    assert result.ref.url == "https://dribbble.com/shots/23456789-Brass-lamp"


def test_a_failed_look_after_the_202_leaves_the_shot_pending_not_failed(
    provider, httpserver, channel
):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(reply("shot_accepted"))
    httpserver.expect_request(f"{SHOTS}/23456789").respond_with_response(reply("bad_gateway"))
    result = provider.publish(channel, request_for())
    assert (result.state, result.handle) == ("pending", "23456789")


def test_a_shot_without_team_or_text_sends_only_what_it_has(provider, httpserver, channel):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(reply("shot_accepted"))
    still_processing(httpserver)
    provider.publish(channel, request_for(text=""))
    [sent] = creates(httpserver)
    assert set(sent.form) == {"title"} and set(sent.files) == {"image"}


def test_the_shot_is_pending_while_dribbble_processes_it_then_published(
    provider, httpserver, channel
):
    httpserver.expect_ordered_request("/api/v2/shots/23456789").respond_with_response(
        reply("shot_processing")
    )
    httpserver.expect_ordered_request("/api/v2/shots/23456789").respond_with_response(reply("shot"))
    assert provider.check_status(channel, "23456789") is None
    done = provider.check_status(channel, "23456789")
    assert done.state == "published"
    assert (done.ref.id, done.ref.url) == (
        "23456789",
        "https://dribbble.com/shots/23456789-Brass-lamp",
    )


@pytest.mark.parametrize(
    ("fixture", "kind", "field"),
    [
        ("bad_credentials", ErrorKind.AUTH_REVOKED, ""),
        ("upload_forbidden", ErrorKind.PERMISSION_DENIED, ""),
        ("validation_failed", ErrorKind.CONTENT_REJECTED, "media"),
    ],
)
def test_dribbbles_refusals_say_what_to_do(provider, httpserver, channel, fixture, kind, field):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(reply(fixture))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.field) == (kind, field)


def test_a_refused_image_quotes_dribbbles_words(provider, httpserver, channel):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(
        reply("validation_failed")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert "image must be exactly 400x300 or 800x600" in caught.value.user_message


def test_the_rate_limit_waits_until_dribbbles_reset(provider, httpserver, channel):
    import time

    reset = str(int(time.time()) + 40)
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(
        Response(
            '{"message":"API rate limit exceeded."}',
            status=429,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            content_type="application/json",
        )
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 30 <= caught.value.retry_after <= 40


# -- three unclear answers: the shot may exist, nothing is sent again blindly ----------
def test_no_answer_after_sending_leaves_the_outcome_unknown(provider, httpserver, channel):
    provider.upload_timeout = (1, 0.5)
    httpserver.expect_request(SHOTS, method="POST").respond_with_handler(
        slow_handler(lambda r: reply("shot_accepted"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(creates(httpserver)) == 1


def test_a_502_on_the_create_leaves_the_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_connection_closed_mid_answer_leaves_the_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(SHOTS, method="POST").respond_with_handler(
        truncated_handler(b'{"mess', status=202)
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_accepted_shot_without_its_address_leaves_the_outcome_unknown(
    provider, httpserver, channel
):
    httpserver.expect_request(SHOTS, method="POST").respond_with_response(
        reply("shot_accepted_no_location")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_after_an_unclear_answer_the_shot_is_found_by_its_title_and_description(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v2/user/shots", headers=BEARER).respond_with_response(
        reply("user_shots")
    )
    found = provider.find_existing(channel, request_for())
    assert (found.id, found.url) == ("23456789", "https://dribbble.com/shots/23456789-Brass-lamp")
    assert httpserver.log[0][0].args["per_page"] == "30"


def test_a_shot_with_the_same_title_but_other_words_is_not_taken_for_ours(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/v2/user/shots").respond_with_response(reply("user_shots"))
    assert provider.find_existing(channel, request_for(text="Something else")) is None


def test_html_in_the_description_compares_by_its_words(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user/shots").respond_with_response(reply("user_shots"))
    found = provider.find_existing(
        channel, request_for(text="Sketches & a render", title="Oak desk")
    )
    assert found.id == "23400001"


def test_a_shot_still_processing_is_not_listed_so_nothing_is_found(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user/shots").respond_with_response(reply("user_shots_empty"))
    assert provider.find_existing(channel, request_for()) is None


def test_release_ids_and_recent_shots_link_to_dribbble(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user/shots").respond_with_response(reply("user_shots"))
    assert [r.id for r in provider.recent_posts(channel)] == ["23456789", "23400001"]
    ref = provider.ref_for_id(channel, "https://dribbble.com/shots/23400001-Oak-desk")
    assert (ref.id, ref.url) == ("23400001", "https://dribbble.com/shots/23400001")
