"""The bell, the notifications page and the morning digest."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from integrations import services as channel_services
from integrations.models import Integration
from posts.models import Notification
from posts.services import notifications
from tests.factories import ChannelFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/o/acme/notifications/"


def note(org, user, title="A post to Acme on Mastodon failed", kind="post.failed", **extra):
    return Notification.objects.create(
        organization=org, user=user, kind=kind, title=title, url="/o/acme/failures/", **extra
    )


# -- The bell ---------------------------------------------------------------------------
def test_the_bell_shows_my_unread_count_on_organization_pages(org, owner, editor, client_for):
    note(org, owner)
    note(org, owner)
    note(org, owner, read_at=timezone.now())
    note(org, editor)  # someone else's
    page = client_for(owner).get("/o/acme/calendar/").content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page
    assert 'id="bell-count" class="bell-count">2<' in page


def test_the_bell_has_no_count_when_everything_is_read(org, owner, client_for):
    note(org, owner, read_at=timezone.now())
    page = client_for(owner).get("/o/acme/calendar/").content.decode()
    assert 'aria-label="Notifications"' in page
    assert 'class="bell-count" hidden' in page


def test_the_bell_is_not_shown_outside_an_organization(org, owner, client_for):
    page = client_for(owner).get("/accounts/profile/").content.decode()
    assert 'id="bell"' not in page


def test_the_bell_counts_only_this_organization(org, owner, client_for):
    other = OrganizationFactory()
    MembershipFactory(organization=other, user=owner)
    note(other, owner)
    page = client_for(owner).get("/o/acme/calendar/").content.decode()
    assert 'aria-label="Notifications"' in page


def test_the_dropdown_lists_the_latest_through_htmx(org, owner, client_for):
    for n in range(10):
        note(org, owner, title=f"Failure {n}")
    response = client_for(owner).get(URL + "?panel=1", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Failure 9" in body and "Failure 1" not in body  # the latest eight
    assert "See all · 10 unread" in body


# -- The page ---------------------------------------------------------------------------
def test_a_viewer_sees_their_own_notifications_in_their_zone(org, viewer, editor, client_for):
    viewer.timezone = "America/New_York"
    viewer.save()
    note(org, viewer, created_at=datetime(2026, 1, 15, 14, 30, tzinfo=UTC), body="“Hello”")
    note(org, editor, title="Not for the viewer")
    page = client_for(viewer).get(URL).content.decode()
    assert "A post to Acme on Mastodon failed" in page and "Not for the viewer" not in page
    assert "15 Jan 2026, 09:30</time> America/New_York" in page


def test_an_empty_bell_says_what_will_appear(org, owner, client_for):
    page = client_for(owner).get(URL).content.decode()
    assert "No notifications" in page and "Mark all read" not in page


def test_the_page_makes_few_queries_however_many_notifications(
    org, owner, client_for, django_assert_max_num_queries
):
    for n in range(25):
        note(org, owner, title=f"n{n}")
    client = client_for(owner)
    # Session, user, membership, count, page rows, unread count, bell and the nav.
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert response.content.decode().count('class="notification ') == 25


def test_marking_one_read_updates_it_and_the_bell(org, owner, client_for):
    mine = note(org, owner)
    note(org, owner, title="Another")
    response = client_for(owner).post(f"{URL}{mine.public_id}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "notification-unread" not in body.split("</li>")[0]
    assert 'id="bell-count" class="bell-count" hx-swap-oob="true">1<' in body
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_nobody_can_mark_someone_elses_notification(org, owner, editor, client_for):
    theirs = note(org, editor)
    response = client_for(owner).post(f"{URL}{theirs.public_id}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outsider_cannot_reach_a_notification_of_ours(org, owner, outsider, client_for):
    mine = note(org, owner)
    assert client_for(outsider).post(f"{URL}{mine.public_id}/read/").status_code == 404
    assert client_for(outsider).get(URL).status_code == 404


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(org, owner, client_for):
    mine = note(org, owner)
    response = client_for(owner).get(f"{URL}{mine.public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/o/acme/failures/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_touches_only_mine_here(org, owner, editor, client_for):
    note(org, owner)
    note(org, owner)
    note(org, editor)
    response = client_for(owner).post(URL + "read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=editor, read_at__isnull=True).count() == 1


# -- The digest -------------------------------------------------------------------------
def published(org, user, title="Published on Acme on Mastodon", at=None):
    return note(
        org,
        user,
        title=title,
        kind="post.published",
        created_at=at or timezone.now(),
        body="“Spring sale”",
    )


def at_local(zone_hour_utc):
    return datetime(2026, 1, 15, zone_hour_utc, 5, tzinfo=UTC)


def test_the_digest_goes_out_at_eight_in_the_morning_where_the_person_lives(org, editor):
    editor.notify_success_digest = True
    editor.timezone = "Asia/Tokyo"  # UTC+9: 08:00 there is 23:00 UTC the day before
    editor.save()
    now = datetime(2026, 1, 15, 23, 10, tzinfo=UTC)
    row = published(org, editor, at=now - timedelta(hours=3))

    assert notifications.digests_send(now=now - timedelta(hours=1)) == 0  # 07:10 in Tokyo
    assert mail.outbox == []
    assert notifications.digests_send(now=now) == 1
    message = mail.outbox[0]
    assert message.to == [editor.email]
    assert message.subject == "1 post published since your last digest"
    assert "Published on Acme on Mastodon" in message.body and "“Spring sale”" in message.body
    assert "Asia/Tokyo" in message.body and "Fri 16 Jan, 05:10" in message.body
    row.refresh_from_db()
    assert row.emailed_at == now
    # An hour later nothing is sent twice.
    assert notifications.digests_send(now=now + timedelta(hours=24)) == 0
    assert len(mail.outbox) == 1


def test_no_digest_when_nothing_was_published_or_it_was_not_asked_for(org, owner, editor):
    editor.notify_success_digest = True
    editor.timezone = "UTC"
    editor.save()
    owner.timezone = "UTC"
    owner.save()
    now = at_local(8)
    published(org, owner, at=now - timedelta(hours=1))  # owner did not ask
    assert notifications.digests_send(now=now) == 0
    assert mail.outbox == []
    assert Notification.objects.get(user=owner).emailed_at == now  # settled, never piles up


def test_the_digest_skips_successes_older_than_a_day(org, editor):
    editor.notify_success_digest = True
    editor.timezone = "UTC"
    editor.save()
    now = at_local(8)
    published(org, editor, title="Old news", at=now - timedelta(days=3))
    published(org, editor, title="Fresh", at=now - timedelta(hours=2))
    assert notifications.digests_send(now=now) == 1
    assert "Fresh" in mail.outbox[0].body and "Old news" not in mail.outbox[0].body


# -- History ----------------------------------------------------------------------------
def test_old_notifications_and_finished_deliveries_are_pruned(org, owner):
    from posts.models import Webhook, WebhookDelivery

    now = timezone.now()
    old = note(org, owner, title="Old", created_at=now - timedelta(days=91))
    recent = note(org, owner, title="Recent", created_at=now - timedelta(days=89))
    hook = Webhook.objects.create(organization=org, name="h", url="https://h.example/", events=[])

    def delivery(state, days):
        return WebhookDelivery.objects.create(
            webhook=hook,
            event="post.failed",
            event_id=f"00000000-0000-4000-8000-{days:012d}",
            payload={},
            state=state,
            created_at=now - timedelta(days=days),
        )

    done = delivery("delivered", 31)
    still_trying = delivery("pending", 32)
    kept = delivery("failed", 29)
    assert notifications.history_prune(now=now) == {"notifications": 1, "deliveries": 1}
    assert list(Notification.objects.all()) == [recent]
    assert not Notification.objects.filter(pk=old.pk).exists()
    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert remaining == {still_trying.pk, kept.pk} and done.pk not in remaining


# -- Emails in the reader's language ----------------------------------------------------
@pytest.fixture
def french_owner_english_admin(owner, admin):
    owner.language = "fr"
    owner.save()
    admin.language = "en"
    admin.save()
    return owner, admin


def test_a_failure_email_reaches_each_member_in_their_own_language(org, french_owner_english_admin):
    owner, admin = french_owner_english_admin
    ids = [note(org, owner).pk, note(org, admin).pk]
    assert notifications.notifications_email(notification_ids=ids) == 2
    by_reader = {message.to[0]: message for message in mail.outbox}

    french = by_reader[owner.email]
    assert "Corrigez ce que le réseau a signalé, puis reprogrammez la publication" in french.body
    assert "Vous recevez cet e-mail parce que vous publiez dans Acme" in french.body
    assert "Fix what the network said" not in french.body

    english = by_reader[admin.email]
    assert english.subject == "A post to Acme on Mastodon failed in Acme"
    assert "Fix what the network said, then reschedule or post it again." in english.body
    assert "You get this email because you publish in Acme" in english.body


def test_a_channel_to_reconnect_is_told_to_each_manager_in_their_own_language(
    org, french_owner_english_admin, django_capture_on_commit_callbacks
):
    owner, admin = french_owner_english_admin
    channel = ChannelFactory(organization=org, name="Acme on Mastodon")
    with django_capture_on_commit_callbacks(execute=True):
        channel_services.integration_set_status(
            integration=channel,
            status=Integration.Status.NEEDS_RECONNECT,
            error="The access token was revoked.",
        )
    by_reader = {message.to[0]: message for message in mail.outbox}
    assert set(by_reader) == {owner.email, admin.email}

    french = by_reader[owner.email]
    assert french.subject == "Acme on Mastodon doit être reconnecté dans Acme"
    assert "Les publications sur ce canal ne pourront pas paraître" in french.body
    assert "Vous recevez cet e-mail parce que vous gérez les canaux de Acme" in french.body

    english = by_reader[admin.email]
    assert english.subject == "Acme on Mastodon needs reconnecting in Acme"
    assert "Posts to this channel cannot be published until someone reconnects it" in english.body
