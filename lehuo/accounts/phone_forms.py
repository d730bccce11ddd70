"""allauth's phone forms with Lehuo's limits (``ACCOUNT_FORMS``): a code is sent only within
the limits of accounts/phone.py, and a code is checked against the hashed token, counting
wrong codes towards the number's lock."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import ConfirmLoginCodeForm, RequestLoginCodeForm, SignupForm, VerifyPhoneForm
from allauth.account.internal.flows.phone_verification import phone_already_exists
from allauth.core import context
from django import forms

from . import phone as phones


def _limit(form, phone: str) -> str:
    if phone:
        refusal = phones.send_refusal(context.request, phone)
        if refusal:
            raise forms.ValidationError(refusal, code="limited")
    return phone


class PhoneRequestCodeForm(RequestLoginCodeForm):
    def clean_phone(self) -> str:
        return super().clean_phone() and _limit(self, self.cleaned_data["phone"])


class PhoneSignupForm(SignupForm):
    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("phone")
        if phone and not self.errors:
            refusal = phones.send_refusal(context.request, phone)
            if refusal:
                self.add_error("phone", refusal)
        return cleaned


class _HashedCodeMixin:
    """Check the code against the session's token (accounts/phone.py) instead of the clear code."""

    expected_code: str

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        request = context.request
        number_hash = phones.token_number_hash(self.expected_code)
        if number_hash and phones.is_locked(request, number_hash):
            raise forms.ValidationError(phones.MESSAGES["locked"], code="locked")
        if not phones.check_code(self.expected_code, code):
            if phones.record_wrong_code(request, self.expected_code):
                raise forms.ValidationError(phones.MESSAGES["locked"], code="locked")
            raise get_adapter().validation_error("incorrect_code")
        return code


class HashedConfirmLoginCodeForm(_HashedCodeMixin, ConfirmLoginCodeForm):
    pass


class HashedVerifyPhoneForm(_HashedCodeMixin, VerifyPhoneForm):
    def clean_code(self) -> str:
        code = _HashedCodeMixin.clean_code(self)
        phone_already_exists(self.user, self.phone, always_raise=True)
        return code


from allauth.socialaccount.forms import SignupForm as SocialSignupForm  # noqa: E402


class SocialPhoneSignupForm(SocialSignupForm):
    """A first WeChat sign-in asks for the mobile number (Lehuo's sign-up has no e-mail field,
    which allauth's social form otherwise expects), within the same SMS limits."""

    def _get_signup_fields(self, kwargs) -> dict:
        kwargs.pop("email_required", None)
        return super()._get_signup_fields(kwargs)

    def clean(self):
        cleaned = super().clean()
        phone = cleaned.get("phone")
        if phone and not self.errors:
            refusal = phones.send_refusal(context.request, phone)
            if refusal:
                self.add_error("phone", refusal)
        return cleaned
