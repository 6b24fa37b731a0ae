"""django-q2 entry points for billing."""

from billing import limits, services


def expire_grace_periods() -> int:
    """Every hour: organizations whose payment grace period ended get the free limits."""
    if not limits.enabled():
        return 0
    return services.grace_expire()
