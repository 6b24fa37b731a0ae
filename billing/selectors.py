"""Every read of billing data, scoped to one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from billing import limits
from billing.models import Plan, StripeCustomer, Subscription
from billing.stripe_api import BillingError, as_dict, client, unavailable
from organizations.models import Organization


@dataclass(frozen=True)
class Invoice:
    number: str
    created: datetime
    total: str
    status: str
    url: str
    pdf: str


def plans_offered():
    return Plan.objects.filter(is_public=True).order_by("position", "id")


def subscription_of(*, organization: Organization) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(organization=organization).first()


def customer_of(*, organization: Organization) -> StripeCustomer | None:
    return StripeCustomer.objects.filter(organization=organization).first()


def usage_of(*, organization: Organization, plan: Plan) -> list[dict]:
    """Each limit with what is used now, for the billing page."""
    rows = []
    for name in ("channels", "members", "posts_per_month", "webhooks"):
        rows.append(
            {
                "name": limits.LABELS[name],
                "used": limits.usage(organization, name),
                "limit": plan.limit(name),
            }
        )
    if settings.AI_BASE_URL and settings.AI_MODEL:
        name = "ai_requests_per_day"
        rows.append(
            {
                "name": _("AI requests today"),
                "used": limits.usage(organization, name),
                "limit": plan.limit(name),
            }
        )
    return rows


def _money(amount: int, currency: str) -> str:
    # Zero-decimal currencies (JPY, KRW...) aside, Stripe amounts are in cents.
    zero_decimal = {"jpy", "krw", "vnd", "clp", "pyg", "xaf", "xof", "ugx", "rwf", "kmf"}
    code = (currency or "").upper()
    if (currency or "").lower() in zero_decimal:
        return f"{amount} {code}"
    return f"{amount / 100:,.2f} {code}"


def invoices_of(*, organization: Organization, limit: int = 24) -> list[Invoice]:
    """The organization's latest invoices from Stripe; BillingError when Stripe fails."""
    link = customer_of(organization=organization)
    if link is None:
        return []
    try:
        page = client().v1.invoices.list(params={"customer": link.customer_id, "limit": limit})
    except stripe.StripeError as error:
        raise unavailable(error) from error
    invoices = []
    for item in page.data:
        invoice = as_dict(item)
        invoices.append(
            Invoice(
                number=invoice.get("number") or invoice["id"],
                created=datetime.fromtimestamp(invoice["created"], tz=UTC),
                total=_money(invoice.get("total") or 0, invoice.get("currency") or ""),
                status=invoice.get("status") or "",
                url=invoice.get("hosted_invoice_url") or "",
                pdf=invoice.get("invoice_pdf") or "",
            )
        )
    return invoices


__all__ = ["BillingError", "Invoice", "invoices_of", "plans_offered", "subscription_of"]
