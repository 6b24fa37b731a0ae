import json

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from tests.providers.conftest import dropped_handler, fixture_response, slow_handler
from tests.providers.linkedin.conftest import HERE, TOKEN

SHARE = "urn:li:share:6844785523593134080"
REST = {
    "Authorization": f"Bearer {TOKEN}",
    "LinkedIn-Version": "202605",
    "X-Restli-Protocol-Version": "2.0.0",
}
BASE_BODY = {
    "visibility": "PUBLIC",
    "distribution": {
        "feedDistribution": "MAIN_FEED",
        "targetEntities": [],
        "thirdPartyDistributionChannels": [],
    },
    "lifecycleState": "PUBLISHED",
    "isReshareDisabledByAuthor": False,
}


def expect_post(httpserver, bodies, name="post_created"):
    def handler(request):
        bodies.append(request.get_json())
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request(
        "/b/rest/posts", method="POST", headers=REST
    ).respond_with_handler(handler)


def test_member_text_post(provider, httpserver, member):
    bodies = []
    expect_post(httpserver, bodies)
    result = provider.publish(member, PublishRequest("p1", "Hello (world) #launch"))
    assert bodies == [
        {"author": "urn:li:person:782bbtaQ", "commentary": "Hello \\(world\\) #launch", **BASE_BODY}
    ]
    assert result.ref.id == SHARE
    assert result.ref.url == f"https://www.linkedin.com/feed/update/{SHARE}"


def test_page_post_is_authored_by_the_organization(page_provider, httpserver, page):
    bodies = []
    expect_post(httpserver, bodies)
    page_provider.publish(page, PublishRequest("p1", "Hi"))
    assert bodies[0]["author"] == "urn:li:organization:2414183"


def upload_flow(httpserver, count, puts):
    init = json.loads((HERE / "fixtures" / "image_initialize.json").read_text())

    for index in range(count):
        body = json.loads(json.dumps(init["body"]))
        body["value"]["uploadUrl"] = httpserver.url_for(f"/up/{index}") + "?ca=vector_ads&ut=2H"
        body["value"]["image"] = f"urn:li:image:IMG{index}"
        httpserver.expect_ordered_request(
            "/b/rest/images",
            method="POST",
            query_string={"action": "initializeUpload"},
            headers=REST,
            json={"initializeUploadRequest": {"owner": "urn:li:organization:2414183"}},
        ).respond_with_json(body)

        def put(request, index=index):
            puts.append((index, request.headers.get("Authorization"), request.get_data()))
            return fixture_response(HERE, "image_uploaded")

        httpserver.expect_ordered_request(f"/up/{index}", method="PUT").respond_with_handler(put)


def test_single_image_post(page_provider, httpserver, page):
    puts, bodies = [], []
    upload_flow(httpserver, 1, puts)
    expect_post(httpserver, bodies)
    request = PublishRequest(
        "p1", "pic", media=[MediaItem("image/png", 4, lambda: b"\x89PNG", alt_text="A chart")]
    )
    page_provider.publish(page, request)
    assert puts == [(0, f"Bearer {TOKEN}", b"\x89PNG")]
    assert bodies[0]["content"] == {"media": {"id": "urn:li:image:IMG0", "altText": "A chart"}}
    assert request.progress["images"] == ["urn:li:image:IMG0"]


def test_multi_image_post(page_provider, httpserver, page):
    puts, bodies = [], []
    upload_flow(httpserver, 3, puts)
    expect_post(httpserver, bodies)
    media = [MediaItem("image/jpeg", 1, lambda i=i: bytes([i])) for i in range(3)]
    page_provider.publish(page, PublishRequest("p1", "pics", media=media))
    assert [p[2] for p in puts] == [b"\x00", b"\x01", b"\x02"]
    assert bodies[0]["content"] == {
        "multiImage": {"images": [{"id": f"urn:li:image:IMG{i}"} for i in range(3)]}
    }


def test_uploaded_images_are_not_uploaded_again(page_provider, httpserver, page):
    bodies = []
    expect_post(httpserver, bodies)
    request = PublishRequest(
        "p1",
        "pic",
        media=[MediaItem("image/png", 1, lambda: b"x")],
        progress={"images": ["urn:li:image:OLD"]},
    )
    page_provider.publish(page, request)
    assert bodies[0]["content"] == {"media": {"id": "urn:li:image:OLD"}}


def test_first_comment_goes_on_the_root_post(provider, httpserver, member):
    bodies = []

    def handler(request):
        # The URN is one path segment, percent-encoded.
        assert request.environ["REQUEST_URI"] == (
            "/b/rest/socialActions/urn%3Ali%3Ashare%3A6844785523593134080/comments"
        )
        bodies.append(request.get_json())
        return fixture_response(HERE, "comment_created")

    httpserver.expect_request(
        "/b/rest/socialActions/urn:li:share:6844785523593134080/comments",
        method="POST",
        headers=REST,
    ).respond_with_handler(handler)
    result = provider.publish(
        member,
        PublishRequest(
            "p2", "first comment", root=RemoteRef(SHARE), reply_to=RemoteRef("urn:li:share:other")
        ),
    )
    assert bodies == [
        {"actor": "urn:li:person:782bbtaQ", "object": SHARE, "message": {"text": "first comment"}}
    ]
    assert result.ref.id.startswith("urn:li:comment:(urn:li:activity:6844785523593134080")
    assert result.ref.url == f"https://www.linkedin.com/feed/update/{SHARE}"


def test_missing_restli_id_on_created_is_unknown(provider, httpserver, member):
    httpserver.expect_request("/b/rest/posts").respond_with_data("", status=201)
    with pytest.raises(ProviderError) as caught:
        provider.publish(member, PublishRequest("p", "hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_upload_failure_is_transient_and_posts_nothing(page_provider, httpserver, page):
    httpserver.expect_request("/b/rest/images").respond_with_response(
        fixture_response(HERE, "bad_gateway")
    )
    with pytest.raises(ProviderError) as caught:
        page_provider.publish(
            page, PublishRequest("p", "x", media=[MediaItem("image/png", 1, lambda: b"x")])
        )
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not any(r.path == "/b/rest/posts" for r, _ in httpserver.log)


# -- unknown outcomes -------------------------------------------------------------------
dropping = dropped_handler(b"{", status=201, length=50)
slow = slow_handler(lambda _: fixture_response(HERE, "post_created"), 0.8)


@pytest.mark.parametrize(
    "handler",
    [slow, lambda r: fixture_response(HERE, "bad_gateway"), dropping],
    ids=["read-timeout", "502", "connection-closed"],
)
def test_unknown_outcome_then_lookup_by_content(provider, httpserver, member, handler):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request("/b/rest/posts", method="POST").respond_with_handler(handler)
    httpserver.expect_ordered_request(
        "/b/rest/posts",
        method="GET",
        headers=REST,
        query_string={
            "q": "author",
            "author": "urn:li:person:782bbtaQ",
            "count": "20",
            "sortBy": "LAST_MODIFIED",
        },
    ).respond_with_response(fixture_response(HERE, "posts_by_author"))
    request = PublishRequest("p", "Launch day (finally)  @ 9 #1 #launch")
    with pytest.raises(ProviderError) as caught:
        provider.publish(member, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    found = provider.find_existing(member, request)
    assert found.id == SHARE
    assert len([r for r, _ in httpserver.log if r.method == "POST"]) == 1


def test_lookup_without_match(provider, httpserver, member):
    httpserver.expect_request("/b/rest/posts", method="GET").respond_with_response(
        fixture_response(HERE, "posts_by_author")
    )
    assert provider.find_existing(member, PublishRequest("p", "not there")) is None


def test_no_token_in_any_log_record(page_provider, httpserver, page, captured_logs):
    puts = []
    upload_flow(httpserver, 1, puts)
    expect_post(httpserver, [])
    page_provider.publish(
        page, PublishRequest("p", "x", media=[MediaItem("image/png", 1, lambda: b"x")])
    )
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token_partner"))
    page_provider.refresh(Channel("1", {"access_token": TOKEN, "refresh_token": "li-r-secret"}))
    text = "\n".join(r.getMessage() for r in captured_logs.records)
    assert "/rest/posts" in text
    for secret in (
        TOKEN,
        "li-r-secret",
        "li-access-AQV222",
        "li-refresh-AQX333",
        "li-client-secret",
    ):
        assert secret not in text
