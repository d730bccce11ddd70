from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lehuo.accounts.models import ApiToken
from lehuo.accounts.tokens import revoke_tokens


class Command(BaseCommand):
    help = "Revoke API tokens: the one whose first 8 characters are PREFIX, or every token of --user."

    def add_arguments(self, parser):
        parser.add_argument("prefix", nargs="?", help="the token's first 8 characters (as listed in the admin)")
        parser.add_argument("--user", help="revoke every token of this username")

    def handle(self, *args, prefix, user, **options):
        if bool(prefix) == bool(user):
            raise CommandError("give a token prefix or --user, not both")
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        if user:
            try:
                tokens = tokens.filter(user=get_user_model().objects.get(username=user))
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user named {user!r}")
        else:
            tokens = tokens.filter(prefix=prefix)
            if tokens.count() > 1:
                raise CommandError(f"{tokens.count()} tokens start with {prefix!r}: revoke them with --user")
        count = revoke_tokens(tokens)
        if not count:
            raise CommandError("no such token (or it is already revoked)")
        self.stdout.write(f"revoked {count} token(s)")
