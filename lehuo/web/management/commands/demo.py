"""`python -m lehuo demo`: load the demo town (Xinjing, 2021). Idempotent."""

import importlib

from django.core.management.base import BaseCommand

from lehuo.people.demo import DEMO_LOGINS, DEMO_PASSWORD, load_core

MODULES = ["training", "donations", "blood", "daycare", "visits", "newsletter"]


class Command(BaseCommand):
    help = "Load the demo town Xinjing (新泾镇) in 2021; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=3000)
        parser.add_argument("--only", nargs="*", choices=["core", *MODULES], help="load only these modules")

    def handle(self, *args, residents, only, **options):
        out = self.stdout
        town = load_core(out, residents=residents)
        for name in MODULES:
            if only and name not in only:
                continue
            module = importlib.import_module(f"lehuo.{name}.demo")
            module.load(town, out)
        out.write(self.style.SUCCESS("demo town loaded"))
        out.write(f"demo logins (password {DEMO_PASSWORD}):")
        for username, role, scope in DEMO_LOGINS:
            out.write(f"  {username:<12} {role:<32} {scope}")
