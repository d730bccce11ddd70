"""Residents' sign-in pages: django-allauth's views (sign up with a mobile number, request and
confirm a code, verify the number, set a password), with Lehuo's templates and messages."""

from allauth.account import views as allauth_views
from django.contrib import messages
from django.http import HttpResponseRedirect

from . import phone as phones


class ConfirmLoginCodeView(allauth_views.ConfirmLoginCodeView):
    """allauth's page, saying why when the code has expired or its session is gone."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect) and not request.user.is_authenticated:
            # allauth says nothing when the code expired; it says so after too many wrong codes.
            # (The private lists are read so that the pending messages are not consumed.)
            storage = messages.get_messages(request)
            pending = [*getattr(storage, "_loaded_messages", []), *getattr(storage, "_queued_messages", [])]
            expired = not any(m.level == messages.ERROR for m in pending)
            if expired:
                messages.error(request, phones.MESSAGES["expired"])
            phones.refuse(request, "", "code_expired" if expired else "too_many_wrong_codes")
        return response


confirm_login_code = ConfirmLoginCodeView.as_view()
request_login_code = allauth_views.request_login_code
signup = allauth_views.signup
verify_phone = allauth_views.verify_phone
change_phone = allauth_views.change_phone
login = allauth_views.login
password_set = allauth_views.password_set
password_change = allauth_views.password_change
