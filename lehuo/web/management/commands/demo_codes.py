"""`python -m lehuo demo_codes`: the demo town's second factor, for trying Lehuo with `make run`.

With DEBUG off (`make run`), town admins and social workers must sign in with a TOTP second
factor (LEHUO_REQUIRE_SECOND_FACTOR). For the demo logins that need one, this command gives each
a confirmed authenticator (the same secret on every run: kept in the device, encrypted) and
prints the secret (to add to an authenticator app) and the current 6-digit code, so the demo can
be tried without a phone. Never run it against real accounts: it refuses users who are not
demo logins, and refuses to run when LEHUO_DEMO_SECOND_FACTOR is not set.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from lehuo.accounts.otp import format_secret, provisioning_uri, requires_second_factor
from lehuo.accounts.otp_models import TotpDevice, new_secret
from lehuo.people.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Give the demo logins that need a second factor an authenticator, and print their current codes."

    def add_arguments(self, parser):
        parser.add_argument("--codes-only", action="store_true", help="only print the current codes")

    def handle(self, *args, codes_only=False, **options):
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        if os.environ.get("LEHUO_DEMO_SECOND_FACTOR") != "1":
            raise CommandError("demo_codes is for the demo town only: set LEHUO_DEMO_SECOND_FACTOR=1 (make run does)")
        User = get_user_model()
        names = [username for username, _role, _scope in DEMO_LOGINS]
        rows = []
        for user in User.objects.filter(username__in=names).order_by("username"):
            if not (requires_second_factor(user) or TotpDevice.objects.filter(user=user, confirmed=True).exists()):
                continue
            device = TotpDevice.objects.filter(user=user).first()
            if device is None:
                if codes_only:
                    continue
                device = TotpDevice.objects.create(user=user, secret=new_secret(), confirmed=True,
                                                   confirmed_at=timezone.now())
            elif not device.confirmed and not codes_only:
                device.confirmed, device.confirmed_at = True, timezone.now()
                device.save(update_fields=["confirmed", "confirmed_at"])
            totp = device.totp()
            totp.time = time.time()
            rows.append((user.username, f"{totp.token():06d}", device.secret))
        if not rows:
            self.stdout.write("no demo login needs a second factor"
                              + ("" if settings.LEHUO_REQUIRE_SECOND_FACTOR else " (LEHUO_REQUIRE_SECOND_FACTOR is off)"))
            return
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"second factor (TOTP) for the demo logins; codes valid for {left} more seconds:")
        for username, code, secret in rows:
            if codes_only:
                self.stdout.write(f"  {username:<12} {code}")
            else:
                self.stdout.write(f"  {username:<12} code now {code}   secret {format_secret(secret)}")
                self.stdout.write(f"  {'':<12} {provisioning_uri(secret, username)}")
        self.stdout.write("current codes again: .venv/bin/python -m lehuo demo_codes --codes-only (with make run's environment: make codes)")
