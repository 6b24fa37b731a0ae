"""Billing tests run with Stripe keys set (billed mode) against a local fake Stripe API,
except where a test asks for the self-hosted mode."""

import json

import pytest
from django.test import Client

from billing.models import Plan, StripeCustomer, Subscription
from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event, sign
from tests.providers.conftest import httpserver_listen_address  # noqa: F401

PRICES = {
    "standard": ("price_standard_month", "price_standard_year"),
    "team": ("price_team_month", "price_team_year"),
    "pro": ("price_pro_month", ""),
}


@pytest.fixture
def stripe_fake(httpserver):
    return FakeStripe(httpserver)


@pytest.fixture
def billed(settings, stripe_fake, db):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.base
    settings.POSTIZ_BILLING_GRACE_DAYS = 7
    for slug, (monthly, yearly) in PRICES.items():
        Plan.objects.filter(slug=slug).update(monthly_price_id=monthly, yearly_price_id=yearly)
    return stripe_fake


@pytest.fixture
def post_webhook():
    """Send a signed event to the webhook endpoint, as Stripe does."""

    def send(evt, *, signature=None, payload=None):
        body = payload if payload is not None else json.dumps(evt).encode()
        header = signature if signature is not None else sign(body)
        return Client().post(
            "/billing/stripe/webhook",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    return send


@pytest.fixture
def subscribe(billed, post_webhook):
    """Put ``organization`` on ``plan`` through Stripe's own path: a customer, a
    subscription in Stripe, and the webhook telling us."""

    def make(organization, plan="standard", *, status="active", interval="month"):
        link = StripeCustomer.objects.filter(organization=organization).first()
        if link is None:
            customer = billed._customer({"name": organization.name, "metadata": {}})
            link = StripeCustomer.objects.create(
                organization=organization, customer_id=customer["id"]
            )
        index = 1 if interval == "year" else 0
        sub = billed.put_subscription(
            customer=link.customer_id,
            price=PRICES[plan][index],
            status=status,
            interval=interval,
        )
        response = post_webhook(event("customer.subscription.created", sub))
        assert response.status_code == 200, response.content
        return Subscription.objects.get(organization=organization), sub

    return make
