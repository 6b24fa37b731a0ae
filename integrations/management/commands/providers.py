"""List every registered network: identifier, name, auth kind, configured, capabilities,
and why it is limited where it is."""

from django.core.management.base import BaseCommand

from integrations.providers import provider_classes


class Command(BaseCommand):
    help = "Print one line per registered network and whether it is configured here."

    def handle(self, *args, **options):
        classes = provider_classes()
        if not classes:
            self.stdout.write("No providers are registered.")
            return
        width = max(len(identifier) for identifier in classes)
        for identifier, cls in classes.items():
            missing = cls.missing_settings()
            configured = (
                "configured: no (set " + ", ".join(missing) + ")"
                if missing
                else ("configured: yes")
            )
            capabilities = " ".join(cls().capabilities())
            limited = f"  limited: {cls.limited}" if cls.limited else ""
            self.stdout.write(
                f"{identifier:<{width}}  {cls.display_name}  auth: {cls.auth_kind}  "
                f"{configured}  capabilities: {capabilities}{limited}"
            )
