import pytest

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.gmb import SENT_AT
from tests.providers.conftest import assert_no_secret, drain, dropped_handler, slow_handler
from tests.providers.gmb.conftest import BEARER, PARENT, TOKEN, recorded, reply

POST = recorded("post_live")["body"]
PHOTO = "https://media.acme.example/bread.jpg?X-Amz-Signature=abc"


def photo():
    return MediaItem("image/jpeg", 200_000, lambda: b"", "bread.jpg", 1200, 900, public_url=PHOTO)


def expect_post(httpserver, bodies, answer="post_live"):
    def handler(request):
        bodies.append(request.get_json())
        return reply(answer) if isinstance(answer, str) else answer(request)

    httpserver.expect_ordered_request(
        f"{PARENT}/localPosts", method="POST", headers=BEARER
    ).respond_with_handler(handler)


def test_an_update_with_a_button_and_a_photo(provider, httpserver, channel):
    bodies = []
    expect_post(httpserver, bodies)
    result = provider.publish(
        channel,
        PublishRequest(
            "p1",
            "Fresh bread from 7 am",
            media=[photo()],
            settings={"callToActionType": "ORDER", "callToActionUrl": "https://acme.example/o"},
        ),
    )
    assert bodies == [
        {
            "topicType": "STANDARD",
            "summary": "Fresh bread from 7 am",
            "callToAction": {"actionType": "ORDER", "url": "https://acme.example/o"},
            "media": [{"mediaFormat": "PHOTO", "sourceUrl": PHOTO}],
        }
    ]
    assert result.state == "published"
    assert (result.ref.id, result.ref.url) == (POST["name"], POST["searchUrl"])


def test_a_call_button_carries_no_address(provider, httpserver, channel):
    bodies = []
    expect_post(httpserver, bodies)
    provider.publish(
        channel, PublishRequest("p1", "Ring us", settings={"callToActionType": "CALL"})
    )
    assert bodies[0]["callToAction"] == {"actionType": "CALL"}


def test_an_event_has_a_title_and_a_schedule(provider, httpserver, channel):
    bodies = []
    expect_post(httpserver, bodies)
    provider.publish(
        channel,
        PublishRequest(
            "p1",
            "Bake with us",
            settings={
                "topicType": "EVENT",
                "eventTitle": "Open bakery",
                "eventStartDate": "2027-01-09",
                "eventEndDate": "2027-01-10",
                "eventStartTime": "09:30",
                "eventEndTime": "17:00",
                "callToActionType": "SIGN_UP",
                "callToActionUrl": "https://acme.example/signup",
            },
        ),
    )
    assert bodies[0] == {
        "topicType": "EVENT",
        "summary": "Bake with us",
        "callToAction": {"actionType": "SIGN_UP", "url": "https://acme.example/signup"},
        "event": {
            "title": "Open bakery",
            "schedule": {
                "startDate": {"year": 2027, "month": 1, "day": 9},
                "startTime": {"hours": 9, "minutes": 30},
                "endDate": {"year": 2027, "month": 1, "day": 10},
                "endTime": {"hours": 17, "minutes": 0},
            },
        },
    }


def test_an_offer_has_its_coupon_redeem_link_and_terms(provider, httpserver, channel):
    bodies = []
    expect_post(httpserver, bodies)
    provider.publish(
        channel,
        PublishRequest(
            "p1",
            "Two for one",
            settings={
                "topicType": "OFFER",
                "eventTitle": "Croissant week",
                "eventStartDate": "2027-02-01",
                "eventEndDate": "2027-02-07",
                "offerCouponCode": "CROISSANT2",
                "offerRedeemUrl": "https://acme.example/offer",
                "offerTerms": "One per visit.",
            },
        ),
    )
    assert bodies[0] == {
        "topicType": "OFFER",
        "summary": "Two for one",
        "event": {
            "title": "Croissant week",
            "schedule": {
                "startDate": {"year": 2027, "month": 2, "day": 1},
                "endDate": {"year": 2027, "month": 2, "day": 7},
            },
        },
        "offer": {
            "couponCode": "CROISSANT2",
            "redeemOnlineUrl": "https://acme.example/offer",
            "termsConditions": "One per visit.",
        },
    }


def test_a_post_google_still_reviews_is_pending_then_live(provider, httpserver, channel):
    expect_post(httpserver, [], answer="post_processing")
    result = provider.publish(channel, PublishRequest("p1", "Fresh bread from 7 am"))
    assert (result.state, result.handle) == ("pending", POST["name"])
    httpserver.expect_ordered_request(
        f"/api/v4/{POST['name']}", method="GET", headers=BEARER
    ).respond_with_response(reply("post_processing"))
    httpserver.expect_ordered_request(
        f"/api/v4/{POST['name']}", method="GET", headers=BEARER
    ).respond_with_response(reply("post_live"))
    assert provider.check_status(channel, result.handle) is None
    done = provider.check_status(channel, result.handle)
    assert (done.state, done.ref.id, done.ref.url) == ("published", POST["name"], POST["searchUrl"])


def test_a_post_google_rejects_fails_with_a_reason(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v4/{POST['name']}").respond_with_response(
        reply("post_rejected")
    )
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, POST["name"])
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "content policies" in caught.value.user_message
    assert caught.value.verdict  # Google's answer about the post: it settles it


def test_an_unapproved_project_is_a_permission_problem_with_what_to_do(
    provider, httpserver, channel
):
    expect_post(httpserver, [], answer="permission_denied")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "Hello"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "request" in caught.value.user_message


def test_an_expired_token_asks_for_a_renewal(provider, httpserver, channel):
    expect_post(httpserver, [], answer="unauthenticated")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "Hello"))
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_a_rate_limit_is_retried_later(provider, httpserver, channel):
    expect_post(httpserver, [], answer="rate_limited")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "Hello"))
    assert (caught.value.kind, caught.value.retry_after) == (ErrorKind.RATE_LIMITED, 30)


# -- unknown outcomes: the location's posts are searched, nothing is sent twice ----------
@pytest.mark.parametrize(
    "handler",
    [
        slow_handler(lambda _: reply("post_live"), 0.8),
        lambda _: reply("bad_gateway"),
        dropped_handler(b'{"name": "accounts/', status=200, length=300),
    ],
    ids=["read-timeout", "502", "connection-closed"],
)
def test_an_unclear_post_is_found_among_the_locations_posts_and_never_sent_twice(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request(f"{PARENT}/localPosts", method="POST").respond_with_handler(
        handler
    )
    httpserver.expect_ordered_request(
        f"{PARENT}/localPosts", method="GET", headers=BEARER, query_string={"pageSize": "20"}
    ).respond_with_response(reply("local_posts"))
    request = PublishRequest("p", "Fresh  bread from 7 am")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress[SENT_AT]
    found = provider.find_existing(channel, request)
    assert (found.id, found.url) == (POST["name"], POST["searchUrl"])
    drain(httpserver, 2)
    assert len([r for r, _ in httpserver.log if r.method == "POST"]) == 1


def test_an_older_post_with_the_same_words_is_not_taken_for_this_one(provider, httpserver, channel):
    httpserver.expect_request(f"{PARENT}/localPosts").respond_with_response(reply("local_posts"))
    request = PublishRequest("p", "Closed on Monday")
    request.progress[SENT_AT] = "2026-12-06T23:00:00+00:00"
    assert provider.find_existing(channel, request) is None
    request.progress.pop(SENT_AT)
    assert provider.find_existing(channel, request).id.endswith("/localPosts/1234567890123456700")


def test_no_token_reaches_a_log_line(provider, httpserver, channel, captured_logs):
    expect_post(httpserver, [])
    provider.publish(channel, PublishRequest("p", "Hello", media=[photo()]))
    httpserver.expect_request("/token").respond_with_response(reply("token_refreshed"))
    provider.refresh(channel)
    lines = "\n".join(r.getMessage() for r in captured_logs.records)
    assert "localPosts" in lines
    assert_no_secret(
        captured_logs, TOKEN, "1//0gChannelRefresh", "GOCSPX-gmb-secret", "ya29.a0AfB_renewed"
    )
