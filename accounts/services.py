"""Every write to a person's account outside allauth's own flows."""

from __future__ import annotations

from django.db import connection, transaction

from accounts.models import User
from organizations.services import audit_record


@transaction.atomic
def user_grant_first_admin(*, user: User) -> bool:
    """Called once at sign-up; the instance's first account becomes staff and superuser."""
    # Serialise concurrent sign-ups so two "first" accounts cannot both win.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('postiz.first_user'))")
    if User.objects.exclude(pk=user.pk).exists():
        return False
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.is_staff = user.is_superuser = True
    audit_record(action="account.granted_admin", actor=user, target=user)
    return True


@transaction.atomic
def user_update_profile(*, user: User, form, request=None) -> User:
    """The person themselves; saves name, time zone and email preferences."""
    changed = list(form.changed_data)
    user = form.save()
    if "timezone" in changed:
        audit_record(
            action="account.timezone_changed",
            actor=user,
            target=user,
            details={"timezone": user.timezone},
            request=request,
        )
    return user
