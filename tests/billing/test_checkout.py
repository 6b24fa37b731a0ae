"""Checkout, the Customer Portal and the invoices list, against the fake Stripe API."""

from billing.models import StripeCustomer, Subscription
from organizations.models import AuditEvent


def _checkout(client, org, plan="standard", interval="month"):
    return client.post(f"/o/{org.slug}/billing/checkout/", {"plan": plan, "interval": interval})


def test_checkout_creates_a_session_with_the_plans_price_and_trial(billed, org, owner, client_for):
    response = _checkout(client_for(owner), org, "team", "year")
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    (session,) = billed.calls("POST", "/v1/checkout/sessions")
    assert session["mode"] == "subscription"
    assert session["line_items"] == [{"price": "price_team_year", "quantity": "1"}]
    assert session["subscription_data"]["trial_period_days"] == "7"
    assert session["client_reference_id"] == str(org.pk)
    assert session["success_url"].endswith(f"/o/{org.slug}/billing/?checkout=done")
    link = StripeCustomer.objects.get(organization=org)
    assert session["customer"] == link.customer_id
    (customer,) = billed.calls("POST", "/v1/customers")
    assert customer["metadata"]["organization_id"] == str(org.pk)
    assert AuditEvent.objects.filter(organization=org, action="billing.checkout_started").exists()


def test_a_second_checkout_reuses_the_stripe_customer(billed, org, owner, client_for):
    client = client_for(owner)
    _checkout(client, org)
    _checkout(client, org, "pro")
    assert len(billed.calls("POST", "/v1/customers")) == 1
    assert len(billed.calls("POST", "/v1/checkout/sessions")) == 2


def test_checkout_is_refused_when_a_subscription_stands(billed, org, owner, client_for, subscribe):
    subscribe(org, "standard")
    before = len(billed.requests)
    client = client_for(owner)
    response = _checkout(client, org, "team")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/billing/"
    assert len(billed.requests) == before  # Stripe was not asked
    page = client.get(response["Location"])
    assert b"already has a subscription" in page.content
    assert Subscription.objects.get(organization=org).plan.slug == "standard"


def test_after_cancellation_a_new_checkout_has_no_second_trial(
    billed, org, owner, client_for, subscribe
):
    subscribe(org, "standard", status="canceled")
    response = _checkout(client_for(owner), org, "standard")
    assert response["Location"].startswith("https://checkout.stripe.com/")
    (session,) = billed.calls("POST", "/v1/checkout/sessions")
    assert "trial_period_days" not in session["subscription_data"]


def test_unknown_plan_or_period_says_what_to_choose(billed, org, owner, client_for):
    client = client_for(owner)
    for plan, interval, text in [
        ("enterprise", "month", b"That plan is not offered"),
        ("free", "month", b"That plan is not offered"),
        ("pro", "year", b"cannot be paid yearly"),
        ("standard", "weekly", b"Choose a plan and monthly or yearly billing"),
    ]:
        response = _checkout(client, org, plan, interval)
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert text in page.content, plan
    assert billed.calls("POST", "/v1/checkout/sessions") == []


def test_stripe_down_during_checkout_reads_as_a_message(billed, org, owner, client_for):
    billed.down = True
    client = client_for(owner)
    response = _checkout(client, org)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Nothing was changed" in page.content or b"Try again" in page.content


def test_a_failed_session_keeps_the_new_customer_for_the_next_try(billed, org, owner, client_for):
    billed.failing.add("/v1/checkout/sessions")
    client = client_for(owner)
    response = _checkout(client, org)
    assert response["Location"] == f"/o/{org.slug}/billing/"
    assert StripeCustomer.objects.filter(organization=org).count() == 1
    assert not AuditEvent.objects.filter(action="billing.checkout_started").exists()
    billed.failing.clear()
    response = _checkout(client, org)
    assert response["Location"].startswith("https://checkout.stripe.com/")
    assert len(billed.calls("POST", "/v1/customers")) == 1


def test_portal_opens_for_an_organization_with_a_customer(
    billed, org, owner, client_for, subscribe
):
    subscribe(org, "team")
    response = client_for(owner).post(f"/o/{org.slug}/billing/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://billing.stripe.com/p/session/")
    (call,) = billed.calls("POST", "/v1/billing_portal/sessions")
    assert call["customer"] == StripeCustomer.objects.get(organization=org).customer_id
    assert call["return_url"].endswith(f"/o/{org.slug}/billing/")


def test_portal_without_a_customer_says_to_choose_a_plan(billed, org, owner, client_for):
    client = client_for(owner)
    response = client.post(f"/o/{org.slug}/billing/portal/")
    page = client.get(response["Location"])
    assert b"Choose a plan first" in page.content
    assert billed.calls("POST", "/v1/billing_portal/sessions") == []


def test_invoices_are_listed_with_their_links(billed, org, owner, client_for, subscribe):
    _subscription, sub = subscribe(org, "standard")
    billed.add_invoice(customer=sub["customer"], subscription=sub["id"], total=2900)
    billed.add_invoice(customer="cus_someone_else", subscription="sub_x", total=9900)
    page = client_for(owner).get(f"/o/{org.slug}/billing/")
    assert b"FAKE-0001" in page.content
    assert b"29.00 USD" in page.content
    assert b"99.00 USD" not in page.content
    assert b"https://invoice.stripe.com/i/in_" in page.content
    assert b"Europe/Paris" in page.content  # times shown in the viewer's zone, named


def test_page_without_invoices_says_so(billed, org, owner, client_for):
    page = client_for(owner).get(f"/o/{org.slug}/billing/")
    assert b"No invoices yet" in page.content
