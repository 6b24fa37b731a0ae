"""Every read of channels and customers, already scoped to one organization."""

from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import Customer, Integration
from organizations.models import Organization


def integrations_for(*, organization: Organization) -> QuerySet[Integration]:
    """The organization's channels that are not deleted, with their customer."""
    return (
        Integration.objects.filter(organization=organization, deleted_at__isnull=True)
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
    return Customer.objects.filter(organization=organization).order_by("name", "id")


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
    if unassigned["channels"] or not ordered:
        ordered.append(unassigned)
    return ordered
