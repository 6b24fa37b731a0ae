"""Every read of channels and customers, already scoped to one organization, and to the
customers of whoever acts through it.

Access limited to customers, in one place:

- A membership with ``customer_limited`` sees only the customers linked to it by
  ``CustomerAccess`` rows; ``visible_customer_ids(membership)`` says which (None = not
  limited). An API key made by a member acts as that member, read at each request.
- The tenant resolvers (``organizations.access.organization_view`` and the API's
  ``OrganizationAPIMixin``) put the acting membership on the request's organization
  (``organization.acting_membership``); the selectors here, in posts and in media filter
  by it, so every page and route that reads through them is limited the same way, and
  another customer's object is simply not found (404), like another organization's.
- A limited member sees: the channels of their customers (never a channel without a
  customer); the posts on those channels (a post group only when every channel in it
  is theirs); the media files used in those posts, and files uploaded by members whose
  customers are all among theirs; analytics, calendar, notifications and exports built
  from those. They have no organization-wide permission (``Membership.can``).
- The filters are subqueries, so a limited member's lists cost the same queries as
  anyone's.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from integrations.models import Customer, CustomerAccess, Integration
from organizations.models import Membership, Organization


def visible_customer_ids(membership: Membership | None) -> frozenset[int] | None:
    """The ids of the customers this member may see; None when they are not limited.

    Read once per request (kept on the membership instance)."""
    if membership is None or not membership.customer_limited:
        return None
    cached = getattr(membership, "_visible_customer_ids", None)
    if cached is None:
        cached = frozenset(
            CustomerAccess.objects.filter(membership_id=membership.pk).values_list(
                "customer_id", flat=True
            )
        )
        membership._visible_customer_ids = cached
    return cached


def acting_limit(organization: Organization) -> Membership | None:
    """The limited membership acting through ``organization`` in this request, if any."""
    membership = getattr(organization, "acting_membership", None)
    if membership is None or not membership.customer_limited:
        return None
    return membership


def allowed_customers(organization: Organization) -> QuerySet | None:
    """The acting member's customer ids as a subquery; None when they are not limited."""
    membership = acting_limit(organization)
    if membership is None:
        return None
    return CustomerAccess.objects.filter(membership_id=membership.pk).values("customer_id")


def visible_customers_q(organization: Organization, customer_field: str = "customer") -> Q:
    """A filter on ``customer_field`` (a path to a Customer) keeping what the acting member
    may see: everything when they are not limited; else a subquery (no extra query)."""
    allowed = allowed_customers(organization)
    if allowed is None:
        return Q()
    return Q(**{f"{customer_field}__in": allowed})


def integrations_for(*, organization: Organization) -> QuerySet[Integration]:
    """The organization's channels that are not deleted, with their customer (only those
    of the acting member's customers when they are limited)."""
    return (
        Integration.objects.filter(organization=organization, deleted_at__isnull=True)
        .filter(visible_customers_q(organization))
        .select_related("customer")
        .order_by("name", "id")
    )


def integration_get(*, organization: Organization, pk) -> Integration | None:
    """One live channel of this organization; None for another organization's."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return integrations_for(organization=organization).filter(pk=pk).first()


def customers_for(*, organization: Organization) -> QuerySet[Customer]:
    """The organization's customers (only the acting member's when they are limited)."""
    return (
        Customer.objects.filter(organization=organization)
        .filter(visible_customers_q(organization, "pk"))
        .order_by("name", "id")
    )


def customer_get(*, organization: Organization, pk) -> Customer | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return customers_for(organization=organization).filter(pk=pk).first()


def channel_groups(*, organization: Organization) -> list[dict]:
    """Channels grouped by customer (named groups first, then "No customer"), in two
    queries whatever the number of channels."""
    customers = list(customers_for(organization=organization))
    groups = {c.pk: {"customer": c, "channels": []} for c in customers}
    unassigned = {"customer": None, "channels": []}
    for channel in integrations_for(organization=organization):
        groups.get(channel.customer_id, unassigned)["channels"].append(channel)
    ordered = list(groups.values())
    if acting_limit(organization) is not None:
        # A limited member's "no customer" group would always be empty.
        return ordered
    if unassigned["channels"] or not ordered:
        ordered.append(unassigned)
    return ordered
