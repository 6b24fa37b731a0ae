"""The one write path for post groups: create, update, delete, duplicate, validate, queue."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.models import Integration
from media.models import MediaFile
from organizations.models import AuditEvent
from posts import engine
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Signature, Tag
from posts.services.groups import (
    GENERAL,
    ChannelInput,
    ItemInput,
    PostNotEditable,
    PostValidationError,
    next_free_slot,
    post_group_create,
    post_group_delete,
    post_group_duplicate,
    post_group_update,
    post_validate,
)
from posts.states import State
from tests.factories import ChannelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def channel(org, provider="mastodon", name=None, **fields):
    """``ChannelFactory`` with a name saying its network (tests/api and tests/browser
    import it too)."""
    fields.setdefault("credentials", {"access_token": "t"})
    return ChannelFactory(
        organization=org, provider=provider, name=name or f"Acme on {provider}", **fields
    )


def media(org, mime="image/png", size=1000, name="photo.png"):
    return MediaFile.objects.create(
        organization=org,
        file=f"org/{org.pk}/{name}",
        name=name,
        kind=mime.split("/")[0] if mime.split("/")[0] in ("image", "video") else "document",
        mime_type=mime,
        size=size,
        width=800,
        height=600,
    )


def later(hours=2):
    return timezone.now() + timedelta(hours=hours)


def codes(issues):
    return [i.code for i in issues if i.severity == "error"]


# -- Creating ---------------------------------------------------------------------------
def test_scheduling_creates_one_post_per_channel_with_its_thread_and_media(org, owner):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    photo = media(org)
    when = later()
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Hello", media_ids=[photo.pk]), ItemInput("More", delay_minutes=5)],
        channels=[ChannelInput(x.pk), ChannelInput(masto.pk, settings={})],
        action="schedule",
        publish_at=when,
    )
    posts = list(group.posts.order_by("integration_id"))
    assert [p.integration_id for p in posts] == sorted([x.pk, masto.pk])
    for post in posts:
        assert post.state == State.SCHEDULED and post.publish_at == when
        items = list(post.items.order_by("position"))
        assert [(i.content, i.delay_minutes) for i in items] == [("Hello", 0), ("More", 5)]
        assert list(items[0].attachments.values_list("media_id", flat=True)) == [photo.pk]
    assert group.content[0] == {"text": "Hello", "media": [photo.pk], "delay_minutes": 0}
    assert group.timezone == org.timezone
    assert AuditEvent.objects.filter(action="post.scheduled", target_id=str(group.pk)).exists()


def test_a_customized_channel_posts_its_own_thread(org, owner):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Global")],
        channels=[ChannelInput(x.pk), ChannelInput(masto.pk, items=[ItemInput("Fediverse")])],
        action="draft",
    )
    by_channel = {p.integration_id: p for p in group.posts.all()}
    assert by_channel[masto.pk].customized is True
    assert by_channel[masto.pk].items.get().content == "Fediverse"
    assert by_channel[x.pk].customized is False
    assert by_channel[x.pk].items.get().content == "Global"
    assert by_channel[x.pk].state == State.DRAFT


def test_text_too_long_for_x_is_refused_for_x_only_and_nothing_is_saved(org, owner):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    text = "a" * 300
    with pytest.raises(PostValidationError) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput(text)],
            channels=[ChannelInput(x.pk), ChannelInput(masto.pk)],
            action="schedule",
            publish_at=later(),
        )
    issues = caught.value.issues_by_channel
    assert codes(issues[x.pk]) == ["text_too_long"]
    assert "280" in issues[x.pk][0].message
    assert codes(issues[masto.pk]) == []
    assert "280" in caught.value.message
    assert not PostGroup.objects.exists() and not Post.objects.exists()
    assert not PostItem.objects.exists()


def test_empty_content_without_media_is_refused(org, owner):
    masto = channel(org)
    issues = post_validate(
        organization=org,
        content=[ItemInput("   ")],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=later(),
    )
    assert codes(issues[masto.pk]) == ["text_required"]


def test_media_alone_is_enough_content(org, owner):
    masto = channel(org)
    issues = post_validate(
        organization=org,
        content=[ItemInput("", media_ids=[media(org).pk])],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=later(),
    )
    assert codes(issues[masto.pk]) == []


def test_scheduling_in_the_past_is_refused_naming_the_time_in_the_groups_zone(org, owner):
    masto = channel(org)
    with pytest.raises(PostValidationError) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Hi")],
            channels=[ChannelInput(masto.pk)],
            action="schedule",
            publish_at=datetime(2020, 1, 1, 12, tzinfo=UTC),
            timezone="Europe/Paris",
        )
    (issue,) = caught.value.issues_by_channel[GENERAL]
    assert issue.code == "date_past"
    assert "2020-01-01 13:00 (Europe/Paris)" in issue.message
    assert not PostGroup.objects.exists()


def test_no_channels_chosen_is_refused(org, owner):
    issues = post_validate(organization=org, content=[ItemInput("Hi")], channels=[], action="draft")
    assert codes(issues[GENERAL]) == ["channels_required"]


def test_a_channel_needing_reconnect_or_disabled_cannot_be_scheduled(org, owner):
    broken = channel(org, status=Integration.Status.NEEDS_RECONNECT, name="Old account")
    off = channel(org, status=Integration.Status.DISABLED)
    issues = post_validate(
        organization=org,
        content=[ItemInput("Hi")],
        channels=[ChannelInput(broken.pk), ChannelInput(off.pk)],
        action="schedule",
        publish_at=later(),
    )
    assert codes(issues[broken.pk]) == ["channel_needs_reconnect"]
    assert "Old account needs reconnecting" in issues[broken.pk][0].message
    assert codes(issues[off.pk]) == ["channel_disabled"]


def test_another_organizations_channel_is_not_found_and_not_touched(org, owner):
    theirs = channel(OrganizationFactory())
    deleted = channel(org, deleted_at=timezone.now())
    with pytest.raises(PostValidationError) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Hi")],
            channels=[ChannelInput(theirs.pk), ChannelInput(deleted.pk)],
            action="draft",
        )
    issues = caught.value.issues_by_channel
    assert codes(issues[theirs.pk]) == ["channel_not_found"]
    assert codes(issues[deleted.pk]) == ["channel_not_found"]
    assert not Post.objects.exists()


def test_media_the_network_refuses_is_an_error_for_that_network(org, owner):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    pdf = media(org, mime="application/pdf", name="deck.pdf")
    issues = post_validate(
        organization=org,
        content=[ItemInput("Slides", media_ids=[pdf.pk])],
        channels=[ChannelInput(x.pk), ChannelInput(masto.pk)],
        action="schedule",
        publish_at=later(),
    )
    assert "media_type" in codes(issues[x.pk])
    assert "application/pdf" in issues[x.pk][0].message


def test_media_of_another_organization_is_not_found(org, owner):
    masto = channel(org)
    theirs = media(OrganizationFactory())
    issues = post_validate(
        organization=org,
        content=[ItemInput("Hi", media_ids=[theirs.pk])],
        channels=[ChannelInput(masto.pk)],
        action="draft",
    )
    assert codes(issues[masto.pk]) == ["media_not_found"]


def test_tags_of_another_organization_are_not_found(org, owner):
    masto = channel(org)
    theirs = Tag.objects.create(organization=OrganizationFactory(), name="Launch")
    with pytest.raises(PostValidationError) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Hi")],
            channels=[ChannelInput(masto.pk)],
            action="draft",
            tags=[theirs.pk],
        )
    assert codes(caught.value.issues_by_channel[GENERAL]) == ["tag_not_found"]


def test_a_draft_keeps_what_is_wrong_as_warnings_and_is_saved(org, owner):
    x = channel(org, "x", status=Integration.Status.NEEDS_RECONNECT)
    tag = Tag.objects.create(organization=org, name="Launch")
    issues = post_validate(
        organization=org,
        content=[ItemInput("a" * 300)],
        channels=[ChannelInput(x.pk)],
        action="draft",
    )
    assert {i.code for i in issues[x.pk]} == {"text_too_long", "channel_needs_reconnect"}
    assert all(i.severity == "warning" for i in issues[x.pk])
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("a" * 300)],
        channels=[ChannelInput(x.pk)],
        action="draft",
        tags=[tag.pk],
    )
    assert group.posts.get().state == State.DRAFT
    assert list(group.tags.all()) == [tag]


def test_post_now_is_due_at_once_and_the_engine_claims_it(org, owner):
    masto = channel(org)
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Now")],
        channels=[ChannelInput(masto.pk)],
        action="now",
    )
    post = group.posts.get()
    assert post.state == State.SCHEDULED
    assert abs((post.publish_at - timezone.now()).total_seconds()) < 5
    assert engine.claim_due() == [post.pk]


def test_the_default_signature_is_appended_once_when_asked(org, owner):
    masto = channel(org)
    Signature.objects.create(organization=org, name="Team", content="-- Acme", is_default=True)
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Hello"), ItemInput("Reply")],
        channels=[ChannelInput(masto.pk)],
        action="draft",
        signature=True,
    )
    items = list(group.posts.get().items.order_by("position"))
    assert items[0].content == "Hello\n\n-- Acme"
    assert items[1].content == "Reply"


# -- Updating ---------------------------------------------------------------------------
def _scheduled(org, owner, *channels, text="Before"):
    return post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput(text)],
        channels=[ChannelInput(c.pk) for c in channels],
        action="schedule",
        publish_at=later(),
    )


def test_editing_a_scheduled_group_replaces_text_time_and_channels(org, owner):
    x, masto, tg = channel(org, "x"), channel(org, "mastodon"), channel(org, "telegram")
    group = _scheduled(org, owner, x, masto)
    kept = group.posts.get(integration=masto)
    when = later(5)
    post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("After"), ItemInput("Reply", delay_minutes=3)],
        channels=[ChannelInput(masto.pk), ChannelInput(tg.pk)],
        action="schedule",
        publish_at=when,
    )
    posts = {p.integration_id: p for p in Post.objects.filter(group=group)}
    assert set(posts) == {masto.pk, tg.pk}  # X was dropped, Telegram added
    assert posts[masto.pk].pk == kept.pk  # the same post, so its history stays
    for post in posts.values():
        assert post.publish_at == when and post.state == State.SCHEDULED
        assert list(post.items.values_list("content", flat=True)) == ["After", "Reply"]
    assert PostGroup.objects.get(pk=group.pk).content[0]["text"] == "After"
    assert AuditEvent.objects.filter(action="post.updated", target_id=str(group.pk)).exists()


def test_an_edit_with_errors_changes_nothing(org, owner):
    x = channel(org, "x")
    group = _scheduled(org, owner, x)
    with pytest.raises(PostValidationError):
        post_group_update(
            group=group,
            actor=owner,
            content=[ItemInput("a" * 400)],
            channels=[ChannelInput(x.pk)],
            action="schedule",
            publish_at=later(),
        )
    assert group.posts.get().items.get().content == "Before"


def test_a_post_the_engine_already_claimed_cannot_be_edited(org, owner):
    masto = channel(org, name="Fedi")
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert engine.claim_due() == [group.posts.get().pk]
    with pytest.raises(PostNotEditable) as caught:
        post_group_update(
            group=group,
            actor=owner,
            content=[ItemInput("Too late")],
            channels=[ChannelInput(masto.pk)],
            action="schedule",
            publish_at=later(),
        )
    assert "Fedi is being published" in caught.value.message
    post = group.posts.get()
    assert post.state == State.PUBLISHING and post.items.get().content == "Before"


def test_a_published_post_cannot_be_edited(org, owner):
    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(state=State.PUBLISHED)
    with pytest.raises(PostNotEditable, match="published"):
        post_group_update(
            group=group,
            actor=owner,
            content=[ItemInput("No")],
            channels=[ChannelInput(masto.pk)],
            action="draft",
        )


def test_moving_a_due_post_back_to_draft_wins_over_the_engine(org, owner):
    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(seconds=1))
    post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("Not yet")],
        channels=[ChannelInput(masto.pk)],
        action="draft",
    )
    assert engine.claim_due() == []
    assert group.posts.get().state == State.DRAFT


def test_a_failed_post_can_be_rescheduled_and_its_error_is_cleared(org, owner):
    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(
        state=State.FAILED, error_message="Server said no", attempts=3
    )
    post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("Again")],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=later(),
    )
    post = group.posts.get()
    assert (post.state, post.error_message, post.attempts) == (State.SCHEDULED, "", 0)


# -- Deleting and duplicating -----------------------------------------------------------
def test_deleting_a_scheduled_group_cancels_it_so_the_engine_finds_nothing(org, owner):
    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert post_group_delete(group=group, actor=owner) == 1
    assert engine.claim_due() == []
    group.refresh_from_db()
    assert group.deleted_at is not None
    assert group.posts.get().state == State.CANCELLED
    assert AuditEvent.objects.filter(action="post.deleted", target_id=str(group.pk)).exists()


def test_deleting_keeps_published_posts_recorded(org, owner):
    x, masto = channel(org, "x"), channel(org)
    group = _scheduled(org, owner, x, masto)
    Post.objects.filter(group=group, integration=x).update(state=State.PUBLISHED)
    assert post_group_delete(group=group, actor=owner) == 1
    states = dict(group.posts.values_list("integration_id", "state"))
    assert states == {x.pk: State.PUBLISHED, masto.pk: State.CANCELLED}


def test_duplicating_makes_drafts_with_the_same_thread_media_and_tags(org, owner):
    masto = channel(org)
    photo = media(org)
    tag = Tag.objects.create(organization=org, name="Launch")
    group = post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("One", media_ids=[photo.pk]), ItemInput("Two", delay_minutes=9)],
        channels=[ChannelInput(masto.pk, settings={"spoiler": "x"})],
        action="schedule",
        publish_at=later(),
        tags=[tag.pk],
    )
    copy = post_group_duplicate(group=group, actor=owner)
    assert copy.pk != group.pk and list(copy.tags.all()) == [tag]
    post = copy.posts.get()
    assert post.state == State.DRAFT and post.publish_at is None
    assert post.settings == {"spoiler": "x"}
    items = list(post.items.order_by("position"))
    assert [(i.content, i.delay_minutes) for i in items] == [("One", 0), ("Two", 9)]
    assert PostItemMedia.objects.get(item=items[0]).media_id == photo.pk
    assert group.posts.get().state == State.SCHEDULED  # the original is untouched


# -- The queue --------------------------------------------------------------------------
def test_queue_picks_the_next_local_slot_across_the_spring_dst_change(org):
    berlin = channel(org, posting_times=["09:00"], timezone="Europe/Berlin")
    # Saturday 2027-03-27 11:00 in Berlin (CET, UTC+1): today's 09:00 has passed.
    after = datetime(2027, 3, 27, 11, tzinfo=BERLIN)
    slot = next_free_slot(organization=org, integrations=[berlin], after=after)
    # Sunday the 28th is the change to CEST (UTC+2): 09:00 local is 07:00 UTC.
    assert slot == datetime(2027, 3, 28, 7, tzinfo=UTC)
    assert slot.astimezone(BERLIN).hour == 9


def test_queue_skips_a_slot_already_taken_by_a_scheduled_post(org, owner):
    berlin = channel(org, posting_times=["09:00"], timezone="Europe/Berlin")
    after = datetime(2027, 3, 27, 11, tzinfo=BERLIN)
    group = _scheduled(org, owner, berlin)
    Post.objects.filter(group=group).update(publish_at=datetime(2027, 3, 28, 7, tzinfo=UTC))
    slot = next_free_slot(organization=org, integrations=[berlin], after=after)
    assert slot == datetime(2027, 3, 29, 7, tzinfo=UTC)


def test_queue_slot_in_the_spring_gap_moves_forward_and_the_autumn_overlap_takes_the_first(org):
    gap = channel(org, posting_times=["02:30"], timezone="Europe/Berlin")
    after = datetime(2027, 3, 28, 0, 30, tzinfo=BERLIN)
    # 02:30 does not exist that night; the slot runs at 03:30 CEST (01:30 UTC).
    assert next_free_slot(organization=org, integrations=[gap], after=after) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )
    after = datetime(2027, 10, 31, 0, 30, tzinfo=BERLIN)
    # 02:30 happens twice; the first one (CEST, UTC+2) is 00:30 UTC.
    assert next_free_slot(organization=org, integrations=[gap], after=after) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


def test_queue_is_never_in_the_past(org):
    masto = channel(org, posting_times=["09:00"], timezone="UTC")
    slot = next_free_slot(
        organization=org, integrations=[masto], after=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert slot > timezone.now()
    assert slot - timezone.now() <= timedelta(days=1)


def test_adding_to_the_queue_twice_takes_two_different_local_slots(org, owner):
    masto = channel(org, posting_times=["09:00", "17:00"], timezone="America/New_York")

    def queue():
        group = post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Queued")],
            channels=[ChannelInput(masto.pk)],
            action="queue",
        )
        return group.posts.get()

    first, second = queue(), queue()
    for post in (first, second):
        assert post.state == State.SCHEDULED and post.publish_at > timezone.now()
        local = post.publish_at.astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) in {(9, 0), (17, 0)}
    assert second.publish_at > first.publish_at
    assert second.publish_at - first.publish_at < timedelta(hours=25)


def test_a_cancelled_post_in_an_edited_group_can_be_scheduled_again(org, owner):
    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(state=State.CANCELLED)
    post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("Back")],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=later(),
    )
    assert group.posts.get().state == State.SCHEDULED


def test_the_same_channel_twice_is_refused(org, owner):
    masto = channel(org)
    with pytest.raises(PostValidationError) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Hi")],
            channels=[ChannelInput(masto.pk), ChannelInput(masto.pk)],
            action="draft",
        )
    assert codes(caught.value.issues_by_channel[GENERAL]) == ["channels_duplicate"]
    assert not Post.objects.exists()


def test_a_channel_on_a_network_no_longer_supported_is_refused_not_a_crash(org, owner):
    gone = channel(org, "myspace", name="Old network")
    issues = post_validate(
        organization=org,
        content=[ItemInput("Hi")],
        channels=[ChannelInput(gone.pk)],
        action="draft",
    )
    assert codes(issues[gone.pk]) == ["channel_unsupported"]


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_progress_holds_the_posts_so_a_worker_claims_nothing_then_the_edit_wins(
    org, owner, monkeypatch
):
    import threading

    from django.db import connection

    from posts.services import groups

    masto = channel(org)
    group = _scheduled(org, owner, masto)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(seconds=1))
    locked, release = threading.Event(), threading.Event()
    write_items = groups._write_items

    def slow_write(post, items):
        locked.set()  # the edit holds the rows now
        assert release.wait(10)
        write_items(post, items)

    monkeypatch.setattr(groups, "_write_items", slow_write)
    claimed = []

    def worker():
        try:
            assert locked.wait(10)
            claimed.append(engine.claim_due())  # skips the locked row at once
            release.set()
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    new_time = later(3)
    post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("Edited just in time")],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=new_time,
    )
    thread.join()
    assert claimed == [[]]
    post = group.posts.get()
    assert (post.state, post.publish_at) == (State.SCHEDULED, new_time)
    assert post.items.get().content == "Edited just in time"
    assert engine.claim_due() == []  # and it is no longer due
