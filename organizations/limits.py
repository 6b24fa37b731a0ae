"""Limits on an organization's own things (its members), checked where they are made,
without knowing who sets them: billing registers its check at start-up. Without billing
(a self-hosted instance) nothing is limited."""

from __future__ import annotations

from collections.abc import Callable

from organizations.models import Organization

Check = Callable[..., None]
_checks: list[Check] = []


def register(check: Check) -> None:
    """An app's ready(): ``check(organization, name, adding=n)`` raises when adding ``n``
    more of ``name`` would pass the organization's limit. Registering twice is harmless."""
    if check not in _checks:
        _checks.append(check)


def check(organization: Organization, name: str, *, adding: int = 1) -> None:
    """Any service, before it adds ``adding`` of ``name`` ("members"); raises what the
    registered check raises (billing's LimitReached, a 402 with the plan's message)."""
    for registered in _checks:
        registered(organization, name, adding=adding)
