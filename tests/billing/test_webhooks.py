"""Stripe's webhook: signature, replay, ordering, payment failures and unknown prices."""

import json
import time
from datetime import timedelta

from django.utils import timezone

from billing import limits, services
from billing.models import StripeCustomer, StripeEvent, Subscription
from organizations.models import AuditEvent
from tests.billing.fake_stripe import event, sign


def _customer(billed, org):
    customer = billed._customer({"name": org.name, "metadata": {}})
    StripeCustomer.objects.create(organization=org, customer_id=customer["id"])
    return customer["id"]


def _nothing_stored():
    return not Subscription.objects.exists() and not StripeEvent.objects.exists()


# -- Signature --------------------------------------------------------------------------
def test_a_signed_event_is_applied(billed, org, post_webhook):
    sub = billed.put_subscription(customer=_customer(billed, org), price="price_team_month")
    response = post_webhook(event("customer.subscription.created", sub))
    assert response.status_code == 200
    subscription = Subscription.objects.get(organization=org)
    assert (subscription.plan.slug, subscription.status, subscription.interval) == (
        "team",
        "active",
        "month",
    )
    assert subscription.current_period_end > timezone.now() + timedelta(days=29)
    assert limits.effective_plan(org).slug == "team"


def test_a_tampered_payload_is_refused_and_changes_nothing(billed, org, post_webhook):
    sub = billed.put_subscription(customer=_customer(billed, org), price="price_team_month")
    body = json.dumps(event("customer.subscription.created", sub)).encode()
    signature = sign(body)
    tampered = body.replace(b"price_team_month", b"price_pro_month")
    response = post_webhook(None, payload=tampered, signature=signature)
    assert response.status_code == 400
    assert _nothing_stored()


def test_a_payload_signed_with_another_secret_is_refused(billed, org, post_webhook):
    sub = billed.put_subscription(customer=_customer(billed, org), price="price_team_month")
    body = json.dumps(event("customer.subscription.created", sub)).encode()
    response = post_webhook(None, payload=body, signature=sign(body, secret="whsec_other"))
    assert response.status_code == 400
    assert _nothing_stored()


def test_a_stale_signature_is_refused(billed, org, post_webhook):
    sub = billed.put_subscription(customer=_customer(billed, org), price="price_team_month")
    body = json.dumps(event("customer.subscription.created", sub)).encode()
    old = int(time.time()) - 3600
    response = post_webhook(None, payload=body, signature=sign(body, timestamp=old))
    assert response.status_code == 400
    assert _nothing_stored()


def test_a_missing_signature_or_garbage_is_refused(billed, db, post_webhook):
    assert post_webhook(None, payload=b"{}", signature="").status_code == 400
    garbage = b"not json at all"
    assert post_webhook(None, payload=garbage, signature=sign(garbage)).status_code == 400
    assert _nothing_stored()


def test_events_we_do_not_handle_are_acknowledged(billed, db, post_webhook):
    response = post_webhook(event("charge.refunded", {"id": "ch_1", "object": "charge"}))
    assert response.status_code == 200
    assert not StripeEvent.objects.exists()


# -- Replay -----------------------------------------------------------------------------
def test_a_replayed_event_changes_nothing(billed, org, post_webhook):
    customer = _customer(billed, org)
    sub = billed.put_subscription(customer=customer, price="price_standard_month")
    created = event("customer.subscription.created", sub, event_id="evt_same")
    assert post_webhook(created).status_code == 200
    # Meanwhile the subscription moved on in Stripe; a re-sent old event must not
    # even ask Stripe again, let alone rewrite anything.
    billed.put_subscription(
        customer=customer, price="price_team_month", sub_id=sub["id"], status="past_due"
    )
    fetches = len(billed.calls("GET", "/v1/subscriptions/"))
    audits = AuditEvent.objects.filter(organization=org).count()
    response = post_webhook(created)
    assert response.status_code == 200
    assert b"already applied" in response.content
    assert len(billed.calls("GET", "/v1/subscriptions/")) == fetches
    assert AuditEvent.objects.filter(organization=org).count() == audits
    subscription = Subscription.objects.get(organization=org)
    assert (subscription.plan.slug, subscription.status) == ("standard", "active")
    assert StripeEvent.objects.filter(event_id="evt_same").count() == 1


# -- Ordering ---------------------------------------------------------------------------
def test_updated_arriving_before_created_ends_in_the_latest_state(billed, org, post_webhook):
    customer = _customer(billed, org)
    first = billed.put_subscription(customer=customer, price="price_standard_month")
    created = event("customer.subscription.created", json.loads(json.dumps(first)))
    latest = billed.put_subscription(
        customer=customer, price="price_team_month", sub_id=first["id"]
    )
    updated = event("customer.subscription.updated", latest)
    assert post_webhook(updated).status_code == 200
    assert post_webhook(created).status_code == 200
    subscription = Subscription.objects.get(organization=org)
    assert subscription.plan.slug == "team"


def test_an_older_update_arriving_after_a_newer_one_is_not_applied(billed, org, post_webhook):
    customer = _customer(billed, org)
    sub = billed.put_subscription(customer=customer, price="price_pro_month")
    assert post_webhook(event("customer.subscription.created", sub)).status_code == 200
    older = billed.put_subscription(
        customer=customer, price="price_pro_month", sub_id=sub["id"], cancel_at_period_end=False
    )
    older_event = event("customer.subscription.updated", json.loads(json.dumps(older)))
    newer = billed.put_subscription(
        customer=customer, price="price_pro_month", sub_id=sub["id"], cancel_at_period_end=True
    )
    assert post_webhook(event("customer.subscription.updated", newer)).status_code == 200
    assert post_webhook(older_event).status_code == 200
    assert Subscription.objects.get(organization=org).cancel_at_period_end is True


def test_a_late_event_of_an_ended_subscription_leaves_the_new_one_alone(billed, org, post_webhook):
    customer = _customer(billed, org)
    old = billed.put_subscription(customer=customer, price="price_standard_month")
    assert post_webhook(event("customer.subscription.created", old)).status_code == 200
    billed.put_subscription(
        customer=customer, price="price_standard_month", sub_id=old["id"], status="canceled"
    )
    new = billed.put_subscription(customer=customer, price="price_team_month")
    assert post_webhook(event("customer.subscription.created", new)).status_code == 200
    late = event("customer.subscription.deleted", billed.subscriptions[old["id"]])
    assert post_webhook(late).status_code == 200
    subscription = Subscription.objects.get(organization=org)
    assert (subscription.stripe_subscription_id, subscription.status) == (new["id"], "active")


def test_deleted_subscription_brings_back_the_free_plan(billed, org, post_webhook, subscribe):
    _, sub = subscribe(org, "team")
    ended = billed.put_subscription(
        customer=sub["customer"], price="price_team_month", sub_id=sub["id"], status="canceled"
    )
    assert post_webhook(event("customer.subscription.deleted", ended)).status_code == 200
    assert Subscription.objects.get(organization=org).status == "canceled"
    assert limits.effective_plan(org).slug == "free"
    change = AuditEvent.objects.filter(organization=org, action="billing.plan_changed").first()
    assert change.details["status"] == ["active", "canceled"]
    assert change.details["limits_of"] == "free"


# -- Checkout completed -----------------------------------------------------------------
def test_checkout_completed_links_the_customer_and_starts_the_trial(
    billed, org, owner, client_for, post_webhook
):
    client_for(owner).post(
        f"/o/{org.slug}/billing/checkout/", {"plan": "standard", "interval": "month"}
    )
    (session_id,) = billed.sessions
    session = billed.complete_checkout(session_id)
    assert post_webhook(event("checkout.session.completed", session)).status_code == 200
    subscription = Subscription.objects.get(organization=org)
    assert (subscription.plan.slug, subscription.status) == ("standard", "trialing")
    assert subscription.trial_end > timezone.now() + timedelta(days=6)
    assert StripeEvent.objects.get().organization == org
    page = client_for(owner).get(f"/o/{org.slug}/billing/")
    assert b"The trial ends on" in page.content


# -- Payment failures and grace ---------------------------------------------------------
def test_failed_payment_keeps_the_plan_through_grace_then_free_limits(
    billed, org, post_webhook, subscribe
):
    from integrations.models import Integration

    _, sub = subscribe(org, "standard")
    channels = [
        Integration.objects.create(
            organization=org, provider="bluesky", external_id=f"a{i}", name=f"C{i}"
        )
        for i in range(3)
    ]
    overdue = billed.put_subscription(
        customer=sub["customer"],
        price="price_standard_month",
        sub_id=sub["id"],
        status="past_due",
    )
    invoice = billed.add_invoice(
        customer=sub["customer"], subscription=sub["id"], total=2900, status="open"
    )
    assert post_webhook(event("invoice.payment_failed", invoice)).status_code == 200
    # The subscription's own "past_due" update, arriving later, does not restart grace.
    subscription = Subscription.objects.get(organization=org)
    grace = subscription.grace_until
    assert timezone.now() + timedelta(days=6) < grace < timezone.now() + timedelta(days=8)
    assert post_webhook(event("customer.subscription.updated", overdue)).status_code == 200
    assert Subscription.objects.get(organization=org).grace_until == grace
    assert limits.effective_plan(org).slug == "standard"
    assert Integration.objects.filter(status="active").count() == 3
    assert AuditEvent.objects.filter(organization=org, action="billing.payment_failed").count() == 1

    Subscription.objects.filter(pk=subscription.pk).update(
        grace_until=timezone.now() - timedelta(minutes=1)
    )
    assert limits.effective_plan(org).slug == "free"
    assert services.grace_expire() == 1
    assert services.grace_expire() == 0  # safe to run twice
    # The free plan has no channels: all are off, none deleted.
    assert all(
        c.status == "disabled" and c.deleted_at is None
        for c in Integration.objects.filter(pk__in=[c.pk for c in channels])
    )


def test_paid_invoice_ends_the_grace_period(billed, org, post_webhook, subscribe):
    _, sub = subscribe(org, "standard", status="past_due")
    assert Subscription.objects.get(organization=org).grace_until is not None
    billed.put_subscription(
        customer=sub["customer"], price="price_standard_month", sub_id=sub["id"]
    )
    invoice = billed.add_invoice(customer=sub["customer"], subscription=sub["id"], total=2900)
    assert post_webhook(event("invoice.paid", invoice)).status_code == 200
    subscription = Subscription.objects.get(organization=org)
    assert (subscription.status, subscription.grace_until) == ("active", None)


# -- Bad input --------------------------------------------------------------------------
def test_unknown_price_is_refused_with_a_clear_reason_and_nothing_changes(
    billed, org, post_webhook, subscribe
):
    _, sub = subscribe(org, "standard")
    moved = billed.put_subscription(
        customer=sub["customer"], price="price_nobody_sells", sub_id=sub["id"]
    )
    evt = event("customer.subscription.updated", moved)
    response = post_webhook(evt)
    assert response.status_code == 400
    assert b"price_nobody_sells" in response.content
    assert Subscription.objects.get(organization=org).plan.slug == "standard"
    # Not remembered as applied: once the price is added to a plan, Stripe's retry works.
    assert not StripeEvent.objects.filter(event_id=evt["id"]).exists()


def test_event_for_a_subscription_stripe_does_not_know_is_refused(billed, org, post_webhook):
    ghost = {"id": "sub_ghost", "object": "subscription", "customer": "cus_x", "status": "active"}
    response = post_webhook(event("customer.subscription.updated", ghost))
    assert response.status_code == 400
    assert _nothing_stored()


def test_stripe_unreachable_asks_for_a_retry_and_changes_nothing(billed, org, post_webhook):
    sub = billed.put_subscription(customer=_customer(billed, org), price="price_team_month")
    billed.down = True
    response = post_webhook(event("customer.subscription.created", sub))
    assert response.status_code == 503
    assert _nothing_stored()


def test_subscription_of_someone_else_on_the_same_stripe_account_is_ignored(
    billed, db, post_webhook
):
    sub = billed.put_subscription(customer="cus_not_ours", price="price_team_month")
    response = post_webhook(event("customer.subscription.created", sub))
    assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_webhook_refuses_get(billed, client):
    assert client.get("/billing/stripe/webhook").status_code == 405
