from django.urls import path

from . import views, views_otp, views_phone

# Names without a namespace: LOGIN_URL = "login" and Django's and allauth's views expect them.
urlpatterns = [
    # Staff: user name and password (django-axes), then the second factor.
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/setup/", views_otp.otp_setup, name="otp_setup"),
    path("otp/verify/", views_otp.otp_verify, name="otp_verify"),
    # Residents: mobile number and SMS code (django-allauth's phone support, accounts/phone.py).
    path("phone/", views_phone.request_login_code, name="account_request_login_code"),
    path("phone/confirm/", views_phone.confirm_login_code, name="account_confirm_login_code"),
    path("phone/signup/", views_phone.signup, name="account_signup"),
    path("phone/verify/", views_phone.verify_phone, name="account_verify_phone"),
    path("phone/change/", views_phone.change_phone, name="account_change_phone"),
    path("phone/password/", views_phone.login, name="account_login"),
    path("phone/password/set/", views_phone.password_set, name="account_set_password"),
    path("phone/password/change/", views_phone.password_change, name="account_change_password"),
]

# WeChat sign-in (allauth's Weixin provider): answers only when configured (LEHUO_WECHAT_APP_ID).
from allauth.socialaccount import views as social_views  # noqa: E402

from . import wechat  # noqa: E402

urlpatterns += [
    path("weixin/login/", wechat.login, name="weixin_login"),
    path("weixin/login/callback/", wechat.callback, name="weixin_callback"),
    path("social/error/", social_views.login_error, name="socialaccount_login_error"),
    path("social/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("social/signup/", social_views.signup, name="socialaccount_signup"),
]
