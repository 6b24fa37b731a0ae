"""/api/v1/posts/<id>/comments: a post's internal notes (its group's), listed, added and
deleted by a script with the posts' scopes, idempotency keys, ETags and isolation."""

import pytest
from django.test import Client

from posts.models import Comment, Post, PostGroup
from posts.states import State
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _post(org, channel, state=State.DRAFT):
    group = PostGroup.objects.create(organization=org, creation_method="api")
    return Post.objects.create(organization=org, group=group, integration=channel, state=state)


@pytest.fixture
def post(org, channel):
    return _post(org, channel)


def _url(post, tail=""):
    return f"/api/v1/posts/{post.public_id}/comments{tail}"


def test_a_script_comments_on_a_post_reads_and_deletes_the_comment(native, post, owner):
    created = native.post(_url(post), {"body": "  Check the link  "}, content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["body"] == "Check the link"
    assert body["author"] == {"name": owner.name, "email": owner.email}
    assert created["Location"] == _url(post, f"/{body['id']}") and created["ETag"]
    read = native.get(created["Location"])
    assert read.json() == body and read["ETag"] == created["ETag"]
    assert native.get(_url(post)).json() == {"data": [body], "next_cursor": None}

    assert native.delete(created["Location"], HTTP_IF_MATCH=read["ETag"]).status_code == 204
    assert native.get(_url(post)).json()["data"] == []
    assert native.get(created["Location"]).status_code == 404
    assert Comment.objects.get().deleted_at is not None  # hidden, as the composer hides it


def test_the_posts_of_one_group_share_their_comments(native, org, post, x_channel):
    sibling = Post.objects.create(
        organization=org, group=post.group, integration=x_channel, state=State.DRAFT
    )
    native.post(_url(post), {"body": "For both"}, content_type=JSON)
    assert [c["body"] for c in native.get(_url(sibling)).json()["data"]] == ["For both"]


def test_comments_are_listed_oldest_first_a_page_at_a_time(native, post):
    for text in ("one", "two", "three"):
        native.post(_url(post), {"body": text}, content_type=JSON)
    first = native.get(_url(post) + "?limit=2").json()
    rest = native.get(_url(post) + f"?limit=2&cursor={first['next_cursor']}").json()
    assert [c["body"] for c in first["data"] + rest["data"]] == ["one", "two", "three"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 5001}])
def test_an_empty_or_too_long_comment_is_a_400_naming_the_body(native, post, body):
    response = native.post(_url(post), body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "body"
    assert not Comment.objects.exists()


def test_a_comment_is_added_once_per_idempotency_key(native, post):
    for _ in range(2):
        response = native.post(
            _url(post), {"body": "Once"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="cm-1"
        )
        assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true" and Comment.objects.count() == 1


def test_a_stale_if_match_on_a_comment_is_a_412(native, post, settings):
    url = native.post(_url(post), {"body": "Hi"}, content_type=JSON)["Location"]
    assert native.delete(url, HTTP_IF_MATCH='"stale"').status_code == 412
    settings.API_REQUIRE_IF_MATCH = True
    assert native.delete(url).status_code == 428
    assert Comment.objects.get().deleted_at is None


def test_comments_of_another_organizations_post_are_not_found(
    native, org, post, other_org, other_channel
):
    theirs = _post(other_org, other_channel)
    their_comment = Comment.objects.create(
        organization=other_org, group=theirs.group, body="Private"
    )
    assert native.get(_url(theirs)).status_code == 404
    assert native.post(_url(theirs), {"body": "Hi"}, content_type=JSON).status_code == 404
    assert native.get(_url(theirs, f"/{their_comment.public_id}")).status_code == 404
    assert native.delete(_url(theirs, f"/{their_comment.public_id}")).status_code == 404
    # Nor through one of ours.
    assert native.get(_url(post, f"/{their_comment.public_id}")).status_code == 404
    assert native.delete(_url(post, f"/{their_comment.public_id}")).status_code == 404
    their_comment.refresh_from_db()
    assert their_comment.deleted_at is None and Comment.objects.count() == 1


def test_a_cancelled_post_has_no_comments_route(native, org, channel):
    cancelled = _post(org, channel, state=State.CANCELLED)
    assert native.get(_url(cancelled)).status_code == 404
    assert native.post(_url(cancelled), {"body": "Hi"}, content_type=JSON).status_code == 404


def test_comments_need_the_posts_scopes(org, post):
    comment = Comment.objects.create(organization=org, group=post.group, body="Hi")
    _key, raw = make_key(org, scopes=["posts:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    assert reader.get(_url(post)).status_code == 200
    for response in (
        reader.post(_url(post), {"body": "No"}, content_type=JSON),
        reader.delete(_url(post, f"/{comment.public_id}")),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "posts:write"
    _key, raw = make_key(org, scopes=["channels:read"])
    assert Client(HTTP_AUTHORIZATION=raw).get(_url(post)).json()["scope"] == "posts:read"


def test_the_comment_list_reads_a_page_in_a_fixed_number_of_queries(
    native, org, post, owner, django_assert_max_num_queries
):
    for n in range(10):
        Comment.objects.create(organization=org, group=post.group, author=owner, body=f"c{n}")
    native.get(_url(post))
    with django_assert_max_num_queries(8):
        assert len(native.get(_url(post)).json()["data"]) == 10
