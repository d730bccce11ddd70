"""WeChat sign-in (allauth's Weixin provider) against an OAuth server on 127.0.0.1 that checks
what WeChat checks: the app id and secret, the one-time code, the grant type, the access token
and openid of the profile call. Off unless configured."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client

pytestmark = pytest.mark.django_db
APP_ID, SECRET = "wx1234567890abcdef", "wechat-app-secret"


@pytest.fixture
def wechat_server():
    state = {"codes": {}, "tokens": {}}

    class Handler(BaseHTTPRequestHandler):
        def _json(self, data, status=200):
            body = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/connect/qrconnect":  # the user scans and agrees
                if q.get("appid") != APP_ID or q.get("response_type") != "code" or "snsapi_login" not in q.get("scope", ""):
                    return self._json({"errcode": 40013, "errmsg": "invalid appid"}, 400)
                code = f"code-{len(state['codes'])}"
                state["codes"][code] = True
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}")
                self.end_headers()
                return None
            if url.path == "/sns/oauth2/access_token":
                if q.get("appid") != APP_ID or q.get("secret") != SECRET:
                    return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                if q.get("grant_type") != "authorization_code" or not state["codes"].pop(q.get("code", ""), None):
                    return self._json({"errcode": 40029, "errmsg": "invalid code"})
                state["tokens"]["tok-1"] = "oOPENID123"
                return self._json({"access_token": "tok-1", "expires_in": 7200, "refresh_token": "r",
                                   "openid": "oOPENID123", "scope": "snsapi_login", "unionid": "uUNION"})
            if url.path == "/sns/userinfo":
                if state["tokens"].get(q.get("access_token")) != q.get("openid"):
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                return self._json({"openid": q["openid"], "nickname": "居民", "unionid": "uUNION", "sex": 0})
            return self._json({"errcode": -1}, 404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


@pytest.fixture
def wechat_on(settings, wechat_server):
    settings.LEHUO_WECHAT_ENABLED = True
    settings.LEHUO_WECHAT_API_BASE = wechat_server["base"]
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {
        "APPS": [{"client_id": APP_ID, "secret": SECRET}], "SCOPE": ["snsapi_login"],
        "AUTHORIZE_URL": wechat_server["base"] + "/connect/qrconnect"}}
    return wechat_server


def _authorize(c: Client) -> str:
    r = c.post("/accounts/weixin/login/")
    assert r.status_code == 302, r.content[:500]
    at_wechat = requests.get(r.url, allow_redirects=False, timeout=5)
    assert at_wechat.status_code == 302
    back = urlsplit(at_wechat.headers["Location"])
    assert back.path == "/accounts/weixin/login/callback/"
    return f"{back.path}?{back.query}"


def test_wechat_sign_in_creates_an_account_and_signs_in(wechat_on):
    from lehuo.platform.sms import console

    c = Client()
    r = c.get(_authorize(c))
    # The first time, the resident gives their mobile number, verified by an SMS code.
    assert r.status_code == 302 and r.url == "/accounts/social/signup/"
    assert c.get(r.url).status_code == 200
    console.outbox.clear()
    r = c.post("/accounts/social/signup/", {"phone": "13977778888"})
    assert r.status_code == 302 and r.url == "/accounts/phone/verify/", r.content[:1000]
    r = c.post("/accounts/phone/verify/", {"code": console.outbox[-1][2]["code"], "action": "verify"})
    assert r.status_code == 302 and r.url == "/"
    account = SocialAccount.objects.get(provider="weixin")
    assert account.uid == "oOPENID123"
    assert c.get("/").wsgi_request.user == account.user
    # Signing in again finds the same account.
    c2 = Client()
    c2.get(_authorize(c2))
    assert SocialAccount.objects.count() == 1 and c2.get("/").wsgi_request.user == account.user


def test_a_wrong_secret_or_reused_code_signs_nobody_in(wechat_on, settings):
    c = Client()
    callback = _authorize(c)
    assert c.get(callback).url == "/accounts/social/signup/"  # the code is spent
    r = Client().get(callback)  # the same code again, in another session
    assert r.status_code == 401 and not r.wsgi_request.user.is_authenticated
    assert "微信登录未成功" in r.content.decode()
    settings.SOCIALACCOUNT_PROVIDERS["weixin"]["APPS"][0]["secret"] = "wrong"
    c3 = Client()
    r = c3.get(_authorize(c3))
    assert r.status_code == 401 and not r.wsgi_request.user.is_authenticated
    assert SocialAccount.objects.count() == 0


def test_wechat_is_off_unless_configured(client):
    r = client.post("/accounts/weixin/login/")
    assert r.status_code == 302 and r.url == "/accounts/phone/"
    assert "/accounts/weixin/login/" not in client.get("/accounts/phone/").content.decode()
