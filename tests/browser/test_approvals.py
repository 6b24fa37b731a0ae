"""Approvals in a real browser: an editor submits, an approver approves, and the engine
publishes it to a faked network; changes requested, edited, approved; and a client
reviewing in the portal without an account."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import Customer
from posts.models import Post, PostGroup
from posts.services import sharing as link_services
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostGroupFactory
from tests.posts.e2e.fakes import FakeNetwork
from tests.posts.e2e.networks import STATUSES, Context, mastodon_connect
from tests.posts.test_networks_end_to_end import publish_due

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def internal(org):
    org.approval_mode = "internal"
    org.save(update_fields=["approval_mode"])
    return org


@pytest.fixture
def page_as(browser, live_server):
    """Like ``page_for``, but each person gets their own session: two people (an author
    and an approver) can have pages open side by side."""
    contexts = []

    def make(user, *, width=1400):
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url,
            timezone_id="Europe/Berlin",
            viewport={"width": width, "height": 900},
        )
        host = live_server.url.split("://", 1)[1].split(":", 1)[0]
        cookie = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": cookie, "domain": host, "path": "/"}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def network(internal, settings, httpserver):
    fake = FakeNetwork(httpserver)
    channel = mastodon_connect(Context(internal, settings, httpserver, fake))
    return fake, channel


def compose(page, channel, text: str) -> None:
    """Write ``text`` for ``channel`` for tomorrow 09:30 (Berlin) and schedule it."""
    page.goto("/o/acme/posts/new/")
    page.locator(f"#channel-{channel.pk}").check()
    page.locator("#item-0-text").fill(text)
    page.locator("#item-0-text").press("End")
    page.get_by_text("Ready for Mastodon").wait_for()
    tomorrow = (timezone.now().astimezone(BERLIN) + timedelta(days=1)).date()
    page.locator("#publish-date").fill(tomorrow.isoformat())
    page.locator("#publish-time").fill("09:30")
    with page.expect_navigation():
        page.locator("button[name=action][value=schedule]").click()


def test_submit_then_approve_then_published(internal, berliner, editor, network, page_as, axe):
    fake, channel = network
    author = page_as(editor)
    compose(author, channel, "Autumn menu is here")
    post = Post.objects.get()
    assert post.state == State.REVIEW and post.review_state == "needs_review"

    approver = page_as(berliner)
    approver.goto("/o/acme/approvals/")
    expect(approver.locator(".nav-count")).to_contain_text("1")
    expect(approver.get_by_role("link", name="Autumn menu is here", exact=True)).to_be_visible()
    # The calendar's popover opens the review panel too.
    day = post.publish_at.astimezone(BERLIN).date().isoformat()
    approver.goto(f"/o/acme/calendar/?view=week&date={day}")
    chip = approver.locator(".cal-post", has_text="Autumn menu is here")
    chip.locator("summary").click()
    with approver.expect_navigation():
        chip.locator(".cal-pop-body").get_by_role("link", name="Review").click()
    assert approver.url.endswith(f"/o/acme/posts/{post.group_id}/review/")
    expect(approver.locator(".preview-card")).to_contain_text("Autumn menu is here")
    assert axe(approver) == []
    with approver.expect_navigation():
        approver.get_by_role("button", name="Approve", exact=True).click()
    expect(approver.locator(".messages")).to_contain_text("Approved.")

    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.review_state == "approved"
    publish_due(now=post.publish_at + timedelta(minutes=1))
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [c.json["status"] for c in fake.sent("POST", STATUSES)] == ["Autumn menu is here"]


def test_request_changes_then_edit_then_approve(internal, berliner, editor, network, page_as):
    _, channel = network
    author = page_as(editor)
    compose(author, channel, "Sale on Monday")
    group = PostGroup.objects.get()

    approver = page_as(berliner)
    approver.goto(f"/o/acme/posts/{group.pk}/review/")
    approver.get_by_label("What should change?").fill("Say Tuesday, not Monday.")
    with approver.expect_navigation():
        approver.get_by_role("button", name="Request changes").click()
    assert Post.objects.get().review_state == "changes_requested"

    # The author reads the request on the review panel, edits, and saves again.
    author.goto(f"/o/acme/posts/{group.pk}/review/")
    expect(author.locator("#thread")).to_contain_text("Say Tuesday, not Monday.")
    author.goto(f"/o/acme/posts/{group.pk}/")
    author.locator("#item-0-text").fill("Sale on Tuesday")
    author.locator("#item-0-text").press("End")
    author.get_by_text("Ready for Mastodon").wait_for()
    with author.expect_navigation():
        author.locator("button[name=action][value=schedule]").click()
    post = Post.objects.get()
    assert post.review_state == "needs_review"

    approver.goto(f"/o/acme/posts/{group.pk}/review/")
    expect(approver.locator(".preview-card")).to_contain_text("Sale on Tuesday")
    with approver.expect_navigation():
        approver.get_by_role("button", name="Approve", exact=True).click()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.review_state == "approved"
    assert post.items.get().content == "Sale on Tuesday"


def test_a_client_approves_one_post_and_asks_changes_on_another(
    org, owner, browser, live_server, axe
):
    org.approval_mode = "internal_client"
    org.save(update_fields=["approval_mode"])
    alpha = Customer.objects.create(organization=org, name="Alpha Foods")
    channel = ChannelFactory(organization=org, customer=alpha, name="Alpha on Mastodon")
    texts = ("Pumpkin soup is back", "Chestnut cake all week")
    for text in texts:
        PostFactory(
            integration=channel,
            group=PostGroupFactory(organization=org, created_by=owner, content=[{"text": text}]),
            state=State.REVIEW,
            review_state="needs_client_review",
            publish_at=timezone.now() + timedelta(days=2),
            items=[text],
        )
    _, token = link_services.portal_link_create(customer=alpha, actor=owner)

    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/portal/{token}/")
        page.get_by_label("Your name").fill("Carla from Alpha")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("Reviewing as")).to_contain_text("Carla from Alpha")
        # At phone width, with two posts and their forms, the page passes axe.
        assert axe(page) == []

        soup = page.locator(".portal-card", has_text=texts[0])
        with page.expect_navigation():
            soup.get_by_role("button", name="Approve").click()
        expect(page.locator(".messages")).to_contain_text("Approved")

        cake = page.locator(".portal-card", has_text=texts[1])
        cake.get_by_label("What should change?").fill("Call it chestnut torte.")
        with page.expect_navigation():
            cake.get_by_role("button", name="Request changes").click()
        expect(page.locator(".messages")).to_contain_text("Sent back")
        expect(page.get_by_text("Nothing waits for you")).to_be_visible()
    finally:
        context.close()

    soup_post = Post.objects.get(items__content=texts[0])
    cake_post = Post.objects.get(items__content=texts[1])
    assert soup_post.state == State.SCHEDULED and soup_post.review_state == "approved"
    assert cake_post.state == State.REVIEW and cake_post.review_state == "changes_requested"
