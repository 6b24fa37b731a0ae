import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from tests.providers.conftest import dropped_handler, fixture_response, slow_handler
from tests.providers.reddit.conftest import HERE

TOKEN = "reddit-secret-access-token"
AGENT = "server:postiz:1.0 (by /u/postiz)"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": AGENT}


@pytest.fixture
def channel():
    return Channel(
        "1w72",
        {"access_token": TOKEN, "refresh_token": "reddit-r-secret"},
        username="postiz_tester",
    )


def entry(**values):
    base = {"subreddit": "test", "title": "Launch day", "type": "self", "is_flair_required": False}
    return {"value": {**base, **values}}


def expect_submit(httpserver, forms, name="submit_ok"):
    def handler(request):
        forms.append(request.form.to_dict())
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request(
        "/o/api/submit", method="POST", headers=HEADERS
    ).respond_with_handler(handler)


def test_self_post(provider, httpserver, channel):
    forms = []
    expect_submit(httpserver, forms)
    result = provider.publish(
        channel, PublishRequest("p1", "We shipped.", settings={"subreddit": [entry()]})
    )
    assert forms == [
        {
            "api_type": "json",
            "kind": "self",
            "sr": "test",
            "title": "Launch day",
            "text": "We shipped.",
        }
    ]
    assert result.ref.id == "t3_1abcde"
    assert result.ref.url == "https://www.reddit.com/r/test/comments/1abcde/launch_day/"


def test_link_post_with_flair(provider, httpserver, channel):
    forms = []
    expect_submit(httpserver, forms)
    settings = {
        "subreddit": [
            entry(
                subreddit="r/test",
                type="link",
                url="https://example.com/launch",
                is_flair_required=True,
                flair={"id": "f1a2", "name": "News"},
            )
        ]
    }
    provider.publish(channel, PublishRequest("p1", "ignored", settings=settings))
    assert forms == [
        {
            "api_type": "json",
            "kind": "link",
            "sr": "test",
            "title": "Launch day",
            "url": "https://example.com/launch",
            "flair_id": "f1a2",
            "flair_text": "News",
        }
    ]


def test_one_submission_per_entry_first_is_the_ref(provider, httpserver, channel):
    forms = []
    expect_submit(httpserver, forms)
    expect_submit(httpserver, forms, "submit_ok_2")
    request = PublishRequest(
        "p1", "body", settings={"subreddit": [entry(), entry(subreddit="django")]}
    )
    result = provider.publish(channel, request)
    assert [f["sr"] for f in forms] == ["test", "django"]
    assert result.ref.id == "t3_1abcde"
    assert [s["name"] for s in result.raw["submissions"]] == ["t3_1abcde", "t3_1fghij"]


def test_a_retry_does_not_resubmit_confirmed_entries(provider, httpserver, channel):
    forms = []
    expect_submit(httpserver, forms)
    expect_submit(httpserver, forms, "ratelimit")
    request = PublishRequest(
        "p1", "body", settings={"subreddit": [entry(), entry(subreddit="django")]}
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 540
    assert list(request.progress["submissions"]) == ["0"]
    expect_submit(httpserver, forms, "submit_ok_2")
    result = provider.publish(channel, request)
    assert [f["sr"] for f in forms] == ["test", "django", "django"]
    assert result.ref.id == "t3_1abcde"


def test_missing_subreddit_is_not_found(provider, httpserver, channel):
    expect_submit(httpserver, [], "subreddit_noexist")
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel, PublishRequest("p", "x", settings={"subreddit": [entry(subreddit="nope")]})
        )
    assert caught.value.kind == ErrorKind.NOT_FOUND


def test_first_comment_on_the_root_post(provider, httpserver, channel):
    forms = []

    def handler(request):
        forms.append(request.form.to_dict())
        return fixture_response(HERE, "comment_ok")

    httpserver.expect_request(
        "/o/api/comment", method="POST", headers=HEADERS
    ).respond_with_handler(handler)
    result = provider.publish(
        channel,
        PublishRequest(
            "p2", "first comment", root=RemoteRef("t3_1abcde"), reply_to=RemoteRef("t1_other")
        ),
    )
    assert forms == [{"api_type": "json", "thing_id": "t3_1abcde", "text": "first comment"}]
    assert result.ref.id == "t1_k9xyz1"
    assert result.ref.url == "https://www.reddit.com/r/test/comments/1abcde/launch_day/k9xyz1/"


def test_expired_token_on_submit(provider, httpserver, channel):
    expect_submit(httpserver, [], "unauthorized")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", settings={"subreddit": [entry()]}))
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


# -- unknown outcomes -------------------------------------------------------------------
dropping = dropped_handler(b'{"json": {"errors": [], "da', length=120)
slow = slow_handler(lambda _: fixture_response(HERE, "submit_ok"), 0.8)


@pytest.mark.parametrize(
    "handler",
    [slow, lambda r: fixture_response(HERE, "bad_gateway"), dropping],
    ids=["read-timeout", "502", "connection-closed"],
)
def test_unknown_outcome_then_lookup_by_subreddit_and_title(provider, httpserver, channel, handler):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request("/o/api/submit", method="POST").respond_with_handler(handler)
    httpserver.expect_ordered_request(
        "/o/user/postiz_tester/submitted",
        method="GET",
        headers=HEADERS,
        query_string={"limit": "25", "sort": "new", "raw_json": "1"},
    ).respond_with_response(fixture_response(HERE, "submitted"))
    request = PublishRequest(
        "p", "body", settings={"subreddit": [entry(title="Launch day &  more")]}
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    found = provider.find_existing(channel, request)
    assert found.id == "t3_1abcde"
    assert found.url == "https://www.reddit.com/r/test/comments/1abcde/launch_day/"
    assert len([r for r, _ in httpserver.log if r.path == "/o/api/submit"]) == 1


def test_lookup_with_a_missing_entry_stays_unconfirmed_and_records_the_found_one(
    provider, httpserver, channel
):
    httpserver.expect_request("/o/user/postiz_tester/submitted").respond_with_response(
        fixture_response(HERE, "submitted")
    )
    request = PublishRequest(
        "p",
        "body",
        settings={"subreddit": [entry(title="Launch day & more"), entry(subreddit="django")]},
    )
    assert provider.find_existing(channel, request) is None
    assert list(request.progress["submissions"]) == ["0"]


def test_no_token_in_any_log_record(provider, httpserver, channel, captured_logs):
    expect_submit(httpserver, [])
    httpserver.expect_ordered_request("/t").respond_with_response(
        fixture_response(HERE, "token_rotated")
    )
    provider.publish(channel, PublishRequest("p", "x", settings={"subreddit": [entry()]}))
    provider.refresh(channel)
    text = "\n".join(r.getMessage() for r in captured_logs.records)
    assert "/api/submit" in text
    for secret in (
        TOKEN,
        "reddit-r-secret",
        "reddit-access-444",
        "reddit-refresh-555",
        "reddit-client-secret",
    ):
        assert secret not in text
