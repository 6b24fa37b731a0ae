import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def staff():
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def test_staff_sees_the_user_list_with_its_columns(client_for, staff):
    UserFactory(email="ada@example.com", name="Ada Lovelace", timezone="Europe/London")

    response = client_for(staff).get(CHANGELIST)

    assert response.status_code == 200
    assert list(response.context["cl"].list_display)[1:] == [
        "email",
        "name",
        "timezone",
        "is_staff",
        "is_active",
        "date_joined",
        "last_login",
    ]
    html = response.content.decode()
    assert "ada@example.com" in html and "Ada Lovelace" in html and "Europe/London" in html


@pytest.mark.parametrize("query", ["lovelace", "ADA@example"])
def test_staff_can_search_users_by_name_or_email(client_for, staff, query):
    UserFactory(email="ada@example.com", name="Ada Lovelace")
    UserFactory(email="grace@example.com", name="Grace Hopper")

    response = client_for(staff).get(CHANGELIST, {"q": query})

    found = [user.email for user in response.context["cl"].result_list]
    assert found == ["ada@example.com"]


def test_non_staff_is_sent_to_the_admin_login(client_for):
    response = client_for(UserFactory(is_staff=False)).get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_can_open_a_users_change_page(client_for, staff):
    ada = UserFactory(email="ada@example.com")

    response = client_for(staff).get(reverse("admin:accounts_user_change", args=[ada.pk]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "username" not in form.fields
    assert {"email", "name", "timezone", "notify_failures"} <= set(form.fields)
    assert "date_joined" not in form.fields  # read-only


def test_staff_adds_a_user_with_email_and_password(client_for, staff):
    response = client_for(staff).post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a long and quiet river 42",
            "password2": "a long and quiet river 42",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long and quiet river 42")
    assert user.password.startswith("argon2")


def test_admin_refuses_an_email_that_differs_only_in_case(client_for, staff):
    UserFactory(email="ada@example.com")

    response = client_for(staff).post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Ada@Example.com",
            "usable_password": "true",
            "password1": "a long and quiet river 42",
            "password2": "a long and quiet river 42",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
