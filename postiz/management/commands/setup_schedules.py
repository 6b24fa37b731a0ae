from django.core.management.base import BaseCommand

from postiz.schedules import install_schedules


class Command(BaseCommand):
    help = "Install (or update) the periodic background jobs declared in code."

    def handle(self, *args, **options):
        count = install_schedules()
        self.stdout.write(f"{count} periodic job(s) installed.")
