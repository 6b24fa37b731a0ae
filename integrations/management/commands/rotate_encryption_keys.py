"""Re-encrypt every stored secret with the first key of POSTIZ_ENCRYPTION_KEYS.

Put the new key first, keep the old ones after it, run this, then drop the old keys.
Running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from integrations import vault
from integrations.models import InstanceApp, Integration

# (model, encrypted column): read and written raw, so no secret is ever decrypted here
# beyond what Fernet's rotate needs.
TARGETS = ((Integration, "credentials"), (InstanceApp, "client_secret"))


class Command(BaseCommand):
    help = "Re-encrypt channel credentials and server app secrets with the newest key."

    def handle(self, *args, **options):
        total = 0
        for model, column in TARGETS:
            changed = self._rotate(model, column)
            total += changed
            self.stdout.write(f"{model._meta.label} {column}: {changed} row(s) re-encrypted")
        self.stdout.write(f"{total} row(s) re-encrypted in total.")

    def _rotate(self, model, column: str) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = connection.ops.quote_name(column)
        changed = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {quoted} FROM {table} FOR UPDATE")  # noqa: S608
            rows = cursor.fetchall()
            for pk, token in rows:
                if not token or not vault.needs_rotation(token):
                    continue
                try:
                    new = vault.rotate(token)
                except vault.VaultError as error:
                    raise CommandError(f"{model._meta.label} {pk}: {error}") from None
                cursor.execute(
                    f"UPDATE {table} SET {quoted} = %s WHERE id = %s",  # noqa: S608
                    [new, pk],
                )
                changed += 1
        return changed
