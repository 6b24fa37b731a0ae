"""The Channels page, a channel's page, customers, tenancy on object ids, the admin."""

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Customer
from organizations.models import AuditEvent
from tests.factories import ChannelFactory, OrganizationFactory

from .conftest import X_ACCESS, X_REFRESH

pytestmark = pytest.mark.django_db


def test_the_channels_page_groups_channels_by_customer(org, owner, client_for, make_channel):
    acme_client = Customer.objects.create(organization=org, name="Bakery")
    make_channel(name="Bakery on X", customer=acme_client)
    make_channel(name="Loose channel", external_id="2", status="needs_reconnect")
    content = client_for(owner).get("/o/acme/channels/").content.decode()
    assert content.index("Bakery") < content.index("Bakery on X")
    assert content.index("No customer") < content.index("Loose channel")
    assert "Needs reconnecting" in content and "Reconnect" in content
    assert X_ACCESS not in content and X_REFRESH not in content


def test_an_empty_organization_sees_the_empty_state_and_the_networks(org, owner, client_for):
    content = client_for(owner).get("/o/acme/channels/").content.decode()
    assert "No channels connected" in content
    assert "Bluesky" in content and "Add channel" in content


def test_a_viewer_sees_channels_but_no_connect_buttons(org, viewer, client_for, make_channel):
    make_channel()
    content = client_for(viewer).get("/o/acme/channels/").content.decode()
    assert "X Developers" in content
    assert "Add channel" not in content


def test_the_channels_list_query_count_does_not_grow_with_channels(
    org, owner, client_for, make_channel, django_assert_max_num_queries
):
    client = client_for(owner)
    for number in range(3):
        customer = Customer.objects.create(organization=org, name=f"C{number}")
        make_channel(external_id=f"a{number}", customer=customer)
    with django_assert_max_num_queries(12) as few:
        client.get("/o/acme/channels/")
    for number in range(20):
        make_channel(external_id=f"b{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/o/acme/channels/")


ACTIONS = ["rename/", "customer/", "times/", "preferences/", "disable/", "enable/", "check/"]
OBJECT_ROUTES = [("get", ""), ("get", "delete/"), ("post", "delete/")] + [
    ("post", path) for path in ACTIONS
]


@pytest.mark.parametrize(("method", "path"), OBJECT_ROUTES)
def test_another_organizations_channel_is_not_found(owner, client_for, method, path):
    theirs = ChannelFactory(
        organization=OrganizationFactory(), provider="x", external_id="1", name="Theirs"
    )
    data = {"name": "Mine now", "times": ["10:00"], "timezone": "UTC", "new_customer": "C"}
    response = getattr(client_for(owner), method)(f"/o/acme/channels/{theirs.pk}/{path}", data)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and theirs.status == "active" and theirs.deleted_at is None


@pytest.mark.parametrize("path", ["rename/", "delete/"])
def test_another_organizations_customer_is_not_found(owner, client_for, path):
    theirs = Customer.objects.create(organization=OrganizationFactory(), name="Theirs")
    response = client_for(owner).post(f"/o/acme/channels/customers/{theirs.pk}/{path}")
    assert response.status_code == 404
    assert Customer.objects.filter(pk=theirs.pk, name="Theirs").exists()


def test_a_viewer_cannot_change_a_channel(org, viewer, client_for, make_channel):
    channel = make_channel()
    client = client_for(viewer)
    assert client.post(f"/o/acme/channels/{channel.pk}/rename/", {"name": "x"}).status_code == 403
    assert client.post(f"/o/acme/channels/{channel.pk}/delete/").status_code == 403
    assert client.get(f"/o/acme/channels/{channel.pk}/").status_code == 200
    channel.refresh_from_db()
    assert channel.name == "X Developers" and channel.deleted_at is None


def test_an_outsider_cannot_see_a_channel(org, outsider, client_for, make_channel):
    channel = make_channel()
    assert client_for(outsider).get(f"/o/acme/channels/{channel.pk}/").status_code == 404


def test_the_channel_page_shows_health_without_secrets(org, owner, client_for, make_channel):
    channel = make_channel(
        scopes=["tweet.write", "users.read"],
        last_error="X had a server error (502).",
        last_error_at=timezone.now(),
        last_refreshed_at=timezone.now(),
    )
    content = client_for(owner).get(f"/o/acme/channels/{channel.pk}/").content.decode()
    for expected in ("Active", "tweet.write", "X had a server error (502).", "Europe/Paris"):
        assert expected in content
    assert "access_token" in content and "refresh_token" in content
    assert X_ACCESS not in content and X_REFRESH not in content


def test_deleting_hides_the_channel_and_says_how_many_posts_were_cancelled(
    org, owner, client_for, make_channel, monkeypatch
):
    channel = make_channel()
    handlers = []
    monkeypatch.setattr(services, "_deleted_handlers", handlers)
    services.register_channel_deleted_handler(
        lambda integration, actor: 2, count=lambda integration: 2
    )
    client = client_for(owner)
    confirm = client.get(f"/o/acme/channels/{channel.pk}/delete/")
    assert b"2 scheduled posts to this channel will be cancelled" in confirm.content

    response = client.post(f"/o/acme/channels/{channel.pk}/delete/", follow=True)

    assert b"2 scheduled posts cancelled" in response.content
    assert b"X Developers" not in response.content.split(b'id="main"')[1].split(b"messages")[0]
    channel.refresh_from_db()
    assert channel.deleted_at is not None
    assert client.get(f"/o/acme/channels/{channel.pk}/").status_code == 404
    event = AuditEvent.objects.get(action="channel.deleted")
    assert event.details["cancelled_posts"] == 2


def test_deleting_without_scheduled_posts_says_none_were_cancelled(
    org, owner, client_for, make_channel
):
    channel = make_channel()
    response = client_for(owner).post(f"/o/acme/channels/{channel.pk}/delete/", follow=True)
    assert b"0 scheduled posts cancelled" in response.content


def test_rename_disable_and_enable_are_audited(org, owner, client_for, make_channel):
    channel = make_channel()
    client = client_for(owner)
    client.post(f"/o/acme/channels/{channel.pk}/rename/", {"name": "  Brand  X "})
    client.post(f"/o/acme/channels/{channel.pk}/disable/")
    channel.refresh_from_db()
    assert channel.name == "Brand X" and channel.status == "disabled"
    client.post(f"/o/acme/channels/{channel.pk}/enable/")
    channel.refresh_from_db()
    assert channel.status == "active"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"channel.renamed", "channel.disabled", "channel.enabled"} <= actions


def test_posting_times_are_validated_sorted_and_deduplicated(org, owner, client_for, make_channel):
    channel = make_channel()
    client = client_for(owner)
    client.post(
        f"/o/acme/channels/{channel.pk}/times/",
        {"times": ["17:00", "9:05", "17:00", ""], "timezone": "America/New_York"},
    )
    channel.refresh_from_db()
    assert channel.posting_times == ["09:05", "17:00"]
    assert channel.timezone == "America/New_York"

    response = client.post(
        f"/o/acme/channels/{channel.pk}/times/",
        {"times": ["25:00"], "timezone": "America/New_York"},
        follow=True,
    )
    assert b"25:00 is not a time of day" in response.content
    response = client.post(
        f"/o/acme/channels/{channel.pk}/times/", {"times": [""], "timezone": "UTC"}, follow=True
    )
    assert b"at least one posting time" in response.content
    channel.refresh_from_db()
    assert channel.posting_times == ["09:05", "17:00"]


def test_preferences_follow_the_providers_fields(org, owner, client_for, make_channel):
    channel = make_channel()
    client = client_for(owner)
    client.post(f"/o/acme/channels/{channel.pk}/preferences/", {"premium": "on"})
    channel.refresh_from_db()
    assert channel.preferences == {"premium": True}
    with pytest.raises(Exception, match="not a preference"):
        services.integration_update_preferences(integration=channel, values={"colour": "red"})


def test_customers_are_created_assigned_renamed_and_deleted(org, owner, client_for, make_channel):
    channel = make_channel()
    client = client_for(owner)
    client.post(f"/o/acme/channels/{channel.pk}/customer/", {"new_customer": "Bakery"})
    channel.refresh_from_db()
    customer = channel.customer
    assert customer.name == "Bakery" and customer.organization == org

    duplicate = client.post("/o/acme/channels/customers/", {"name": "bakery"}, follow=True)
    assert b"already a customer called bakery" in duplicate.content
    client.post(f"/o/acme/channels/customers/{customer.pk}/rename/", {"name": "Bakehouse"})
    customer.refresh_from_db()
    assert customer.name == "Bakehouse"

    client.post(f"/o/acme/channels/customers/{customer.pk}/delete/")
    channel.refresh_from_db()
    assert channel.customer is None and not Customer.objects.exists()


def test_a_channel_cannot_be_given_another_organizations_customer(
    org, owner, client_for, make_channel
):
    channel = make_channel()
    theirs = Customer.objects.create(organization=OrganizationFactory(), name="Theirs")
    response = client_for(owner).post(
        f"/o/acme/channels/{channel.pk}/customer/", {"customer": theirs.pk}
    )
    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.customer is None


def test_check_connection_updates_the_profile(x_network, org, owner, client_for, make_channel):
    from .conftest import reply

    channel = make_channel(avatar_url="")
    # The check renews the grant first (X rotates the refresh token), then reads the profile.
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_response(
        reply("x", "token_rotated")
    )
    x_network.expect_request("/x-api/2/users/me").respond_with_response(reply("x", "users_me"))
    response = client_for(owner).post(f"/o/acme/channels/{channel.pk}/check/", follow=True)
    assert b"the connection works" in response.content
    channel.refresh_from_db()
    assert channel.username == "XDevelopers"
    # The network's picture is copied here (a job); its address is never shown.
    assert channel.meta["avatar_source"].endswith("dev_normal.jpg")
    assert channel.avatar_url == ""


def test_the_admin_never_shows_credentials(admin_client, org, make_channel):
    channel = make_channel()
    listing = admin_client.get("/admin/integrations/integration/")
    change = admin_client.get(f"/admin/integrations/integration/{channel.pk}/change/")
    assert listing.status_code == 200 and change.status_code == 200
    for page in (listing.content, change.content):
        assert X_ACCESS.encode() not in page and X_REFRESH.encode() not in page
    assert b"refresh_token: \xe2\x80\xa2" in change.content


def test_a_bluesky_channel_chooses_the_web_app_its_posts_open_in(
    org, owner, client_for, make_channel
):
    channel = make_channel(provider="bluesky", external_id="did:plc:abc", credentials={})
    client = client_for(owner)
    page = client.get(f"/o/acme/channels/{channel.pk}/")
    assert b'name="web_app"' in page.content and b"bsky.app" in page.content

    refused = client.post(
        f"/o/acme/channels/{channel.pk}/preferences/", {"web_app": "not a web address"}
    )
    assert refused.status_code == 302
    channel.refresh_from_db()
    assert channel.preferences == {}

    client.post(
        f"/o/acme/channels/{channel.pk}/preferences/", {"web_app": "https://social.example.org/"}
    )
    channel.refresh_from_db()
    assert channel.preferences == {"web_app": "https://social.example.org"}
