"""A post that went out without the network giving its id (unconfirmed, or published
without one) shows the release id sentinel, lists the channel's newest posts to pick it
from (GET /posts/:id/missing) and takes the id (PUT /posts/:id/release-id), becoming
published with its link; any other post keeps the contract's 400."""

import pytest
from django.utils import timezone

from integrations.models import Integration
from organizations.models import AuditEvent, Event
from posts.models import Post, PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

pytestmark = pytest.mark.django_db

WINDOW = "startDate=2030-01-01T00:00:00Z&endDate=2030-01-31T23:59:59Z"


def _post(api, channel, **changes) -> Post:
    body = {
        "type": "schedule",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": [{"content": "Hello"}, {"content": "a reply"}],
            }
        ],
    }
    row = api.post("/public/v1/posts", body, content_type="application/json").json()[0]
    Post.objects.filter(public_id=row["postId"]).update(**changes)
    return Post.objects.get(public_id=row["postId"])


def _unconfirmed(api, channel) -> Post:
    return _post(
        api,
        channel,
        state=State.UNCONFIRMED,
        error_kind="unknown_outcome",
        error_message="We sent this but could not confirm it was published.",
    )


def _set(api, post, body):
    return api.put(
        f"/public/v1/posts/{post.public_id}/release-id", body, content_type="application/json"
    )


def test_an_unconfirmed_post_takes_its_id_and_becomes_published_with_its_link(api, org, channel):
    post = _unconfirmed(api, channel)
    response = _set(api, post, {"releaseId": "109955"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(post.public_id)
    assert body["state"] == "PUBLISHED"
    assert body["releaseId"] == "109955"
    assert body["releaseURL"] == "https://social.example/@acme/109955"
    assert body["integrationId"] == str(channel.public_id)
    assert body["parentPostId"] is None and body["error"] is None
    assert body["publishDate"] == "2030-01-15T12:00:00.000Z"  # the time asked for
    assert body["organizationId"] and body["createdAt"] and body["updatedAt"]
    post.refresh_from_db()
    assert post.state == State.PUBLISHED and post.remote_id == "109955"
    assert post.published_at is not None and post.error_message == ""
    first = PostItem.objects.get(post=post, position=0)
    assert first.remote_id == "109955" and first.remote_url == post.remote_url
    assert PostItem.objects.get(post=post, position=1).remote_id == ""
    assert Event.objects.filter(name="post.published", post_id=post.pk).count() == 1
    assert AuditEvent.objects.filter(action="post.release_id_set").count() == 1
    again = _set(api, post, {"releaseId": "109956"})
    assert again.status_code == 400
    assert again.json() == {"msg": "This post is not waiting for a release id"}


def test_a_post_published_without_an_id_takes_one_and_the_address_given(api, channel):
    went_out = timezone.now()
    post = _post(api, channel, state=State.PUBLISHED, published_at=went_out)
    response = _set(
        api, post, {"releaseId": 42, "releaseURL": "https://social.example/@acme/42?x=1"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["releaseURL"] == "https://social.example/@acme/42?x=1"
    post.refresh_from_db()
    assert post.remote_id == "42" and post.published_at == went_out
    assert not Event.objects.filter(name="post.published").exists()  # told when it went out


def test_a_pasted_post_address_gives_the_networks_id(api, x_channel):
    post = _unconfirmed(api, x_channel)
    response = _set(api, post, {"releaseId": "https://x.com/acme/status/1445880548472328192"})
    body = response.json()
    assert body["releaseId"] == "1445880548472328192"
    assert body["releaseURL"] == "https://x.com/i/web/status/1445880548472328192"


@pytest.mark.parametrize(
    "state", [State.SCHEDULED, State.DRAFT, State.FAILED, State.PUBLISHED, State.MISSED]
)
def test_other_posts_keep_the_contracts_400_and_are_left_unchanged(api, channel, state):
    post = _post(api, channel, state=state, remote_id="1" if state == State.PUBLISHED else "")
    response = _set(api, post, {"releaseId": "123"})
    assert response.status_code == 400
    assert response.json() == {"msg": "This post is not waiting for a release id"}
    post.refresh_from_db()
    assert post.state == state and post.remote_id in ("", "1")


def test_a_release_id_that_is_not_one_is_a_validation_error(api, channel):
    post = _unconfirmed(api, channel)
    for bad in ({}, {"releaseId": ""}, {"releaseId": "two words"}, {"releaseId": True}):
        response = _set(api, post, bad)
        assert response.status_code == 400 and response.json()["error"] == "Bad Request", bad
    bad_url = _set(api, post, {"releaseId": "1", "releaseURL": "javascript:alert(1)"})
    assert bad_url.json()["message"][0].startswith("releaseURL: ")
    post.refresh_from_db()
    assert post.state == State.UNCONFIRMED


def test_lists_show_the_sentinel_until_the_id_is_set(api, channel):
    post = _unconfirmed(api, channel)
    [listed] = api.get(f"/public/v1/posts?{WINDOW}").json()["posts"]
    assert listed["releaseId"] == "missing" and listed["state"] == "ERROR"
    assert api.get(f"/public/v1/analytics/post/{post.public_id}").json() == {"missing": True}
    _set(api, post, {"releaseId": "77"})
    [listed] = api.get(f"/public/v1/posts?{WINDOW}").json()["posts"]
    assert listed["releaseId"] == "77" and listed["state"] == "PUBLISHED"
    assert listed["releaseURL"] == "https://social.example/@acme/77"
    assert api.get(f"/public/v1/analytics/post/{post.public_id}").json() == []


# -- GET /posts/:id/missing -------------------------------------------------------------
@pytest.fixture
def x_fake(settings, httpserver):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "X_CLIENT_ID": "x-client-id"}
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    return FakeNetwork(httpserver)


def test_missing_lists_the_channels_newest_posts_to_pick_from(api, x_channel, x_fake):
    x_fake.on("GET", r"/b/2/users/42/tweets", answer("x", "user_tweets"))
    post = _unconfirmed(api, x_channel)
    response = api.get(f"/public/v1/posts/{post.public_id}/missing")
    assert response.status_code == 200
    candidates = response.json()
    assert candidates and all(set(c) == {"id", "url"} for c in candidates)
    first = candidates[0]
    assert first["url"] == f"https://x.com/i/web/status/{first['id']}"
    picked = _set(api, post, {"releaseId": first["id"]}).json()
    assert picked["releaseId"] == first["id"] and picked["state"] == "PUBLISHED"


def test_missing_is_empty_for_a_post_not_waiting_and_when_the_network_fails(api, x_channel, x_fake):
    scheduled = _post(api, x_channel)
    assert api.get(f"/public/v1/posts/{scheduled.public_id}/missing").json() == []
    x_fake.on("GET", r"/b/2/users/42/tweets", answer("x", "bad_gateway"))
    post = _unconfirmed(api, x_channel)
    assert api.get(f"/public/v1/posts/{post.public_id}/missing").json() == []
    assert Integration.objects.get(pk=x_channel.pk).status == Integration.Status.ACTIVE
    assert len(x_fake.sent("GET", r"/b/2/users/42/tweets")) == 1
