"""/api/v1/posts/<id>/review/...: submit, approve, request changes, reject and the review
thread, with scopes, the key's member's permission, idempotency keys, If-Match and
isolation; both APIs create posts that wait for approval when the channel needs it."""

import pytest
from django.test import Client
from django.utils import timezone

from organizations.events import dispatch_all
from organizations.models import ALL_SCOPES, Membership
from organizations.permissions import Role
from posts.models import Post, ReviewEvent, Webhook, WebhookDelivery
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture(autouse=True)
def approvals_on(org):
    org.approval_mode = "internal"
    org.save()


def _client(org, user, scopes=ALL_SCOPES):
    _key, raw = make_key(org, actor=user, scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def approver(org, admin):
    return _client(org, admin)


@pytest.fixture
def post(org, editor, channel):
    group = post_group_create(
        organization=org,
        actor=editor,
        content=[ItemInput("Launch day")],
        channels=[ChannelInput(channel.pk)],
        action="schedule",
        publish_at=timezone.now() + timezone.timedelta(hours=3),
    )
    return Post.objects.get(group=group)


def _url(post, tail):
    return f"/api/v1/posts/{post.public_id}/review/{tail}"


def test_an_approver_approves_a_post_over_the_api(approver, post):
    read = approver.get(f"/api/v1/posts/{post.public_id}")
    assert read.json()["state"] == "review" and read.json()["review_state"] == "needs_review"
    response = approver.post(
        _url(post, "approve"), {}, content_type=JSON, HTTP_IF_MATCH=read["ETag"]
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["review_state"]) == ("scheduled", "approved")
    assert response["ETag"] != read["ETag"]


def test_approving_twice_answers_409_already_approved(approver, post):
    assert approver.post(_url(post, "approve"), {}, content_type=JSON).status_code == 200
    again = approver.post(_url(post, "approve"), {}, content_type=JSON)
    assert again.status_code == 409 and "already approved" in again.json()["detail"]


def test_a_stale_if_match_is_a_412_and_nothing_changes(approver, post):
    stale = approver.get(f"/api/v1/posts/{post.public_id}")["ETag"]
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now())
    response = approver.post(_url(post, "approve"), {}, content_type=JSON, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert Post.objects.get(pk=post.pk).state == State.REVIEW


def test_an_approval_is_made_once_per_idempotency_key(approver, post):
    first = approver.post(_url(post, "approve"), {}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="a1")
    again = approver.post(_url(post, "approve"), {}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="a1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert ReviewEvent.objects.filter(action="approved").count() == 1


def test_a_key_without_the_approve_scope_is_refused_403(org, admin, post):
    client = _client(org, admin, scopes=["posts:read", "posts:write"])
    response = client.post(_url(post, "approve"), {}, content_type=JSON)
    assert response.status_code == 403 and response.json()["scope"] == "posts:approve"


def test_a_key_made_by_an_editor_cannot_approve_403(org, post):
    someone = UserFactory()
    Membership.objects.create(organization=org, user=someone, role=Role.EDITOR)
    response = _client(org, someone).post(_url(post, "approve"), {}, content_type=JSON)
    assert response.status_code == 403 and "cannot approve" in response.json()["detail"]
    assert Post.objects.get(pk=post.pk).state == State.REVIEW


def test_the_author_cannot_approve_their_own_post_403(org, editor, post):
    Membership.objects.filter(user=editor).update(role=Role.ADMIN)
    response = _client(org, editor).post(_url(post, "approve"), {}, content_type=JSON)
    assert response.status_code == 403 and "your own post" in response.json()["detail"]


def test_another_organizations_post_is_404(other_org, owner, post):
    Membership.objects.create(organization=other_org, user=UserFactory(), role=Role.OWNER)
    outsider = _client(other_org, other_org.memberships.get().user)
    for tail in ("approve", "reject", "submit", "comments"):
        assert outsider.post(_url(post, tail), {"body": "x"}, content_type=JSON).status_code == 404
    assert outsider.get(_url(post, "comments")).status_code == 404


def test_approving_after_its_time_is_409_unless_post_now(approver, post):
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timezone.timedelta(hours=1))
    late = approver.post(_url(post, "approve"), {}, content_type=JSON)
    assert late.status_code == 409 and "has passed" in late.json()["detail"]
    now = approver.post(_url(post, "approve"), {"post_now": True}, content_type=JSON)
    assert now.status_code == 200 and now.json()["state"] == "scheduled"


def test_request_changes_reject_and_resubmit(org, editor, approver, post):
    changes = approver.post(_url(post, "request-changes"), {"body": "Shorter"}, content_type=JSON)
    assert changes.json()["review_state"] == "changes_requested"
    empty = approver.post(_url(post, "request-changes"), {"body": ""}, content_type=JSON)
    assert empty.status_code == 400
    rejected = approver.post(_url(post, "reject"), {"body": "No"}, content_type=JSON)
    assert (rejected.json()["state"], rejected.json()["review_state"]) == ("draft", "rejected")
    author = _client(org, editor)
    again = author.post(_url(post, "submit"), {}, content_type=JSON)
    assert again.status_code == 200 and again.json()["review_state"] == "needs_review"


def test_the_review_thread_lists_actions_and_takes_comments(approver, post, admin):
    created = approver.post(_url(post, "comments"), {"body": "Looks good"}, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["action"] == "comment"
    assert created.json()["actor"] == {"name": admin.name, "email": admin.email}
    thread = approver.get(_url(post, "comments")).json()["data"]
    assert [row["action"] for row in thread] == ["submitted", "comment"]


def test_a_viewers_key_cannot_comment_403(org, viewer, post):
    response = _client(org, viewer).post(_url(post, "comments"), {"body": "hi"}, content_type=JSON)
    assert response.status_code == 403


def test_a_native_create_waits_for_approval_and_says_so(org, owner, channel):
    api = _client(org, owner)
    response = api.post(
        "/api/v1/posts",
        {
            "channel_id": str(channel.public_id),
            "action": "schedule",
            "publish_at": "2030-01-15T12:00:00Z",
            "items": [{"text": "Hello"}],
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert (response.json()["state"], response.json()["review_state"]) == (
        "review",
        "needs_review",
    )


def test_the_compatible_create_answers_review_in_its_status(org, key, channel):
    api = Client(HTTP_AUTHORIZATION=key[1])
    body = {
        "type": "schedule",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": [{"content": "<p>Hello world</p>"}],
                "settings": {"__type": "mastodon"},
            }
        ],
    }
    response = api.post("/public/v1/posts", body, content_type=JSON)
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert row["status"] == "REVIEW"
    assert Post.objects.get(public_id=row["postId"]).state == State.REVIEW
    listed = api.get(
        "/public/v1/posts?startDate=2030-01-01T00:00:00Z&endDate=2030-02-01T00:00:00Z"
    ).json()["posts"]
    assert [p["state"] for p in listed] == ["REVIEW"]


def test_review_webhooks_are_delivered_with_the_review_state(org, owner, approver, post):
    Webhook.objects.create(
        organization=org,
        name="Reviews",
        url="https://hooks.example.com/in",
        events=["post.review_requested", "post.approved"],
        secrets={"secret": "s"},
    )
    approver.post(_url(post, "approve"), {}, content_type=JSON)
    dispatch_all()  # what runs after the commit (tests roll back instead)
    delivery = WebhookDelivery.objects.get(event="post.approved")
    assert delivery.payload["data"]["review_state"] == "approved"
    assert delivery.payload["data"]["post"] == str(post.public_id)
