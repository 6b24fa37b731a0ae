"""The one place that talks to Stripe: a client built from the settings, and plain dicts out."""

from __future__ import annotations

import stripe
from django.conf import settings
from django.utils.translation import gettext as _


class BillingError(Exception):
    """Something a person can act on (already subscribed, no such plan, Stripe unreachable)."""


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        # A page waits for at most one try; Stripe re-sends webhooks on its own.
        max_network_retries=0,
    )


def as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def unavailable(error: stripe.StripeError) -> BillingError:
    """Turn a Stripe failure into words for the page, without Stripe's internals."""
    if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)):
        return BillingError(_("Stripe could not be reached just now. Try again in a minute."))
    if isinstance(error, stripe.AuthenticationError):
        return BillingError(
            _(
                "Payments are not set up correctly on this server (Stripe refused its key). "
                "Tell the administrator."
            )
        )
    message = getattr(error, "user_message", None) or _("Stripe refused the request.")
    return BillingError(_("%(message)s Nothing was changed.") % {"message": message})
