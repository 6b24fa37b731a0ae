"""Reading a feed: new entries become posts once, the back catalogue floods nothing,
unchanged feeds cost a 304, failures pause the feed and tell the team."""

import threading

import pytest
from django.core import mail
from django.db import connections
from werkzeug import Response

from posts.feeds import reading
from posts.feeds.models import Feed, FeedEntry
from posts.feeds.reading import FeedBusy, feed_fetch
from posts.models import Notification, Post, PostGroup
from posts.states import State
from tests.posts.feeds.conftest import ATOM, fixture, serve

pytestmark = pytest.mark.django_db


def _texts(feed):
    groups = PostGroup.objects.filter(organization=feed.organization).order_by("id")
    return [g.content[0]["text"] for g in groups]


def test_new_entries_of_an_rss_feed_are_posted_with_the_template(httpserver, make_feed):
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, template="{title} by {author}\n{link}", mode=Feed.Mode.NOW)

    result = feed_fetch(feed_id=feed.pk)

    assert result["posted"] == 3
    assert _texts(feed) == [
        "Holiday opening hours by Maya Lindqvist\n"
        "https://northwind.example/2026/11/02/holiday-opening-hours/",
        "How we pick a green coffee lot by Tomás Ferreira\n"
        "https://northwind.example/2026/11/20/how-we-pick-a-green-coffee-lot/",
        "Winter blend is back \u2013 and it\u2019s darker by Maya Lindqvist\n"
        "https://northwind.example/2026/12/03/winter-blend-is-back/",
    ]
    posts = Post.objects.filter(organization=feed.organization)
    assert {p.state for p in posts} == {State.SCHEDULED}
    assert set(PostGroup.objects.values_list("creation_method", flat=True)) == {"rss"}


def test_reading_again_posts_nothing_twice(httpserver, make_feed):
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, mode=Feed.Mode.NOW)
    feed_fetch(feed_id=feed.pk)

    again = feed_fetch(feed_id=feed.pk)

    assert again["new"] == 0
    assert PostGroup.objects.count() == 3


def test_the_first_read_offers_the_back_catalogue_as_drafts(httpserver, make_feed):
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, primed=False, mode=Feed.Mode.NOW)

    feed_fetch(feed_id=feed.pk)

    assert set(Post.objects.values_list("state", flat=True)) == {State.DRAFT}
    assert FeedEntry.objects.filter(outcome="drafted").count() == 3
    feed.refresh_from_db()
    assert feed.primed_at is not None


def test_the_first_read_can_skip_the_back_catalogue(httpserver, make_feed):
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, primed=False, backlog=Feed.Backlog.SKIP)

    feed_fetch(feed_id=feed.pk)

    assert not Post.objects.exists()
    assert FeedEntry.objects.filter(feed=feed, outcome="skipped").count() == 3


def test_only_entries_newer_than_the_first_read_post(httpserver, make_feed):
    old = fixture("rss2.xml")
    httpserver.expect_ordered_request("/feed/").respond_with_data(old, content_type="text/xml")
    newer = old.replace(
        b"<item>",
        b"<item><title>Gift cards</title><link>https://northwind.example/gift-cards/</link>"
        b"<guid isPermaLink='false'>https://northwind.example/?p=1490</guid>"
        b"<pubDate>Sun, 06 Dec 2026 10:00:00 +0000</pubDate></item><item>",
        1,
    )
    httpserver.expect_ordered_request("/feed/").respond_with_data(newer, content_type="text/xml")
    feed = make_feed(httpserver.url_for("/feed/"), primed=False, backlog=Feed.Backlog.SKIP)
    feed.mode = Feed.Mode.NOW
    feed.save()

    feed_fetch(feed_id=feed.pk)
    feed_fetch(feed_id=feed.pk)

    assert _texts(feed) == ["Gift cards\n\nhttps://northwind.example/gift-cards/"]


def test_a_huge_feed_floods_nothing_on_its_first_read(httpserver, make_feed):
    """Thousands of entries shaped like a real WordPress item: a few drafts, the rest
    recorded as skipped, and a second read posts none of them."""
    head, rest = fixture("rss2.xml").split(b"<item>", 1)
    item, tail = rest.split(b"</item>", 1)
    items = [
        b"<item>"
        + item.replace(b"?p=1482", b"?p=%d" % n).replace(
            b"winter-blend-is-back/", b"winter-blend-is-back-%d/" % n
        )
        + b"</item>"
        for n in range(3000)
    ]
    body = head + b"".join(items) + tail.split(b"</item>", 2)[-1]
    url = serve(httpserver, "/huge/", body)
    feed = make_feed(url, primed=False, mode=Feed.Mode.NOW)

    first = feed_fetch(feed_id=feed.pk)
    second = feed_fetch(feed_id=feed.pk)

    assert first["entries"] == 3000
    assert Post.objects.count() == reading.BACKLOG_DRAFTS
    assert FeedEntry.objects.filter(feed=feed).count() == 3000
    assert second["new"] == 0


def test_a_burst_of_new_entries_posts_a_few_and_drafts_the_rest(httpserver, make_feed):
    items = b"".join(
        b"<item><title>Notice %d</title><link>https://council.example/n/%d</link>"
        b"<pubDate>Mon, 07 Dec 2026 07:%02d:00 GMT</pubDate></item>" % (n, n, n)
        for n in range(15)
    )
    body = b"<rss version='2.0'><channel><title>Council</title>" + items + b"</channel></rss>"
    feed = make_feed(serve(httpserver, "/burst/", body), mode=Feed.Mode.NOW)

    result = feed_fetch(feed_id=feed.pk)

    assert result["posted"] == reading.MAX_POSTS_PER_READ
    assert result["drafted"] == 15 - reading.MAX_POSTS_PER_READ
    # The oldest go out; the newest wait as drafts.
    assert Post.objects.filter(state=State.SCHEDULED).count() == reading.MAX_POSTS_PER_READ


def test_an_entry_whose_guid_changed_but_kept_its_link_is_not_posted_again(httpserver, make_feed):
    body = fixture("rss2.xml")
    httpserver.expect_ordered_request("/feed/").respond_with_data(body, content_type="text/xml")
    moved = body.replace(b"https://northwind.example/?p=", b"urn:northwind:post:")
    httpserver.expect_ordered_request("/feed/").respond_with_data(moved, content_type="text/xml")
    feed = make_feed(httpserver.url_for("/feed/"), mode=Feed.Mode.NOW)

    feed_fetch(feed_id=feed.pk)
    again = feed_fetch(feed_id=feed.pk)

    assert again["new"] == 0
    assert PostGroup.objects.count() == 3


def test_republished_and_reordered_entries_are_not_posted_again(httpserver, make_feed):
    body = fixture("atom.xml")
    httpserver.expect_ordered_request("/a").respond_with_data(body, content_type=ATOM)
    first, second = body.split(b"<entry>")[1:]
    head = body.split(b"<entry>")[0]
    republished = (
        head
        + b"<entry>"
        + second.replace(b"</feed>", b"").replace(b"2026-11-12T10:00:00Z", b"2026-12-06T08:00:00Z")
        + b"<entry>"
        + first
    )
    httpserver.expect_ordered_request("/a").respond_with_data(republished, content_type=ATOM)
    feed = make_feed(httpserver.url_for("/a"), mode=Feed.Mode.NOW)

    feed_fetch(feed_id=feed.pk)
    again = feed_fetch(feed_id=feed.pk)

    assert again["entries"] == 2
    assert again["new"] == 0
    assert PostGroup.objects.count() == 2


def test_podcast_episodes_sharing_one_link_are_each_posted(httpserver, make_feed):
    url = serve(httpserver, "/pod", "podcast.xml")
    feed = make_feed(url, mode=Feed.Mode.NOW, template="🎧 {title}\n{summary}")

    feed_fetch(feed_id=feed.pk)

    assert _texts(feed) == [
        "🎧 Hiking Treks Trailer\nThe Sunset Explorers share tips, techniques and "
        "recommendations for\ngreat hikes and adventures around the United States. "
        "Listen on\nApple Podcasts.",
        "🎧 S02 EP03 Bouldering Around Boulder\nWe explore fun walks to climbing areas "
        "about the beautiful Colorado city of Boulder.",
        "🎧 S02 EP04 Mt. Hood, Oregon\nTips for trekking around the tallest mountain in Oregon",
    ]


def test_html_summaries_are_posted_as_plain_text(httpserver, make_feed):
    url = serve(httpserver, "/city", "html_summary.xml")
    feed = make_feed(url, mode=Feed.Mode.NOW, template="{title}\n\n{summary}")

    feed_fetch(feed_id=feed.pk)

    assert _texts(feed)[1] == (
        "Library extends opening hours\n\n"
        "The central library will open until 21:00 on weekdays from January.\n"
        "• Mon\u2013Fri: 08:00\u201321:00\n• Sat: 10:00\u201317:00\n\n"
        "Fees stay the same & membership is free."
    )


def test_relative_links_are_made_absolute_against_the_feed_address(httpserver, make_feed):
    url = serve(httpserver, "/blog/feed.xml", "relative_links.xml", content_type=ATOM)
    feed = make_feed(url, mode=Feed.Mode.NOW, template="{link}")

    feed_fetch(feed_id=feed.pk)

    assert _texts(feed) == [
        httpserver.url_for("/blog/posts/fast-images/"),
        httpserver.url_for("/posts/moving-to-static/"),
    ]


def test_a_malformed_feed_still_posts_what_can_be_read(httpserver, make_feed):
    url = serve(httpserver, "/council", "malformed.xml", content_type="text/xml")
    feed = make_feed(url, mode=Feed.Mode.NOW, template="{title}: {summary}")

    result = feed_fetch(feed_id=feed.pk)

    assert result["malformed"] is True
    assert _texts(feed) == [
        "Bin collection moves to Thursday: From January, bins go out on Thursdays instead "
        "of Tuesdays.",
        "Road works on Mill Lane & Church Street: Closed from 7 December until further notice.",
    ]


def test_a_web_page_instead_of_a_feed_is_a_failure_that_says_so(httpserver, make_feed):
    url = serve(httpserver, "/", "not_a_feed.html", content_type="text/html")
    feed = make_feed(url)

    feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.last_error == (
        "The address gives a web page, not a feed. Use the page's RSS or Atom link."
    )
    assert feed.consecutive_failures == 1


def test_queue_mode_puts_entries_into_the_channels_free_slots(httpserver, make_feed, channel):
    channel.posting_times = ["09:00", "17:00"]
    channel.timezone = "Europe/Paris"
    channel.save()
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, mode=Feed.Mode.QUEUE)

    feed_fetch(feed_id=feed.pk)

    times = sorted(Post.objects.values_list("publish_at", flat=True))
    assert len(set(times)) == 3
    assert {t.astimezone(channel_zone(channel)).strftime("%H:%M") for t in times} <= {
        "09:00",
        "17:00",
    }


def channel_zone(channel):
    from zoneinfo import ZoneInfo

    return ZoneInfo(channel.timezone)


def test_with_review_the_entries_wait_for_an_approver_and_go_out_once_approved(
    httpserver, make_feed, org
):
    from organizations.models import Membership
    from organizations.permissions import Role
    from posts.services.approvals import review_approve
    from tests.factories import UserFactory

    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, mode=Feed.Mode.NOW, with_review=True)

    feed_fetch(feed_id=feed.pk)

    posts = Post.objects.filter(group__creation_method="rss")
    assert posts.exists()
    # The organization needs no approvals, yet nothing of this feed may go out unseen.
    assert set(posts.values_list("state", "review_state")) == {(State.REVIEW, "needs_review")}
    assert set(feed.entries.values_list("note", flat=True)) >= {
        "Waiting for approval before it goes out."
    }
    approver = UserFactory()
    Membership.objects.create(organization=org, user=approver, role=Role.ADMIN)
    post = posts.first()
    review_approve(group=post.group, actor=approver, post_now=True)  # "now" has passed
    post.refresh_from_db()
    assert (post.state, post.review_state) == (State.SCHEDULED, "approved")


def test_per_channel_templates_replace_the_feeds_text(httpserver, make_feed, channel, org):
    from tests.factories import ChannelFactory

    other = ChannelFactory(organization=org, name="Acme on Bluesky")
    url = serve(httpserver, "/feed/", "atom.xml", content_type=ATOM)
    feed = make_feed(
        url,
        channels=[channel, other],
        mode=Feed.Mode.NOW,
        template="{title} {link}",
        channel_templates={str(other.pk): "New release {title}!"},
    )

    feed_fetch(feed_id=feed.pk)

    texts = dict(
        Post.objects.filter(group__content__0__text__startswith="v2.4.0").values_list(
            "integration__name", "items__content"
        )
    )
    assert texts == {
        "Acme on Mastodon": "v2.4.0 https://github.com/example-org/widget/releases/tag/v2.4.0",
        "Acme on Bluesky": "New release v2.4.0!",
    }


# -- Conditional requests ---------------------------------------------------------------
def test_an_unchanged_feed_answers_304_and_nothing_is_parsed(httpserver, make_feed):
    seen = []

    def answer(request):
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            fixture("rss2.xml"),
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": "Thu, 03 Dec 2026 09:12:44 GMT"},
        )

    httpserver.expect_request("/feed/").respond_with_handler(answer)
    feed = make_feed(httpserver.url_for("/feed/"), mode=Feed.Mode.NOW)

    feed_fetch(feed_id=feed.pk)
    second = feed_fetch(feed_id=feed.pk)

    assert second == {"status": 304, "entries": 0, "new": 0, "at": second["at"]}
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Thu, 03 Dec 2026 09:12:44 GMT"
    assert "If-None-Match" not in seen[0]
    assert PostGroup.objects.count() == 3


# -- Failures and pausing ---------------------------------------------------------------
def test_a_feed_failing_again_and_again_is_paused_and_the_team_told(
    httpserver, make_feed, owner, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/gone").respond_with_data("Not Found", status=404)
    feed = make_feed(httpserver.url_for("/gone"))

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(reading.PAUSE_AFTER):
            feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.state == Feed.State.PAUSED
    assert "answered HTTP 404 for the feed" in feed.last_error
    notes = Notification.objects.filter(kind="feed.paused")
    assert {n.user for n in notes} == {owner, editor}
    assert notes[0].title == "RSS feed Blog paused"
    assert {m.to[0] for m in mail.outbox} == {owner.email, editor.email}
    assert "resume the feed" in mail.outbox[0].body
    with pytest.raises(FeedBusy):
        feed_fetch(feed_id=feed.pk)


def test_one_success_clears_the_failure_count(httpserver, make_feed):
    httpserver.expect_ordered_request("/f").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/f").respond_with_data(
        fixture("rss2.xml"), content_type="text/xml"
    )
    feed = make_feed(httpserver.url_for("/f"))

    feed_fetch(feed_id=feed.pk)
    feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert (feed.consecutive_failures, feed.last_error) == (0, "")


def test_a_feed_whose_channels_cannot_post_keeps_its_entries_for_later(
    httpserver, make_feed, channel
):
    channel.status = "needs_reconnect"
    channel.save()
    feed = make_feed(serve(httpserver, "/feed/", "rss2.xml"), mode=Feed.Mode.NOW)

    feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert "None of the feed's channels can post" in feed.last_error
    assert not FeedEntry.objects.exists()


def test_the_private_network_is_refused_with_a_clear_message(settings, make_feed):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False  # as in production
    feed = make_feed("http://127.0.0.1:9/feed")

    feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.last_error == (
        "127.0.0.1 points to a private or local address, which Postiz does not connect to."
    )


def test_a_redirect_into_the_private_network_is_refused(settings, httpserver, make_feed):
    httpserver.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": "http://10.0.0.7/feed"}
    )
    feed = make_feed(httpserver.url_for("/moved"))
    # The fake server itself is on loopback: allow it, then check the hop it sends to.
    from postiz import ssrf

    real = ssrf.vet_url

    def vet(url):
        if "10.0.0.7" in url:
            settings.POSTIZ_ALLOW_PRIVATE_URLS = False
        return real(url)

    import unittest.mock

    with unittest.mock.patch.object(ssrf, "vet_url", vet):
        feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert "10.0.0.7 points to a private or local address" in feed.last_error


def test_a_feed_larger_than_the_cap_is_refused(httpserver, make_feed, monkeypatch):
    from posts.feeds import fetch

    monkeypatch.setattr(fetch, "FEED_MAX_BYTES", 1024)
    feed = make_feed(serve(httpserver, "/big", "podcast.xml"))

    feed_fetch(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.last_error == "The feed at 127.0.0.1 is larger than 1 KB."
    assert not FeedEntry.objects.exists()


# -- Once only, with two workers ----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_workers_reading_the_same_feed_at_once_post_each_entry_once(httpserver, make_feed):
    entered, gate = threading.Event(), threading.Event()

    def slow(request):
        entered.set()
        gate.wait(5)
        return Response(fixture("rss2.xml"), content_type="application/rss+xml")

    httpserver.expect_request("/feed/").respond_with_handler(slow)
    feed = make_feed(httpserver.url_for("/feed/"), mode=Feed.Mode.NOW)
    outcomes = []

    def worker():
        try:
            outcomes.append(feed_fetch(feed_id=feed.pk))
        except FeedBusy:
            outcomes.append("busy")
        finally:
            connections.close_all()

    first = threading.Thread(target=worker)
    first.start()
    assert entered.wait(5)  # the first worker is mid-read, holding the feed
    second = threading.Thread(target=worker)
    second.start()
    second.join(10)
    gate.set()
    first.join(10)

    assert outcomes[0] == "busy"
    assert outcomes[1]["posted"] == 3
    assert PostGroup.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_reads_that_overlap_still_record_each_entry_once(httpserver, make_feed):
    """Even past the lease (a worker that outlived it), the unique key keeps the once."""
    url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(url, mode=Feed.Mode.NOW)
    from posts.feeds.parse import parse

    parsed = parse(fixture("rss2.xml"), url=url)
    barrier = threading.Barrier(2)
    results = []

    def ingest():
        try:
            mine = Feed.objects.select_related("organization").get(pk=feed.pk)
            barrier.wait(5)
            results.append(reading._ingest(mine, parsed))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert PostGroup.objects.count() == 3
    assert FeedEntry.objects.count() == 3
    assert sum(r.get("posted", 0) for r in results) == 3


# -- The schedule -----------------------------------------------------------------------
def test_each_due_feed_gets_its_own_read_job_once_per_turn(make_feed, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    started = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *a: started.append((name, a)))
    due = make_feed("https://a.example/feed", name="A", interval_minutes=30)
    make_feed("https://b.example/feed", name="B", next_fetch_at=timezone.now() + timedelta(hours=1))
    make_feed("https://c.example/feed", name="C", state=Feed.State.PAUSED)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        assert reading.feeds_enqueue_due() == 1
        assert reading.feeds_enqueue_due() == 0

    assert started == [("posts.tasks.fetch_feed", (due.pk,))]
    due.refresh_from_db()
    assert timedelta(minutes=29) < due.next_fetch_at - timezone.now() <= timedelta(minutes=30)


def test_the_feeds_job_is_declared_for_the_worker_not_the_publisher():
    from postiz.schedules import SCHEDULES

    (entry,) = [s for s in SCHEDULES if s["name"] == "posts.feeds_due"]
    assert (entry["func"], entry["minutes"]) == ("posts.tasks.enqueue_due_feeds", 1)


def test_a_deleted_organizations_feeds_are_never_read(make_feed, org, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr("django_q.tasks.async_task", lambda *a: pytest.fail("enqueued"))
    feed = make_feed("https://blog.example/feed/")
    org.deleted_at = timezone.now()
    org.save(update_fields=["deleted_at"])

    assert reading.feeds_enqueue_due() == 0
    with pytest.raises(FeedBusy):
        feed_fetch(feed_id=feed.pk)
