"""Residents sign up and sign in with a mainland mobile number and a one-time SMS code, on
django-allauth's phone support (docs/residents.md). allauth runs the flows (sign-up, request a
code, confirm it, codes per session with a timeout and a number of tries); this module gives it:

- where the number is kept (``PhoneAccount``, encrypted, found by keyed hash),
- the code's form: 6 digits, sent in clear by SMS but kept in the session only as a salted
  HMAC (``code_token``), checked by ``check_code``;
- Lehuo's own limits, at least as strict as the SMS providers' (docs: Aliyun allows 1 code a
  minute, 5 an hour, 10 a day per number): one code per 60 s, 5 per hour and 10 per day per
  number, per network address per hour, and a lock on a number after too many wrong codes.
  They are counted by allauth's rate limiter (``ACCOUNT_RATE_LIMITS``, actions ``lehuo_*``);
  each refusal has its own message and an audit row.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lehuo.lib.identity import IdentityError, mask_phone, normalise_phone
from lehuo.platform.audit import log_action
from lehuo.platform.crypto import keyed_hash

CODE_DIGITS = 6

# (allauth rate-limit action, message) in the order they are checked before a code is sent.
SEND_LIMITS = (
    ("lehuo_sms_interval", _("发送过于频繁，请60秒后再获取验证码")),
    ("lehuo_sms_hour", _("该号码1小时内获取验证码已达5次，请稍后再试")),
    ("lehuo_sms_day", _("该号码今天获取验证码已达10次，请明天再试")),
    ("lehuo_sms_ip", _("您所在的网络获取验证码过于频繁，请稍后再试")),
)
LOCKED = "lehuo_code_failures"
MESSAGES = {
    "locked": _("验证码错误次数过多，该号码已锁定1小时，请稍后再试"),
    "incorrect_code": _("验证码不正确，请重新输入"),
    "expired": _("验证码已过期或已失效，请重新获取"),
    "too_many_attempts": _("验证码错误次数过多，请重新获取验证码"),
    "not_mainland": _("仅支持中国大陆手机号码"),
    "malformed": _("手机号码应为11位数字，以13-19开头"),
    "required": _("请填写手机号码"),
}


def phone_hash(phone: str) -> str:
    return keyed_hash(f"mobile:{phone}")


def parse_mobile(raw: str) -> tuple[str, str]:
    """(the 11-digit mainland mobile, "") or ("", the reason it is refused)."""
    text = (raw or "").strip()
    if not text:
        return "", "required"
    compact = "".join(ch for ch in text if ch not in " -()")
    if compact.startswith("+") and not compact.startswith("+86"):
        return "", "not_mainland"
    if compact.startswith("00") and not compact.startswith("0086"):
        return "", "not_mainland"
    try:
        number = normalise_phone(compact)
    except IdentityError as exc:
        return "", "not_mainland" if str(exc) == str(_("请填写中国大陆电话号码")) else "malformed"
    if len(number) != 11 or not number.startswith("1"):
        return "", "malformed"  # a fixed line cannot receive a code
    return number, ""


# --- the code ------------------------------------------------------------------------------

_pending: dict[str, str] = {}  # token -> code, between generating and sending in one request


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _digest(salt: str, number_hash: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{number_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def code_token(phone: str, code: str) -> str:
    """What the session keeps instead of the code: "<salt>.<number hash>.<HMAC>"."""
    salt, number_hash = secrets.token_hex(8), phone_hash(phone)
    token = f"{salt}.{number_hash}.{_digest(salt, number_hash, code)}"
    _pending[token] = code
    return token


def take_code(token: str) -> str:
    """The code in clear for the text message (once, in the request that generated it)."""
    return _pending.pop(token, "")


def token_number_hash(token: str) -> str:
    parts = (token or "").split(".")
    return parts[1] if len(parts) == 3 else ""


def check_code(token: str, code: str) -> bool:
    parts = (token or "").split(".")
    if len(parts) != 3:
        return False
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    return len(code) == CODE_DIGITS and hmac.compare_digest(parts[2], _digest(parts[0], parts[1], code))


# --- limits ---------------------------------------------------------------------------------

def _consume(request, action: str, key: str, dry_run: bool = False) -> bool:
    from allauth.core import ratelimit

    return ratelimit.consume(request, action=action, key=key, dry_run=dry_run)


def is_locked(request, number_hash: str) -> bool:
    return not _consume(request, LOCKED, number_hash, dry_run=True)


def send_refusal(request, phone: str) -> str | None:
    """Why a code may not be sent to ``phone`` now (a message), or None (and it is counted)."""
    number_hash = phone_hash(phone)
    if is_locked(request, number_hash):
        refuse(request, phone, "locked")
        return str(MESSAGES["locked"])
    for action, message in SEND_LIMITS:
        if not _consume(request, action, number_hash, dry_run=True):
            refuse(request, phone, action)
            return str(message)
    for action, _message in SEND_LIMITS:
        _consume(request, action, number_hash)
    return None


def record_wrong_code(request, token: str) -> bool:
    """Count a wrong code against its number; True when the number is now locked."""
    number_hash = token_number_hash(token)
    if not number_hash:
        return False
    _consume(request, LOCKED, number_hash)
    log_action(None, "account.code_wrong", None, {"number": number_hash[:12], "ip": client_ip(request)})
    return is_locked(request, number_hash)


def refuse(request, phone: str, reason: str) -> None:
    """An audit row for a refused attempt (the number masked)."""
    log_action(getattr(request, "user", None), "account.sms_refused", None,
               {"phone": mask_phone(phone), "reason": reason, "ip": client_ip(request)})


def client_ip(request) -> str:
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request) or ""
    except Exception:  # noqa: BLE001 - an odd header must not break sign-in
        return request.META.get("REMOTE_ADDR", "")


def now():
    return timezone.now()
