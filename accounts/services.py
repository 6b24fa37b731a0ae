"""Every write to a person's account outside allauth's own flows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User, validate_language
from organizations.services import audit_record
from postiz.timezones import validate_timezone

_PROFILE_FIELDS = (
    "name",
    "timezone",
    "language",
    "clock",
    "notify_failures",
    "notify_success_digest",
)


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
def user_update_profile(
    *,
    user: User,
    name: str,
    timezone: str,
    notify_failures: bool,
    notify_success_digest: bool,
    clock: str = "",
    language: str | None = None,
    request=None,
) -> User:
    """The person themselves; validates and saves name, time zone, clock and email
    preferences."""
    name = (name or "").strip()
    # Checked before the user object is touched, so a refused change leaves it as it was.
    errors = {}
    try:
        validate_timezone(timezone)
    except ValidationError as error:
        errors["timezone"] = error.messages
    max_name = User._meta.get_field("name").max_length
    if len(name) > max_name:
        errors["name"] = [
            _("Keep your name to %(count)d characters or fewer.") % {"count": max_name}
        ]
    if clock not in User.Clock.values:
        errors["clock"] = [_("Choose 12-hour, 24-hour or your browser's clock.")]
    if language is not None:
        try:
            validate_language(language)
        except ValidationError as error:
            errors["language"] = error.messages
    if errors:
        raise ValidationError(errors)

    previous_timezone = user.timezone
    user.name = name
    user.timezone = timezone
    user.clock = clock
    if language is not None:
        user.language = language
    user.notify_failures = notify_failures
    user.notify_success_digest = notify_success_digest
    user.save(update_fields=list(_PROFILE_FIELDS))
    if user.timezone != previous_timezone:
        audit_record(
            action="account.timezone_changed",
            actor=user,
            target=user,
            details={"timezone": [previous_timezone, user.timezone]},
            request=request,
        )
    return user
