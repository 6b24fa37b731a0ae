import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services import user_update_profile
from organizations.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(
        name="Grace Hopper",
        timezone="Europe/Paris",
        notify_failures=True,
        notify_success_digest=False,
    )


def _post(client, **overrides):
    data = {"name": "Grace B. Hopper", "timezone": "America/New_York", "notify_failures": "on"}
    data.update(overrides)
    return client.post(reverse("profile"), data)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('profile')}"


def test_profile_page_shows_the_form_and_the_security_links(client_for, person):
    response = client_for(person).get(reverse("profile"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Grace Hopper"' in html
    assert '<option value="Europe/Paris" selected>' in html
    for name in ["account_change_password", "account_email", "mfa_index"]:
        assert f'href="{reverse(name)}"' in html
    # Unlike sign-up, the saved zone must not be replaced by the browser's.
    assert "data-detect-timezone" not in html


def test_profile_update_saves_name_time_zone_and_email_preferences(client_for, person):
    client = client_for(person)

    response = _post(client, notify_success_digest="on", notify_failures="")

    assert response.status_code == 302
    assert response.url == reverse("profile")
    person.refresh_from_db()
    assert person.name == "Grace B. Hopper"
    assert person.timezone == "America/New_York"
    assert person.notify_failures is False
    assert person.notify_success_digest is True
    page = client.get(response.url)
    assert b"Your profile is saved." in page.content


def test_time_zone_change_is_recorded_in_the_audit_log(client_for, person):
    _post(client_for(person))

    event = AuditEvent.objects.get(action="account.timezone_changed")
    assert event.actor == person
    assert event.organization is None
    assert event.details == {"timezone": ["Europe/Paris", "America/New_York"]}


def test_unchanged_time_zone_records_nothing(client_for, person):
    _post(client_for(person), timezone="Europe/Paris")

    assert not AuditEvent.objects.filter(action="account.timezone_changed").exists()


def test_unknown_time_zone_is_refused_and_nothing_is_saved(client_for, person):
    client = client_for(person)

    response = _post(client, timezone="Europe/Atlantis")

    assert response.status_code == 200
    assert response.context["form"].errors["timezone"] == [
        "Europe/Atlantis is not a time zone we know. Pick one from the list, e.g. Europe/Paris."
    ]
    assert b"Europe/Atlantis is not a time zone we know." in response.content
    person.refresh_from_db()
    assert person.name == "Grace Hopper"
    assert person.timezone == "Europe/Paris"
    assert person.notify_success_digest is False
    # The top bar still shows the saved name, not the refused one.
    assert response.context["user"].name == "Grace Hopper"


def test_profile_service_refuses_an_unknown_zone_without_touching_the_user(person):
    with pytest.raises(ValidationError) as caught:
        user_update_profile(
            user=person,
            name="Changed",
            timezone="Nowhere/Land",
            notify_failures=False,
            notify_success_digest=True,
        )

    assert "timezone" in caught.value.message_dict
    assert person.name == "Grace Hopper"
    person.refresh_from_db()
    assert person.name == "Grace Hopper"


def test_connected_accounts_link_appears_once_a_provider_is_configured(
    client_for, person, settings
):
    client = client_for(person)
    connections = f'href="{reverse("socialaccount_connections")}"'

    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert connections not in client.get(reverse("profile")).content.decode()

    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "id", "secret": "secret"}]}
    }
    assert connections in client.get(reverse("profile")).content.decode()
