"""Short links in the publishing engine: made once before anything is sent, the same text
on every attempt, and a shortener's failure stops the attempt before the network sees it."""

import json
import re

import pytest
from django.utils import timezone
from werkzeug import Response

from posts import engine
from posts.links import LINKS_KEY
from posts.links.models import GroupLinkChoice, LinkSettings, ShortLink
from posts.models import Post, PostItem
from posts.states import State
from tests.factories import PostFactory
from tests.posts.helpers import status

pytestmark = pytest.mark.django_db

TEXT = "Our launch notes: https://example.com/blog/launch?utm=x. And (https://example.org/a)"


@pytest.fixture(autouse=True)
def short_domain(settings):
    settings.SHORTLINK_BASE_URL = "https://acme.link"
    settings.SHORTLINK_PROVIDER = "builtin"


def run(post):
    assert engine.claim_due() == [post.pk]
    return engine.publish_post(post.pk)


def fresh(post):
    return Post.objects.get(pk=post.pk)


def prefer(org, preference, **fields):
    LinkSettings.objects.update_or_create(
        organization=org, defaults={"preference": preference, **fields}
    )


def record_statuses(httpserver, answers=None):
    """Mastodon's statuses endpoint; returns the texts it was sent, in order."""
    sent = []
    answers = list(answers or [])

    def statuses(request):
        data = request.get_json(silent=True) or request.form.to_dict()
        sent.append(data["status"])
        if answers:
            return answers.pop(0)
        body = status(str(len(sent)), data["status"])
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    return sent


def test_always_sends_built_in_short_links_in_place_of_the_posts_links(org, mastodon, httpserver):
    prefer(org, "always")
    post = PostFactory(integration=mastodon, items=[TEXT])
    sent = record_statuses(httpserver)

    assert run(post).state == State.PUBLISHED

    links = list(ShortLink.objects.filter(post=post).order_by("id"))
    assert [link.target for link in links] == [
        "https://example.com/blog/launch?utm=x",
        "https://example.org/a",
    ]
    first, second = (link.short_url for link in links)
    assert sent == [f"Our launch notes: {first}. And ({second})"]
    assert all(re.fullmatch(r"https://acme\.link/l/[0-9A-Za-z]{8}", s) for s in (first, second))
    item = PostItem.objects.get(post=post)
    assert item.content == TEXT  # the person's text is kept as written
    assert item.progress[LINKS_KEY] == {link.target: link.short_url for link in links}


def test_a_post_whose_writer_said_no_goes_out_with_its_links_as_written(org, mastodon, httpserver):
    prefer(org, "ask")
    post = PostFactory(integration=mastodon, items=[TEXT])
    GroupLinkChoice.objects.create(group=post.group, shorten=False)
    sent = record_statuses(httpserver)
    assert run(post).state == State.PUBLISHED
    assert sent == [TEXT] and not ShortLink.objects.exists()


def test_asking_organizations_shorten_the_posts_whose_writer_said_yes(org, mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["See https://example.com/x"])
    GroupLinkChoice.objects.create(group=post.group, shorten=True)  # "ask" is the default
    sent = record_statuses(httpserver)
    assert run(post).state == State.PUBLISHED
    assert sent == [f"See {ShortLink.objects.get(post=post).short_url}"]


def test_never_leaves_links_alone_whatever_the_post_said(org, mastodon, httpserver):
    prefer(org, "never")
    post = PostFactory(integration=mastodon, items=["See https://example.com/x"])
    GroupLinkChoice.objects.create(group=post.group, shorten=True)
    sent = record_statuses(httpserver)
    assert run(post).state == State.PUBLISHED
    assert sent == ["See https://example.com/x"] and not ShortLink.objects.exists()


def test_a_thread_shortens_every_part_once_and_one_link_twice_is_one_short_link(
    org, mastodon, httpserver
):
    prefer(org, "always")
    post = PostFactory(
        integration=mastodon,
        items=["one https://example.com/x", "two https://example.com/x https://example.com/y"],
    )
    sent = record_statuses(httpserver)
    assert run(post).state == State.PUBLISHED
    by_target = {link.target: link.short_url for link in ShortLink.objects.filter(post=post)}
    assert len(by_target) == 2
    x, y = by_target["https://example.com/x"], by_target["https://example.com/y"]
    assert sent == [f"one {x}", f"two {x} {y}"]


def test_a_retry_after_an_unclear_outcome_sends_exactly_the_first_text(org, mastodon, httpserver):
    prefer(org, "always")
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    sent = record_statuses(httpserver, answers=[Response("bad gateway", status=502)])
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])

    assert run(post).state == State.SCHEDULED  # unclear: look, then resend with the same key
    made = ShortLink.objects.get(post=post)
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED

    assert sent == [f"Read {made.short_url}"] * 2  # the identical text, not a new link
    assert ShortLink.objects.filter(post=post).count() == 1


def test_the_look_up_after_an_unclear_outcome_finds_the_post_by_its_shortened_text(
    org, mastodon, httpserver
):
    prefer(org, "always")
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    sent = record_statuses(httpserver, answers=[Response("bad gateway", status=502)])
    assert run(post).state == State.SCHEDULED
    short = ShortLink.objects.get(post=post).short_url
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json(
        [status("77", f"Read {short}")]
    )
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert fresh(post).remote_id == "77" and len(sent) == 1  # adopted, never sent twice


def test_an_item_that_may_be_on_the_network_already_is_never_shortened_afterwards(
    org, mastodon, httpserver
):
    # Sent before short links were chosen (a worker died mid-send): its text is out there
    # as written, so a later attempt looks for and resends exactly that.
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    PostItem.objects.filter(post=post).update(commit_started_at=timezone.now())
    prefer(org, "always")
    sent = record_statuses(httpserver)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])
    run(post)
    assert sent == ["Read https://example.com/report"]
    assert not ShortLink.objects.exists()


def test_a_shortener_that_is_down_stops_the_attempt_before_anything_is_sent(
    org, mastodon, httpserver, settings
):
    settings.DUB_API_URL = "http://127.0.0.1:9"  # nothing listens there
    prefer(org, "always", shortener="dub")
    row = LinkSettings.objects.get(organization=org)
    row.secrets = {"api_key": "dub_test_key"}
    row.save()
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    sent = record_statuses(httpserver)

    for _ in engine.BACKOFF:
        assert run(post).state == State.SCHEDULED
        message = fresh(post).error_message
        assert message.startswith("The links of this post could not be shortened")
        assert "nothing was published" in message
        Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.FAILED

    assert sent == []  # the network never saw the post
    item = PostItem.objects.get(post=post)
    assert item.commit_started_at is None and LINKS_KEY not in item.progress
    assert not ShortLink.objects.exists()


def test_a_shortener_that_refuses_the_key_fails_the_post_with_its_words(
    org, mastodon, httpserver, settings
):
    settings.DUB_API_URL = httpserver.url_for("/dub")
    settings.DUB_API_KEY = "dub_revoked"
    prefer(org, "always", shortener="dub")
    httpserver.expect_request("/dub/links", method="POST").respond_with_json(
        {
            "error": {
                "code": "unauthorized",
                "message": "Unauthorized: Invalid API key.",
                "doc_url": "https://dub.co/docs/api-reference/errors#unauthorized",
            }
        },
        status=401,
    )
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    sent = record_statuses(httpserver)
    assert run(post).state == State.FAILED
    message = fresh(post).error_message
    assert "Dub refused our API key: Unauthorized: Invalid API key." in message
    assert "short-link settings" in message and sent == []
    assert fresh(post).error_kind == "permission_denied"  # the channel needs nothing
    assert fresh(post).integration.status == "active"


def test_a_missing_api_key_says_where_to_set_it_and_sends_nothing(org, mastodon, httpserver):
    prefer(org, "always", shortener="kutt", kutt_url="https://kutt.example")
    post = PostFactory(integration=mastodon, items=["Read https://example.com/report"])
    sent = record_statuses(httpserver)
    assert run(post).state == State.FAILED
    assert "Kutt (self-hosted) needs an API key" in fresh(post).error_message
    assert sent == []


def test_the_batch_path_leaves_posts_to_shorten_to_the_one_post_path(org, mastodon, httpserver):
    prefer(org, "always")
    plain = PostFactory(integration=mastodon, items=["no links here"])
    linked = PostFactory(integration=mastodon, items=["see https://example.com/"])
    jobs, _ = engine.claim_next(limit=10)
    assert {job.pk for job in engine.prepare_sends(jobs)} == {plain.pk}
    assert {job.pk for job in jobs} == {plain.pk, linked.pk}


def test_a_link_too_long_to_keep_goes_out_as_written(org, mastodon, httpserver):
    prefer(org, "always")
    long = "https://example.com/?q=" + "a" * 2100
    post = PostFactory(integration=mastodon, items=[f"Long {long} short https://example.com/s"])
    sent = record_statuses(httpserver)
    assert run(post).state == State.PUBLISHED
    short = ShortLink.objects.get(post=post)
    assert short.target == "https://example.com/s"
    assert sent == [f"Long {long} short {short.short_url}"]


def test_a_repeats_later_occurrence_keeps_the_series_answer(org, mastodon, httpserver):
    from posts.models import PostGroup

    first = PostFactory(integration=mastodon, items=["done"], state=State.PUBLISHED)
    GroupLinkChoice.objects.create(group=first.group, shorten=True)  # "ask" is the default
    later = PostFactory(integration=mastodon, items=["Again: https://example.com/weekly"])
    PostGroup.objects.filter(pk=later.group_id).update(repeat_of=first.group)
    sent = record_statuses(httpserver)
    assert run(later).state == State.PUBLISHED
    assert sent == [f"Again: {ShortLink.objects.get(post=later).short_url}"]
