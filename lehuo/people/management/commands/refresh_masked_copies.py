"""Write the kept masked ID number and phone (Person.id_number_mask, phone_mask) of people whose
copy is missing: people registered by a server of before people migration 0006 while a rolling
upgrade ran. ``--all`` rewrites every person's (nothing else ever needs it: the fields keep
them on every write)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Q

from lehuo.lib.identity import mask_id_number, mask_phone
from lehuo.people.models import Person

CHUNK = 5000


class Command(BaseCommand):
    help = "Write the masked ID number and phone kept beside the ciphertext where they are missing."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every person, not only those missing a copy")

    def handle(self, *args, **options):
        people = Person.objects.all() if options["all"] else Person.objects.filter(
            Q(id_number_mask="") | Q(phone_mask=""))
        table = connection.ops.quote_name(Person._meta.db_table)
        last, written = 0, 0
        while True:
            rows = list(people.filter(pk__gt=last).order_by("pk").values_list("pk", "id_number", "phone", "id_number_mask",
                                                                             "phone_mask")[:CHUNK])
            if not rows:
                break
            changed = [(mask_id_number(number), mask_phone(phone), pk) for pk, number, phone, id_mask, phone_mask in rows
                       if (mask_id_number(number), mask_phone(phone)) != (id_mask, phone_mask)]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET id_number_mask = %s, phone_mask = %s WHERE id = %s",  # noqa: S608
                                   changed)
            written += len(changed)
            last = rows[-1][0]
        self.stdout.write(f"{written} people's masked copies written")
