"""`python -m lehuo demo`: load the demo town (Xinjing, 2021). Idempotent."""

from django.core.management.base import BaseCommand

from lehuo.people.demo import DEMO_LOGINS, DEMO_PASSWORD, load_core
from lehuo.platform.modules import demo_order, modules


class Command(BaseCommand):
    help = "Load the demo town Xinjing (新泾镇) in 2021; running it again changes nothing."

    def add_arguments(self, parser):
        labels = [config.label for config in modules() if config.demo]
        parser.add_argument("--residents", type=int, default=3000)
        parser.add_argument("--only", nargs="*", choices=["people", *labels],
                            help="load only the town and its people, and these modules (with the ones they need)")

    def handle(self, *args, residents, only, **options):
        out = self.stdout
        town = load_core(out, residents=residents)
        wanted = None if only is None else [label for label in only if label != "people"]
        if wanted != []:
            for config in demo_order(wanted):
                config.contribution("demo")(town, out)
        out.write(self.style.SUCCESS("demo town loaded"))
        out.write(f"demo logins (password {DEMO_PASSWORD}):")
        for username, role, scope in DEMO_LOGINS:
            out.write(f"  {username:<12} {role:<32} {scope}")
