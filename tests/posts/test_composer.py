"""The composer pages: write, check, preview, schedule, edit, duplicate, delete, comment."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.models import Customer, Integration
from posts.models import Comment, Post, PostGroup, Signature
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.states import State
from tests.factories import MembershipFactory, OrganizationFactory
from tests.posts.test_groups import channel, media

pytestmark = pytest.mark.django_db


def url(org, name="new", *args):
    from django.urls import reverse

    return reverse(f"posts:{name}", args=[org.slug, *args])


def tomorrow_local(zone="Europe/Paris"):
    local = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo(zone))
    return local.date().isoformat(), "10:30"


def form(*channels, text="Hello", action="schedule", **extra):
    day, at = tomorrow_local()
    data = {
        "channels": [str(c.pk) for c in channels],
        "item-0-text": text,
        "publish_date": day,
        "publish_time": at,
        "timezone": "Europe/Paris",
        "action": action,
    }
    data.update(extra)
    return data


# -- The page ---------------------------------------------------------------------------
def test_the_composer_shows_channels_grouped_by_customer_and_why_one_is_unusable(
    org, editor, client_for
):
    shop = Customer.objects.create(organization=org, name="Shop")
    channel(org, "mastodon", name="Shop toots", customer=shop)
    channel(org, "x", name="Old X", status=Integration.Status.NEEDS_RECONNECT)
    page = client_for(editor).get(url(org)).content.decode()
    assert "Shop" in page and "Shop toots" in page
    assert "Needs reconnecting" in page
    assert "Europe/Paris" in page  # the person's zone is named


def test_the_composer_has_an_empty_state_without_channels(org, editor, client_for):
    page = client_for(editor).get(url(org)).content.decode()
    assert "No channels yet" in page and "Connect a channel" in page


def test_a_new_post_starts_with_the_default_signature(org, editor, client_for):
    channel(org)
    Signature.objects.create(
        organization=org, name="Sig", content="-- The Acme team", is_default=True
    )
    page = client_for(editor).get(url(org)).content.decode()
    assert "-- The Acme team</textarea>" in page


def test_the_composer_page_costs_a_fixed_number_of_queries(
    org, editor, client_for, django_assert_max_num_queries
):
    channels = [channel(org, p) for p in ("x", "mastodon", "telegram", "bluesky", "slack")]
    group = post_group_create(
        organization=org,
        actor=editor,
        content=[ItemInput("One", media_ids=[media(org).pk]), ItemInput("Two")],
        channels=[ChannelInput(c.pk) for c in channels],
        action="draft",
    )
    client = client_for(editor)
    # One of them asks whether to offer short links (the preference and the saved answer).
    with django_assert_max_num_queries(23):
        assert client.get(url(org, "edit", group.pk)).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(url(org)).status_code == 200


# -- Saving -----------------------------------------------------------------------------
def test_scheduling_from_the_form_creates_one_post_per_channel_at_the_local_time(
    org, editor, client_for
):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    data = form(x, masto, text="Launch day")
    data.update({"item-1-text": "Details follow", "item-1-delay": "10"})
    client = client_for(editor)
    response = client.post(url(org), data)
    assert response.status_code == 302
    group = PostGroup.objects.get()
    assert response["Location"] == url(org, "edit", group.pk)
    posts = list(group.posts.all())
    assert len(posts) == 2
    local = posts[0].publish_at.astimezone(ZoneInfo("Europe/Paris"))
    assert local.strftime("%Y-%m-%d %H:%M") == f"{data['publish_date']} 10:30"
    for post in posts:
        assert post.state == State.SCHEDULED
        assert [(i.content, i.delay_minutes) for i in post.items.all()] == [
            ("Launch day", 0),
            ("Details follow", 10),
        ]
    follow = client.get(response["Location"]).content.decode()
    assert "Scheduled for" in follow and "(Europe/Paris)" in follow


def test_errors_come_back_per_channel_with_the_text_kept_and_nothing_saved(org, editor, client_for):
    x, masto = channel(org, "x", name="Our X"), channel(org, "mastodon")
    long = "word " * 70
    response = client_for(editor).post(url(org), form(x, masto, text=long))
    assert response.status_code == 400
    page = response.content.decode()
    assert "X allows 280 characters" in page
    assert long.strip() in page  # nothing typed is lost
    assert not PostGroup.objects.exists()


def test_a_viewer_cannot_open_the_composer(org, viewer, client_for):
    assert client_for(viewer).get(url(org)).status_code == 403
    assert client_for(viewer).post(url(org), {}).status_code == 403


def test_an_outsider_gets_404_for_another_organizations_post(org, editor, outsider, client_for):
    masto = channel(org)
    group = post_group_create(
        organization=org,
        actor=editor,
        content=[ItemInput("Hi")],
        channels=[ChannelInput(masto.pk)],
        action="draft",
    )
    theirs = MembershipFactory(user=outsider).organization
    assert client_for(outsider).get(url(theirs, "edit", group.pk)).status_code == 404
    assert client_for(outsider).post(url(theirs, "delete", group.pk)).status_code == 404
    assert client_for(outsider).get(url(org, "edit", group.pk)).status_code == 404
    assert PostGroup.objects.get(pk=group.pk).deleted_at is None


def test_another_organizations_channel_id_is_refused(org, editor, client_for):
    theirs = channel(OrganizationFactory())
    response = client_for(editor).post(url(org), form(theirs))
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_adding_to_the_queue_says_which_slot_it_chose(org, editor, client_for):
    masto = channel(org, posting_times=["08:15"], timezone="Europe/Berlin")
    response = client_for(editor).post(url(org), form(masto, action="queue"), follow=True)
    post = Post.objects.get()
    local = post.publish_at.astimezone(ZoneInfo(post.group.timezone))
    assert post.publish_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "08:15"
    assert f"Added to the queue: {local:%a %-d %b %Y, %H:%M}" in response.content.decode()


def test_saving_a_draft_keeps_a_too_long_text_for_later(org, editor, client_for):
    x = channel(org, "x")
    response = client_for(editor).post(url(org), form(x, text="a" * 400, action="draft"))
    assert response.status_code == 302
    assert Post.objects.get().state == State.DRAFT


# -- Editing the thread without script -------------------------------------------------
def test_add_a_reply_and_customize_a_channel_without_saving(org, editor, client_for):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    client = client_for(editor)
    page = client.post(url(org), form(x, masto, op="add::")).content.decode()
    assert 'name="item-1-text"' in page and "Reply 1" in page
    page = client.post(url(org), form(x, masto, op=f"customize:{masto.pk}:")).content.decode()
    assert f'name="c{masto.pk}-item-0-text"' in page
    assert "Back to the global text" in page
    assert not PostGroup.objects.exists()


def test_a_customized_channel_is_saved_with_its_own_text(org, editor, client_for):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    data = form(x, masto, text="Short for X")
    data.update({f"custom-{masto.pk}": "1", f"c{masto.pk}-item-0-text": "Longer for Mastodon"})
    assert client_for(editor).post(url(org), data).status_code == 302
    texts = {p.integration_id: p.items.get().content for p in Post.objects.all()}
    assert texts == {x.pk: "Short for X", masto.pk: "Longer for Mastodon"}


def test_attaching_a_library_file_adds_it_to_the_item(org, editor, client_for):
    masto = channel(org)
    photo = media(org, name="cat.png")
    data = form(masto, op="attach::0", **{"item-0-add-media": str(photo.pk)})
    page = client_for(editor).post(url(org), data).content.decode()
    assert f'name="item-0-media" value="{photo.pk}"' in page
    data = form(masto, **{"item-0-media": str(photo.pk)})
    assert client_for(editor).post(url(org), data).status_code == 302
    assert Post.objects.get().items.get().attachments.get().media_id == photo.pk


def test_network_settings_are_read_by_the_networks_declared_fields(org, editor, client_for):
    x = channel(org, "x")
    data = form(x, **{f"s{x.pk}-who_can_reply_post": "following"})
    assert client_for(editor).post(url(org), data).status_code == 302
    assert Post.objects.get().settings == {"who_can_reply_post": "following"}


# -- htmx fragments ---------------------------------------------------------------------
def test_the_live_count_uses_the_networks_counting_and_marks_over_the_limit(
    org, editor, client_for
):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    text = "a" * 281
    response = client_for(editor).post(
        url(org, "composer_validate"), form(x, masto, text=text), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "281 / 280" in page and "281 / 500" in page
    assert page.count("count-over") == 1
    assert 'data-has-errors="true"' in page


def test_the_checks_are_clear_when_every_channel_can_take_the_post(org, editor, client_for):
    masto = channel(org)
    response = client_for(editor).post(url(org, "composer_validate"), form(masto))
    page = response.content.decode()
    assert 'data-has-errors="false"' in page and "Ready for Mastodon" in page


def test_the_preview_shows_each_channels_thread(org, editor, client_for):
    x, masto = channel(org, "x", name="Acme X"), channel(org, "mastodon")
    data = form(x, masto, text="Root <b>bold</b>", **{"item-1-text": "Second", "item-1-delay": "5"})
    page = client_for(editor).post(url(org, "composer_preview"), data).content.decode()
    assert "Acme X" in page and page.count("Root &lt;b&gt;bold&lt;/b&gt;") == 2
    assert "Reply, 5 min later" in page


def test_the_checks_say_a_channel_needs_reconnecting(org, editor, client_for):
    broken = channel(org, status=Integration.Status.NEEDS_RECONNECT, name="Old")
    page = client_for(editor).post(url(org, "composer_validate"), form(broken)).content.decode()
    assert "Old needs reconnecting" in page


# -- Edit, duplicate, delete ------------------------------------------------------------
def _group(org, user, *channels, action="schedule"):
    return post_group_create(
        organization=org,
        actor=user,
        content=[ItemInput("Before")],
        channels=[ChannelInput(c.pk) for c in channels],
        action=action,
        publish_at=timezone.now() + timedelta(days=2),
    )


def test_the_edit_page_shows_the_saved_post_in_its_zone_and_saves_changes(org, editor, client_for):
    masto = channel(org)
    group = _group(org, editor, masto)
    client = client_for(editor)
    page = client.get(url(org, "edit", group.pk)).content.decode()
    local = group.posts.get().publish_at.astimezone(ZoneInfo(group.timezone))
    assert ">Before</textarea>" in page
    assert f'value="{local:%H:%M}"' in page
    response = client.post(url(org, "edit", group.pk), form(masto, text="After"))
    assert response.status_code == 302
    assert group.posts.get().items.get().content == "After"


def test_a_post_being_published_is_shown_locked_and_an_edit_is_refused(org, editor, client_for):
    masto = channel(org)
    group = _group(org, editor, masto)
    Post.objects.filter(group=group).update(state=State.PUBLISHING)
    client = client_for(editor)
    assert "can no longer be edited" in client.get(url(org, "edit", group.pk)).content.decode()
    response = client.post(url(org, "edit", group.pk), form(masto, text="Late"))
    assert response.status_code == 409
    assert group.posts.get().items.get().content == "Before"


def test_duplicate_opens_a_draft_copy(org, editor, client_for):
    masto = channel(org)
    group = _group(org, editor, masto)
    response = client_for(editor).post(url(org, "duplicate", group.pk))
    copy = PostGroup.objects.exclude(pk=group.pk).get()
    assert response["Location"] == url(org, "edit", copy.pk)
    assert copy.posts.get().state == State.DRAFT


def test_delete_asks_first_then_cancels_the_scheduled_posts(org, editor, client_for):
    masto = channel(org)
    group = _group(org, editor, masto)
    client = client_for(editor)
    assert "Delete this post?" in client.get(url(org, "delete", group.pk)).content.decode()
    assert group.posts.get().state == State.SCHEDULED
    response = client.post(url(org, "delete", group.pk))
    assert response.status_code == 302
    assert group.posts.get().state == State.CANCELLED
    assert client.get(url(org, "edit", group.pk)).status_code == 404


# -- Comments ---------------------------------------------------------------------------
def test_comments_are_listed_with_author_and_time_in_the_viewers_zone(org, editor, client_for):
    masto = channel(org)
    group = _group(org, editor, masto)
    editor.timezone = "Asia/Tokyo"
    editor.save(update_fields=["timezone"])
    client = client_for(editor)
    response = client.post(
        url(org, "comment_add", group.pk), {"body": "Check the link"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    comment = Comment.objects.get()
    local = comment.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert "Check the link" in page and editor.display_name in page
    assert f"{local:%H:%M} (Asia/Tokyo)" in page
    assert "Check the link" in client.get(url(org, "edit", group.pk)).content.decode()


def test_an_empty_comment_is_refused_with_a_reason(org, editor, client_for):
    group = _group(org, editor, channel(org))
    response = client_for(editor).post(
        url(org, "comment_add", group.pk), {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert "Write a comment" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_composer_offers_the_library_picker_outside_its_form(org, editor, client_for):
    channel(org)
    media(org, name="dog.png")
    client = client_for(editor)
    page = client.get(url(org)).content.decode()
    picker = f'data-picker-url="/o/{org.slug}/media/picker/"'
    assert picker in page
    assert page.index("</form>", page.index('id="composer-form"')) < page.index(picker)
    assert 'data-open-picker="item-0"' in page
    assert "dog.png" in client.get(f"/o/{org.slug}/media/picker/").content.decode()


def test_the_checks_name_a_channel_on_an_unsupported_network(org, editor, client_for):
    gone = channel(org, "myspace", name="Old network")
    page = client_for(editor).post(url(org, "composer_validate"), form(gone)).content.decode()
    assert "Old network is on a network this server no longer supports" in page


def test_alt_text_written_in_the_composer_is_saved_on_the_attachment(org, editor, client_for):
    masto = channel(org)
    photo = media(org, name="chart.png")
    data = form(masto, **{"item-0-media": str(photo.pk), f"item-0-alt-{photo.pk}": "Sales up"})
    client = client_for(editor)
    assert client.post(url(org), data).status_code == 302
    post = Post.objects.get()
    assert post.items.get().attachments.get().alt_text == "Sales up"
    page = client.get(url(org, "edit", post.group_id)).content.decode()
    assert f'name="item-0-alt-{photo.pk}" value="Sales up"' in page


def test_alt_text_too_long_for_x_is_refused(org, editor, client_for):
    x = channel(org, "x")
    photo = media(org, name="chart.png")
    data = form(x, **{"item-0-media": str(photo.pk), f"item-0-alt-{photo.pk}": "a" * 1200})
    response = client_for(editor).post(url(org), data)
    assert response.status_code == 400
    assert not Post.objects.exists()


# -- The suggested time and the channels' tabs in place ---------------------------------
def _field(page: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    return match[1] if match else ""


def test_a_new_post_suggests_the_next_round_hour_without_channels(org, editor, client_for):
    editor.timezone = "Europe/Paris"
    editor.save(update_fields=["timezone"])
    channel(org, posting_times=["06:45"])  # not chosen: its slots do not count

    def next_hour():
        local = timezone.now().astimezone(ZoneInfo("Europe/Paris")) + timedelta(hours=1)
        return f"{local:%Y-%m-%d %H}:00"

    before = next_hour()
    page = client_for(editor).get(url(org)).content.decode()
    suggested = f"{_field(page, 'publish_date')} {_field(page, 'publish_time')}"
    assert suggested in (before, next_hour())
    assert "The next round hour" in page
    assert 'name="when_suggested" value="1"' in page


def test_a_new_post_suggests_the_chosen_channels_next_free_slot(org, editor, client_for):
    masto = channel(org, posting_times=["06:45"], timezone="Europe/Paris")
    page = client_for(editor).get(url(org) + f"?channel={masto.pk}").content.decode()
    assert _field(page, "publish_time") == "06:45"
    assert "The next free posting slot of the chosen channels" in page


def test_the_calendars_date_and_time_win_over_a_suggestion(org, editor, client_for):
    channel(org)
    page = client_for(editor).get(url(org) + "?date=2030-01-02&time=07:30").content.decode()
    assert _field(page, "publish_date") == "2030-01-02"
    assert _field(page, "publish_time") == "07:30"
    assert "when_suggested" not in page


def test_ticking_a_channel_with_htmx_answers_its_tab_and_the_suggested_time_only(
    org, editor, client_for
):
    masto = channel(org, name="Acme toots", posting_times=["06:45"], timezone="Europe/Paris")
    data = form(masto, op="refresh::", when_suggested="1", publish_time="11:00")
    response = client_for(editor).post(url(org), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<!doctype" not in page.lower()  # a fragment, not the page
    assert 'id="composer-channel-tabs"' in page and "Acme toots" in page
    assert 'id="composer-when" hx-swap-oob="true"' in page
    assert _field(page, "publish_time") == "06:45"


def test_a_time_the_person_chose_is_kept_when_the_channels_change(org, editor, client_for):
    masto = channel(org, posting_times=["06:45"], timezone="Europe/Paris")
    data = form(masto, op="refresh::", publish_time="11:00")
    page = client_for(editor).post(url(org), data, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-swap-oob" not in page and "06:45" not in page


def test_the_checks_say_when_schedule_sends_it_in_the_readers_clock(org, editor, client_for):
    editor.clock = "12"
    editor.save(update_fields=["clock"])
    masto = channel(org)
    data = form(masto, publish_time="15:30")
    page = client_for(editor).post(url(org, "composer_validate"), data).content.decode()
    assert "Schedule sends it on" in page and "3:30 PM (Europe/Paris)" in page
