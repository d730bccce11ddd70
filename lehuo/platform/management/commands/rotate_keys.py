"""Re-encrypt every encrypted field with the newest key in LEHUO_FIELD_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from lehuo.platform.crypto import EncryptedTextField, rotate


class Command(BaseCommand):
    help = "Re-encrypt personal fields with the first key of LEHUO_FIELD_KEYS (then the old key can go)."

    def handle(self, *args, **options):
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if fields:
                with transaction.atomic():
                    count = rotate_table(model, fields)
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")


def rotate_table(model, fields) -> int:
    """Read the ciphertext (not the model, which would decrypt), rotate, write back."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    cols = [quote(f.column) for f in fields]
    sets = ", ".join(f"{c} = %s" for c in cols)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {', '.join(cols)} FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
        for row in rows:
            cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608
                           [*(rotate(v) if v else v for v in row[1:]), row[0]])
    return len(rows)
