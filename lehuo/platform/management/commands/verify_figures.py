"""Recompute every kept figure from the records and report any difference."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

# Each kept set of figures: its name, its check (-> list of differences) and its rebuild.
VERIFIERS = [
    ("donations", "lehuo.donations.aggregates.verify", "lehuo.donations.aggregates.rebuild"),
]


def verify_all() -> dict[str, list[str]]:
    return {name: import_string(check)() for name, check, _rebuild in VERIFIERS}


class Command(BaseCommand):
    help = ("Recompute every figure kept as an aggregate (donation drives and towns) from the records "
            "and report each difference; exit status 1 when there is one. --rebuild recomputes the "
            "kept figures first (a repair, in one transaction).")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute the kept figures before checking")

    def handle(self, *args, **options):
        if options["rebuild"]:
            for name, _check, rebuild in VERIFIERS:
                self.stdout.write(f"{name}: rebuilt from {import_string(rebuild)():,} records")
        found = verify_all()
        total = 0
        for name, diffs in found.items():
            for line in diffs:
                self.stdout.write(f"DIFFERENCE {name}: {line}")
            total += len(diffs)
            self.stdout.write(f"{name}: {'OK' if not diffs else f'{len(diffs)} differences'}")
        if total:
            raise CommandError(f"{total} kept figures differ from the records")
