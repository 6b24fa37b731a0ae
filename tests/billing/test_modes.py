"""Self-hosted (no Stripe key): no billing anywhere. Billed: the page is the owners'."""

import pytest
from django.urls import reverse

from billing import limits
from integrations.models import Integration
from organizations.permissions import Role
from tests.factories import MembershipFactory


def _make_channels(org, n):
    return [
        Integration.objects.create(
            organization=org, provider="bluesky", external_id=f"acct-{org.pk}-{i}", name=f"C{i}"
        )
        for i in range(n)
    ]


# -- Self-hosted ------------------------------------------------------------------------
def test_self_hosted_instance_has_no_billing_page(org, owner, client_for):
    response = client_for(owner).get(f"/o/{org.slug}/billing/")
    assert response.status_code == 404


def test_self_hosted_instance_has_no_stripe_webhook(client, db):
    response = client.post("/billing/stripe/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_self_hosted_settings_never_mention_billing(org, owner, client_for):
    response = client_for(owner).get(reverse("organizations:settings", args=[org.slug]))
    assert response.status_code == 200
    assert b"Billing" not in response.content
    assert b"/billing/" not in response.content


def test_self_hosted_limit_checks_cost_no_query(org, django_assert_num_queries):
    _make_channels(org, 200)
    with django_assert_num_queries(0):
        limits.check(org, "channels", adding=1000)
        limits.check(org, "posts_per_month", adding=10**6)
        assert limits.api_allowed(org) is True


def test_self_hosted_connects_any_number_of_channels(org, owner):
    from integrations import services
    from integrations.providers.base import Account, Grant

    _make_channels(org, 120)
    _integration, created = services.integration_connect(
        organization=org,
        provider_id="bluesky",
        grant=Grant(credentials={"access_token": "a"}),
        account=Account(external_id="did:plc:more", name="More"),
        actor=owner,
    )
    assert created


# -- Billed -----------------------------------------------------------------------------
def test_owner_sees_the_billing_page_and_its_link(billed, org, owner, client_for):
    client = client_for(owner)
    settings_page = client.get(reverse("organizations:settings", args=[org.slug]))
    assert f'href="/o/{org.slug}/billing/"'.encode() in settings_page.content
    page = client.get(f"/o/{org.slug}/billing/")
    assert page.status_code == 200
    assert b"Your plan: Free" in page.content
    assert b"Standard" in page.content and b"Ultimate" in page.content


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.VIEWER])
def test_members_below_owner_are_refused_billing(billed, org, role, client_for):
    user = MembershipFactory(organization=org, role=role).user
    client = client_for(user)
    for method, path in [
        ("get", f"/o/{org.slug}/billing/"),
        ("post", f"/o/{org.slug}/billing/checkout/"),
        ("post", f"/o/{org.slug}/billing/portal/"),
        ("post", f"/o/{org.slug}/billing/channels/"),
    ]:
        assert getattr(client, method)(path).status_code == 403, path
    settings_page = client.get(reverse("organizations:settings", args=[org.slug]))
    assert b"/billing/" not in settings_page.content


def test_outsider_gets_404_from_billing(billed, org, owner, outsider, client_for):
    client = client_for(outsider)
    assert client.get(f"/o/{org.slug}/billing/").status_code == 404
    assert client.post(f"/o/{org.slug}/billing/checkout/", {"plan": "standard"}).status_code == 404


def test_billing_page_query_count_stays_flat(
    billed, org, owner, client_for, django_assert_max_num_queries
):
    _make_channels(org, 30)
    client = client_for(owner)
    client.get(f"/o/{org.slug}/billing/")
    with django_assert_max_num_queries(20):
        response = client.get(f"/o/{org.slug}/billing/")
    assert response.status_code == 200
