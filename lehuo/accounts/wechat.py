"""WeChat sign-in (微信扫码登录) on allauth's Weixin provider, off unless configured
(``LEHUO_WECHAT_APP_ID`` / ``LEHUO_WECHAT_SECRET``; docs/residents.md). The API host is a
setting (``LEHUO_WECHAT_API_BASE``) so the flow is tested against an OAuth server on 127.0.0.1."""

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class LehuoWeixinAdapter(WeixinOAuth2Adapter):
    # WeChat documents the token call as a GET with the parameters in the query string.
    access_token_method = "GET"

    @property
    def access_token_url(self):
        return settings.LEHUO_WECHAT_API_BASE.rstrip("/") + "/sns/oauth2/access_token"

    @property
    def profile_url(self):
        return settings.LEHUO_WECHAT_API_BASE.rstrip("/") + "/sns/userinfo"


_login = OAuth2LoginView.adapter_view(LehuoWeixinAdapter)
_callback = OAuth2CallbackView.adapter_view(LehuoWeixinAdapter)


def _enabled() -> bool:
    return bool(getattr(settings, "LEHUO_WECHAT_ENABLED", False))


def _off(request):
    messages.info(request, _("本站未开通微信登录，请用手机号登录"))
    return redirect("account_request_login_code")


def login(request, *args, **kwargs):
    return _login(request, *args, **kwargs) if _enabled() else _off(request)


def callback(request, *args, **kwargs):
    return _callback(request, *args, **kwargs) if _enabled() else _off(request)
