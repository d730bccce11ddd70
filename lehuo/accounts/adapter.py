"""django-allauth's account adapter for Lehuo: residents' mobile numbers (``PhoneAccount``),
codes kept hashed, texts through the SMS backend (lehuo/platform/sms), Chinese messages."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lehuo.platform import sms
from lehuo.platform.audit import log_action

from . import phone as phones
from .phone_models import PhoneAccount


class MobileField(forms.CharField):
    """A mainland mobile number (11 digits, 13-19...; +86 accepted), with a clear message for
    a malformed or a foreign number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={
            "type": "tel", "inputmode": "numeric", "autocomplete": "tel", "placeholder": _("11位手机号码")}))
        kwargs.setdefault("error_messages", {"required": phones.MESSAGES["required"]})
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        number, reason = phones.parse_mobile(value)
        if reason:
            raise forms.ValidationError(phones.MESSAGES[reason], code=reason)
        return number


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": phones.MESSAGES["incorrect_code"],
        "too_many_login_attempts": phones.MESSAGES["too_many_attempts"],
        "phone_taken": _("该手机号码已注册，请直接登录"),
        "unknown_phone": _("该手机号码尚未注册"),
        "rate_limited": _("操作过于频繁，请稍后再试"),
        "phone_password_mismatch": _("手机号码或密码不正确"),
        "invalid_login": _("登录失败，请检查输入"),
    }

    def phone_form_field(self, **kwargs):
        kwargs.pop("label", None)
        return MobileField(**kwargs)

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        # allauth keeps what this returns in the session and hands it back to the SMS method
        # and the confirm form: a salted HMAC of the code, never the code itself.
        return phones.code_token(phone, phones.new_code())

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        plain = phones.take_code(code)
        if not plain:
            raise RuntimeError("the code to send was not generated in this request")
        sms.send_code(phone, plain)
        log_action(user, "account.code_sent", None, {"phone": phones.mask_phone(phone)})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # A code asked for a number without an account: the page looks the same (nobody learns
        # which numbers have accounts); the number's owner is told how to sign up.
        self._notice(phone, "no_account")

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._notice(phone, "account_exists")

    def _notice(self, phone: str, template: str) -> None:
        log_action(None, "account.sms_notice", None, {"phone": phones.mask_phone(phone), "template": template})
        if template in (sms.config().get("TEMPLATES") or {}):
            sms.send_template(phone, template, {})

    def populate_username(self, request, user) -> None:
        # Residents never see or type a user name: a random one, the masked number as the name shown.
        import secrets

        if not user.username:
            user.username = f"r{secrets.token_hex(6)}"

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template in ("account/messages/logged_in.txt", "account/messages/logged_out.txt"):
            return  # the page they land on says who they are
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        if not user.first_name:
            user.first_name = phones.mask_phone(phone)
            if user.pk:
                user.save(update_fields=["first_name"])
        with transaction.atomic():
            PhoneAccount.objects.update_or_create(user=user, defaults={
                "phone": phone, "phone_hash": phones.phone_hash(phone), "verified": verified,
                "verified_at": timezone.now() if verified else None})

    def get_phone(self, user):
        account = PhoneAccount.objects.filter(user=user).first()
        return (account.phone, account.verified) if account else None

    def set_phone_verified(self, user, phone: str) -> None:
        PhoneAccount.objects.filter(user=user, phone_hash=phones.phone_hash(phone)).update(
            verified=True, verified_at=timezone.now())

    def get_user_by_phone(self, phone: str):
        account = PhoneAccount.objects.filter(phone_hash=phones.phone_hash(phone)).select_related("user").first()
        return account.user if account and account.user.is_active else None

    def get_login_redirect_url(self, request):
        from django.urls import reverse

        return reverse("web:index")

