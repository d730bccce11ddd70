from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lehuo.accounts.tokens import create_token


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {username!r}")
        self.stdout.write(create_token(user, name))
