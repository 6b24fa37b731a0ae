"""Publishing to a PDS: the exact createRecord body, images, replies, and unknown outcomes."""

import time
from datetime import UTC, datetime

import pytest

from integrations.providers.base import (
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.bluesky import BlueskyProvider
from posts.models import new_item_key
from tests.providers.conftest import slow_handler

from .support import DID, Recorder, channel, closing_server, load, respond

ACCESS = "eyJhY2Nlc3M.eyJvbGQ.c2ln"
# An item's permanent key (a UUIDv7 written 2026-12-06) and number.
KEY = "01a24c3f-6114-726a-88e1-acfed933cd11"


@pytest.fixture
def provider():
    return BlueskyProvider()


@pytest.fixture
def pds(httpserver):
    return httpserver.url_for("").rstrip("/")


def created(request):
    rkey = request.get_json()["rkey"]
    return respond("create_record", rkey=rkey)


def post(text="Hello", **kwargs):
    fields = {"post_id": "1741", "key": KEY, **kwargs}
    return PublishRequest(text=text, **fields)


def rkey_of(request):
    return BlueskyProvider.record_key(request)


def sent_now(created_at: str) -> bool:
    """``createdAt`` is the time of the send itself (not the scheduled time)."""
    sent = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return abs((datetime.now(UTC) - sent).total_seconds()) < 5 and created_at.endswith("Z")


def test_text_post_sends_the_exact_record(provider, httpserver, pds, captured_logs):
    commit = Recorder(created)
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.repo.createRecord", method="POST"
    ).respond_with_handler(commit)
    request = post("Hello from Postiz")

    result = provider.publish(channel(pds), request)

    httpserver.check_assertions()
    call = commit.calls[0]
    assert call["headers"]["Authorization"] == f"Bearer {ACCESS}"
    rkey = rkey_of(request)
    created_at = call["json"]["record"].pop("createdAt")
    assert sent_now(created_at)
    assert call["json"] == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
        "record": {"$type": "app.bsky.feed.post", "text": "Hello from Postiz"},
    }
    uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert result.ref.id == uri
    assert result.ref.url == f"https://bsky.app/profile/alice.example.com/post/{rkey}"
    assert result.ref.extra == {
        "uri": uri,
        "cid": load("create_record")["body"]["cid"],
        "rkey": rkey,
    }
    assert not any(ACCESS in r.getMessage() for r in captured_logs.records)


def test_facets_use_utf8_byte_offsets_and_resolve_mentions(provider, httpserver, pds):
    resolve = Recorder(respond("resolve_handle"))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.identity.resolveHandle", method="GET"
    ).respond_with_handler(resolve)
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    text = "✨ café @bob.example.com, see https://example.com/a?b=1. #Postiz!"

    provider.publish(channel(pds), post(text))

    httpserver.check_assertions()
    assert resolve.calls[0]["args"] == {"handle": "bob.example.com"}
    data = text.encode()
    facets = commit.calls[0]["json"]["record"]["facets"]
    spans = [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert spans == ["@bob.example.com", "https://example.com/a?b=1", "#Postiz"]
    assert [f["features"][0] for f in facets] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:z72i7hdynmk6r22z27h6tvur"},
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"},
        {"$type": "app.bsky.richtext.facet#tag", "tag": "Postiz"},
    ]
    # "✨ café " is 10 bytes but 7 characters: offsets are bytes.
    assert facets[0]["index"]["byteStart"] == 10


def test_unresolvable_mentions_stay_plain_text(provider, httpserver, pds):
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.identity.resolveHandle"
    ).respond_with_response(respond("resolve_handle_unknown"))
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    provider.publish(channel(pds), post("hi @nobody.example.org"))
    assert "facets" not in commit.calls[0]["json"]["record"]


def test_images_are_uploaded_as_raw_bytes_then_embedded_with_alt_and_ratio(
    provider, httpserver, pds
):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 2040
    upload = Recorder(respond("upload_blob"))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.repo.uploadBlob", method="POST"
    ).respond_with_handler(upload)
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    media = MediaItem(
        "image/png", len(png), lambda: png, "a.png", width=1200, height=800, alt_text="A cat"
    )
    request = post("With a picture", media=[media])

    provider.publish(channel(pds), request)

    httpserver.check_assertions()
    call = upload.calls[0]
    assert call["data"] == png
    assert call["headers"]["Content-Type"] == "image/png"
    assert call["headers"]["Authorization"] == f"Bearer {ACCESS}"
    blob = load("upload_blob")["body"]["blob"]
    assert commit.calls[0]["json"]["record"]["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "A cat", "image": blob, "aspectRatio": {"width": 1200, "height": 800}}],
    }
    assert request.progress["blobs"] == {"0": blob}  # a retry does not upload again


def test_a_retry_reuses_uploaded_blobs(provider, httpserver, pds):
    blob = load("upload_blob")["body"]["blob"]
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    media = MediaItem("image/png", 10, lambda: b"x" * 10, "a.png")
    request = post("again", media=[media], progress={"blobs": {"0": blob}, "rkey": "3lbtqvgaje22u"})
    provider.publish(channel(pds), request)
    httpserver.check_assertions()
    assert commit.calls[0]["json"]["record"]["embed"]["images"][0]["image"] == blob


def test_a_reply_points_at_root_and_parent_by_uri_and_cid(provider, httpserver, pds):
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    root = RemoteRef(
        id=f"at://{DID}/app.bsky.feed.post/root",
        extra={"uri": f"at://{DID}/app.bsky.feed.post/root", "cid": "bafyroot"},
    )
    parent = RemoteRef(
        id=f"at://{DID}/app.bsky.feed.post/parent",
        extra={"uri": f"at://{DID}/app.bsky.feed.post/parent", "cid": "bafyparent"},
    )
    provider.publish(channel(pds), post("third", reply_to=parent, root=root))
    assert commit.calls[0]["json"]["record"]["reply"] == {
        "root": {"uri": f"at://{DID}/app.bsky.feed.post/root", "cid": "bafyroot"},
        "parent": {"uri": f"at://{DID}/app.bsky.feed.post/parent", "cid": "bafyparent"},
    }


def test_the_rkey_comes_from_the_items_key_alone_and_every_attempt_reuses_it(
    provider, httpserver, pds
):
    commit = Recorder(respond("bad_gateway"), created)
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(commit)
    httpserver.expect_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("record_not_found")
    )
    request = post()

    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    rkey = rkey_of(request)
    assert len(rkey) == 13 and "rkey" not in request.progress  # nothing to save: derived

    # Another worker, after a hand-back: no saved progress, the same key.
    later = post()
    BlueskyProvider().publish(channel(pds), later)
    assert [c["json"]["rkey"] for c in commit.calls] == [rkey, rkey]
    # Each send says when it was made.
    assert all(sent_now(c["json"]["record"]["createdAt"]) for c in commit.calls)


def test_thread_items_get_different_rkeys(provider, httpserver, pds):
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(created)
    first = post("one")
    provider.publish(channel(pds), first)
    parent = RemoteRef(id="at://x/app.bsky.feed.post/1", extra={"cid": "c"})
    second = post("two", reply_to=parent, post_id="1742", key=str(new_item_key()))
    provider.publish(channel(pds), second)
    assert rkey_of(first) != rkey_of(second)


def test_a_key_saved_by_an_earlier_attempt_is_kept(provider):
    assert rkey_of(post(progress={"rkey": "3lbtqvgaje22u"})) == "3lbtqvgaje22u"


def test_expired_token_on_commit_asks_for_a_refresh(provider, httpserver, pds):
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_response(
        respond("expired_token")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), post())
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_grapheme_rejection_is_content_rejected_with_the_message(provider, httpserver, pds):
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_response(
        respond("invalid_request")
    )
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("record_not_found")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), post())
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "300 graphemes" in caught.value.user_message


def test_a_500_because_our_record_already_exists_adopts_it_at_once(provider, httpserver, pds):
    # The reference PDS answers a second record under the same key with a bare 500.
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_response(
        respond("internal_error")
    )
    request = post()
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("get_record", rkey=rkey_of(request))
    )
    result = provider.publish(channel(pds), request)
    httpserver.check_assertions()
    assert result.ref.id == f"at://{DID}/app.bsky.feed.post/{rkey_of(request)}"
    assert result.raw == {"adopted": True}


def test_a_record_of_someone_else_under_our_key_is_never_adopted(provider, httpserver, pds):
    httpserver.expect_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("get_record", rkey=rkey_of(post()))  # its text is "Hello"
    )
    with pytest.raises(ProviderError) as caught:
        provider.find_existing(channel(pds), post("Something else"))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.network_code == "rkey_taken"


def test_a_rejection_because_our_rkey_exists_adopts_the_record(provider, httpserver, pds):
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_json(
        {"error": "InvalidRequest", "message": "Record already exists"}, 400
    )
    request = post(progress={"rkey": "3lbtqvgaje22u"})
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("get_record", rkey="3lbtqvgaje22u")
    )
    result = provider.publish(channel(pds), request)
    httpserver.check_assertions()
    assert result.ref.id == f"at://{DID}/app.bsky.feed.post/3lbtqvgaje22u"
    assert result.raw == {"adopted": True}


def test_rate_limited_upload_is_rate_limited(provider, httpserver, pds):
    reset = str(int(time.time()) + 300)
    answer = respond("rate_limited")
    answer.headers["RateLimit-Reset"] = reset
    httpserver.expect_request("/xrpc/com.atproto.repo.uploadBlob").respond_with_response(answer)
    media = MediaItem("image/png", 3, lambda: b"abc", "a.png")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), post(media=[media]))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 290 <= caught.value.retry_after <= 301


# -- unknown outcomes and reconciliation --------------------------------------------------
def test_a_commit_that_outlives_the_read_timeout_is_unknown_then_found(provider, httpserver, pds):
    slow = slow_handler(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        slow
    )
    request = post()
    lookup = Recorder(
        lambda _: respond("record_not_found"),
        lambda _: respond("get_record", rkey=rkey_of(request)),
    )
    httpserver.expect_request(
        "/xrpc/com.atproto.repo.getRecord", method="GET"
    ).respond_with_handler(lookup)
    provider.timeout = (1, 0.5)

    # The PDS is still writing when we stop waiting: not there at the first look.
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    provider.timeout = (5, 5)
    found = provider.find_existing(channel(pds), request)
    rkey = rkey_of(request)
    assert [call["args"] for call in lookup.calls] == [
        {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
    ] * 2
    assert found.id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert found.extra["cid"] == load("create_record")["body"]["cid"]


def test_a_502_on_commit_is_unknown_and_a_missing_record_means_not_published(
    provider, httpserver, pds
):
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_response(
        respond("bad_gateway")
    )
    for _ in range(2):  # looked at once, and again later
        httpserver.expect_ordered_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
            respond("record_not_found")
        )
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider.find_existing(channel(pds), request) is None
    httpserver.check_assertions()  # exactly one commit was sent


def test_a_connection_closed_mid_answer_is_unknown_then_reconciled(provider, httpserver):
    request = post()
    with closing_server() as (url, hits), pytest.raises(ProviderError) as caught:
        provider.publish(channel(url), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    # One commit, then the look at our key it prompted (which the same server cut off).
    assert len(hits) == 2 and b"createRecord" in hits[0] and b"getRecord" in hits[1]

    pds = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/xrpc/com.atproto.repo.getRecord").respond_with_response(
        respond("get_record", rkey=rkey_of(request))
    )
    assert provider.find_existing(channel(pds), request).extra["rkey"] == rkey_of(request)


def test_an_unreadable_2xx_on_commit_is_unknown(provider, httpserver, pds):
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_data(
        "<html>ok</html>", content_type="text/html"
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), post())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_look_asks_the_pds_at_the_items_key_even_with_nothing_saved(provider, httpserver, pds):
    # A worker that died before saving anything: the key is still known.
    httpserver.expect_request(
        "/xrpc/com.atproto.repo.getRecord",
        query_string={"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey_of(post())},
    ).respond_with_response(respond("record_not_found"))
    assert provider.find_existing(channel(pds), post()) is None
    assert len(httpserver.log) == 1


def test_connection_refused_before_sending_is_transient(provider):
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel("http://127.0.0.1:9"), post())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
