"""Two-factor sign-in helpers over django-otp: the provisioning URI for the QR code, and who
must use a second factor (docs/security.md)."""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from .models import TOWN_ADMIN
from .otp_models import DIGITS, STEP_SECONDS


def provisioning_uri(secret: str, account: str, issuer: str = "") -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    issuer = issuer or _("乐活")
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def format_secret(secret: str) -> str:
    """Groups of four for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def requires_second_factor(user) -> bool:
    """Town admins and every role that may reveal full ID numbers and phones, when the setting
    asks for it (on by default outside ``make dev``)."""
    from .permissions import may
    from .scoping import has_role

    if not settings.LEHUO_REQUIRE_SECOND_FACTOR or not getattr(user, "is_authenticated", False):
        return False
    return has_role(user, TOWN_ADMIN) or may(user, "people.person.reveal")
