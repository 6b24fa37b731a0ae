"""Create an organization and its owner from the command line (for provisioning scripts).

    python manage.py createorganization --owner ana@example.com --name Acme --timezone UTC

Prints only the new organization's slug on stdout, so a script can capture it; notes go to
stderr. Either everything is created or, on any error, nothing is.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.services import user_grant_first_admin
from organizations.services import organization_create
from postiz.timezones import validate_timezone


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create an organization owned by EMAIL (creating that account if needed, with its "
        "address marked verified) and print the organization's slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, metavar="EMAIL", help="The owner's email.")
        parser.add_argument("--name", required=True, help="The organization's name.")
        parser.add_argument(
            "--timezone",
            metavar="ZONE",
            help="IANA time zone, e.g. Europe/Paris (default: the owner's zone, else UTC).",
        )
        parser.add_argument(
            "--password",
            help=(
                "Password for a new account (visible in the process list and shell history; "
                "prefer leaving it out and using password reset). Ignored for an existing one."
            ),
        )

    def note(self, message: str) -> None:
        self.stderr.write(message, style_func=str)

    def handle(self, *args, owner, name, timezone, password, **options):
        email = (owner or "").strip().lower()
        name = (name or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"--owner: {owner!r} is not a valid email address.") from None
        if not name:
            raise CommandError("--name: give the organization a name.")
        if timezone is not None:
            try:
                validate_timezone(timezone)
            except ValidationError as error:
                raise CommandError(f"--timezone: {_messages(error)}") from None

        User = get_user_model()
        try:
            with transaction.atomic():
                user = User.objects.filter(email__iexact=email).first()
                created = user is None
                if created:
                    user = self._create_user(User, email, password, timezone)
                elif password:
                    self.note(f"{email} already has an account; its password was not changed.")
                self._verify_email(user)
                organization = organization_create(name=name, owner=user, timezone_name=timezone)
        except ValidationError as error:
            raise CommandError(_messages(error)) from None

        if created:
            self.note(f"Created the account {email}.")
            if user.is_superuser:
                self.note(f"{email} is this instance's first account, so it is its admin.")
            if not password:
                self.note(
                    f"{email} has no password yet; they can set one with "
                    "'Forgot your password?' on the sign-in page."
                )
        self.note(f"Created the organization {organization.name} owned by {email}.")
        self.stdout.write(organization.slug)

    def _create_user(self, User, email, password, timezone):
        if EmailAddress.objects.filter(email__iexact=email).exists():
            raise CommandError(
                f"--owner: {email} is a secondary address of another account; use that "
                "account's main address."
            )
        user = User(email=email)
        if timezone:
            user.timezone = timezone
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(f"--password: {_messages(error)}") from None
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user_grant_first_admin(user=user)
        return user

    def _verify_email(self, user) -> None:
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            address = EmailAddress(user=user, email=user.email)
        address.verified = True
        address.save()
        address.set_as_primary()
