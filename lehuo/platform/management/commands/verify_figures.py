"""Recompute every kept figure from the records and report any difference."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lehuo.platform import modules


def verifiers() -> list[tuple[str, Callable[[], list[str]], Callable[..., Any]]]:
    """(app label, verify, rebuild) of every module that declares kept figures on its
    AppConfig (``verify_figures`` / ``rebuild_figures``, lehuo/platform/modules.py)."""
    return [(config.label, check, config.contribution("rebuild_figures"))
            for config, check in modules.contributions("verify_figures")]


def verify_all() -> dict[str, list[str]]:
    return {name: check() for name, check, _rebuild in verifiers()}


class Command(BaseCommand):
    help = ("Recompute every figure kept as an aggregate (donation drives and towns, blood drives, training "
            "cohorts) from the records and report each difference; exit status 1 when there is one. "
            "--rebuild recomputes the kept figures first (a repair, in one transaction each).")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute the kept figures before checking")

    def handle(self, *args, **options):
        if options["rebuild"]:
            for name, _check, rebuild in verifiers():
                self.stdout.write(f"{name}: rebuilt from {rebuild():,} records")
        found = verify_all()
        total = 0
        for name, diffs in found.items():
            for line in diffs:
                self.stdout.write(f"DIFFERENCE {name}: {line}")
            total += len(diffs)
            self.stdout.write(f"{name}: {'OK' if not diffs else f'{len(diffs)} differences'}")
        if total:
            raise CommandError(f"{total} kept figures differ from the records")
