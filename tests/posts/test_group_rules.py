"""The rules both APIs apply to a group, held by posts.services: a published post is not
queued again unless asked, a group is not deleted under the publisher when the caller
says so, a group is saved again with one change, and a series lists its occurrences."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from posts.models import Post
from posts.repeats import occurrences_between
from posts.services.groups import (
    ChannelInput,
    ItemInput,
    PostBeingPublished,
    PostNotEditable,
    RepublishRequired,
    group_action,
    post_group_change,
    post_group_create,
    post_group_delete,
    post_group_update,
)
from posts.states import State
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db


def _group(org, owner, *channels, action="schedule"):
    return post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Hello")],
        channels=[ChannelInput(c.pk) for c in channels],
        action=action,
        publish_at=timezone.now() + timedelta(hours=2) if action != "draft" else None,
    )


def _update(group, owner, **kwargs):
    return post_group_update(
        group=group,
        actor=owner,
        content=[ItemInput("Again")],
        channels=[ChannelInput(p.integration_id) for p in group.posts.all()],
        action="schedule",
        publish_at=timezone.now() + timedelta(hours=3),
        **kwargs,
    )


def test_queueing_a_published_post_again_needs_republish_and_changes_nothing(org, owner):
    group = _group(org, owner, channel(org))
    Post.objects.filter(group=group).update(state=State.PUBLISHED, remote_id="1")
    with pytest.raises(RepublishRequired):
        _update(group, owner)
    assert list(group.posts.values_list("state", flat=True)) == [State.PUBLISHED]
    # Asked for, it is refused like any post that went out (never re-sent under its id).
    with pytest.raises(PostNotEditable) as refused:
        _update(group, owner, republish=True)
    assert not isinstance(refused.value, RepublishRequired)


def test_deleting_a_group_being_published_can_be_refused(org, owner):
    group = _group(org, owner, channel(org), channel(org, "x"))
    first = group.posts.order_by("pk").first()
    Post.objects.filter(pk=first.pk).update(state=State.PUBLISHING)
    with pytest.raises(PostBeingPublished):
        post_group_delete(group=group, actor=owner, while_publishing="refuse")
    assert not group.posts.filter(state=State.CANCELLED).exists()
    group.refresh_from_db()
    assert group.deleted_at is None
    # By default the post being published finishes and the others are cancelled.
    assert post_group_delete(group=group, actor=owner) == 1


def test_a_change_saves_the_group_as_it_stands_with_one_channels_settings_merged(org, owner):
    masto, x = channel(org), channel(org, "x")
    group = _group(org, owner, masto, x, action="draft")
    Post.objects.filter(group=group, integration=masto).update(settings={"visibility": "public"})
    post_group_change(group=group, actor=owner, settings_for={masto.pk: {"spoiler": "cw"}})
    posts = {p.integration_id: p for p in group.posts.exclude(state=State.CANCELLED)}
    assert posts[masto.pk].settings == {"visibility": "public", "spoiler": "cw"}
    assert posts[masto.pk].state == posts[x.pk].state == State.DRAFT
    assert [i.content for i in posts[x.pk].items.all()] == ["Hello"]
    assert group_action(posts.values()) == "draft"


def test_a_weekly_series_lists_its_occurrences_at_the_same_wall_clock_time():
    first = datetime(2030, 3, 18, 8, tzinfo=UTC)  # 09:00 in Paris (winter)
    found = occurrences_between(
        first=first,
        every=1,
        unit="week",
        zone="Europe/Paris",
        until=date(2030, 4, 8),
        start=datetime(2030, 3, 20, tzinfo=UTC),
        end=datetime(2030, 5, 1, tzinfo=UTC),
    )
    # The clocks go forward on 31 March: 09:00 Paris is 07:00 UTC after it; none past until.
    assert found == [
        datetime(2030, 3, 25, 8, tzinfo=UTC),
        datetime(2030, 4, 1, 7, tzinfo=UTC),
        datetime(2030, 4, 8, 7, tzinfo=UTC),
    ]
    assert (
        occurrences_between(
            first=first,
            every=1,
            unit="week",
            zone="Europe/Paris",
            until=None,
            start=datetime(2030, 5, 2, tzinfo=UTC),
            end=datetime(2030, 5, 1, tzinfo=UTC),
        )
        == []
    )
