"""``manage.py createapikey --organization SLUG --name NAME [--scopes a,b]``: prints the
new key (``ptz_<key id>_<secret>``) once on stdout, for provisioning scripts; the settings
page does the same for people. Afterwards only ``ptz_<key id>`` and the name are shown."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations.models import ALL_SCOPES, Organization
from organizations.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument(
            "--scopes",
            default="",
            help=f"Comma-separated scopes (default: full access): {', '.join(ALL_SCOPES)}.",
        )

    def handle(self, *args, organization, name, scopes, **options):
        org = Organization.objects.filter(slug=organization, deleted_at__isnull=True).first()
        if org is None:
            raise CommandError(f"No organization with the slug {organization!r}.")
        chosen = [s for s in scopes.split(",") if s.strip()] or list(ALL_SCOPES)
        try:
            key, raw = api_key_create(organization=org, actor=None, name=name, scopes=chosen)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created {key.name} ({key.prefix}, {', '.join(key.scopes)}) for {org.name}."
        )
        self.stdout.write(raw)
