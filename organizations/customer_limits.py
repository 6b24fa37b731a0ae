"""Members limited to some customers: what organizations needs to know, told by the app
that owns customers.

Customers and the link from a membership (or an invitation) to them live in integrations
(``integrations.models.CustomerAccess``), above this app. Organizations keeps only the
flag (``Membership.customer_limited``, ``Invitation.customer_limited``), which decides the
permissions (``Membership.can``) and the Client role's rule; for the rest (the choices
on the members page, the names shown there, writing the link) it calls the backend
integrations registers at start-up (``IntegrationsConfig.ready``), never importing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Backend(Protocol):
    def choices(self, organization) -> list[tuple[int, str]]:
        """The organization's customers as (id, name), by name."""

    def names(self, *, memberships: Iterable = (), invitations: Iterable = ()) -> dict:
        """``{("membership" | "invitation", pk): [(customer id, name)]}`` for the limited
        ones, in one query."""

    def ids_of(self, *, membership=None, invitation=None) -> list[int]:
        """The customer ids the membership or invitation is limited to."""

    def store(self, *, organization, membership=None, invitation=None, customer_ids) -> list:
        """Replace the link with these customers (all of ``organization``, or
        ValidationError); returns their names."""


_backend: Backend | None = None


def register(backend: Backend) -> None:
    """IntegrationsConfig.ready() only: the one backend (registering again replaces it)."""
    global _backend
    _backend = backend


def choices(organization) -> list[tuple[int, str]]:
    """For forms: the customers a member may be limited to (none without a backend)."""
    return _backend.choices(organization) if _backend else []


def names(*, memberships: Iterable = (), invitations: Iterable = ()) -> dict:
    """For lists: each limited row's customers as (id, name), in one query whatever the
    number of rows."""
    if _backend is None:
        return {}
    return _backend.names(memberships=memberships, invitations=invitations)


def ids_of(*, membership=None, invitation=None) -> list[int]:
    """For forms' initial values: the customer ids of a limited membership or invitation."""
    if _backend is None:
        return []
    return _backend.ids_of(membership=membership, invitation=invitation)


def store(*, organization, membership=None, invitation=None, customer_ids) -> list[str]:
    """organizations.services only, inside their transaction: the link's new customers."""
    if _backend is None:
        if customer_ids:
            raise ValidationError({"customers": _("This server has no customers to limit to.")})
        return []
    return _backend.store(
        organization=organization,
        membership=membership,
        invitation=invitation,
        customer_ids=list(customer_ids),
    )
