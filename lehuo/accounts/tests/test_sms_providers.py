"""The real SMS backends, through the providers' official SDKs, against small HTTP servers on
127.0.0.1 that check what the provider's API checks: the action and version, the signature
(recomputed here from the documented algorithms: Aliyun ACS3-HMAC-SHA256, Tencent Cloud
TC3-HMAC-SHA256, with the secret the server knows), the approved signature name, the template
id, the parameters and the phone number. A wrong secret or template is refused as the provider
refuses it."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from lehuo.platform.sms import SmsError
from lehuo.platform.sms.aliyun import AliyunSmsBackend
from lehuo.platform.sms.tencent import TencentSmsBackend

ALIYUN = {"ak": "LTAI-test", "secret": "aliyun-secret", "sign": "新泾镇", "template": "SMS_465920001"}
TENCENT = {"id": "AKID-test", "key": "tencent-secret", "app": "1400123456", "sign": "新泾镇", "template": "2231001"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def aliyun_check(method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
    """What Dysmsapi checks of a SendSms call (RPC style, signature v3)."""
    h = {k.lower(): v for k, v in headers.items()}
    if h.get("x-acs-action") != "SendSms" or h.get("x-acs-version") != "2017-05-25":
        return 400, {"Code": "InvalidAction.NotFound", "Message": "action"}
    auth = h.get("authorization", "")
    if not auth.startswith("ACS3-HMAC-SHA256 "):
        return 400, {"Code": "IncompleteSignature", "Message": "algorithm"}
    fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 "):].split(","))
    if fields.get("Credential") != ALIYUN["ak"]:
        return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
    for needed in ("x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"):
        if needed not in h:
            return 400, {"Code": "MissingParameter", "Message": needed}
    if h["x-acs-content-sha256"] != _sha256(body):
        return 400, {"Code": "IncompleteSignature", "Message": "payload hash"}
    split = urlsplit(path)
    query = sorted(parse_qsl(split.query, keep_blank_values=True))
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query)
    signed = fields["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{name}:{h[name].strip()}\n" for name in signed)
    canonical = "\n".join([method, split.path or "/", canonical_query, canonical_headers, fields["SignedHeaders"],
                           h["x-acs-content-sha256"]])
    to_sign = "ACS3-HMAC-SHA256\n" + _sha256(canonical.encode())
    expected = hmac.new(ALIYUN["secret"].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
    params = dict(query)
    if params.get("SignName") != ALIYUN["sign"]:
        return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法"}
    if params.get("TemplateCode") != ALIYUN["template"]:
        return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}
    if not params.get("PhoneNumbers", "").isdigit() or len(params["PhoneNumbers"]) != 11:
        return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "手机号码格式错误"}
    template_params = json.loads(params.get("TemplateParam") or "{}")
    if set(template_params) != {"code"}:
        return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板缺少变量"}
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r-1",
                 "_sent": {"phone": params["PhoneNumbers"], "params": template_params}}


def tencent_check(method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
    """What the SMS API 2021-01-11 checks of SendSms (TC3-HMAC-SHA256)."""
    h = {k.lower(): v for k, v in headers.items()}

    def error(code, message):
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-2"}}

    if h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != "2021-01-11":
        return error("InvalidAction", "action")
    auth = h.get("authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return error("AuthFailure.SignatureFailure", "algorithm")
    fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 "):].split(","))
    secret_id, date, service, terminator = fields["Credential"].split("/")
    if secret_id != TENCENT["id"]:
        return error("AuthFailure.SecretIdNotFound", "secret id")
    timestamp = h["x-tc-timestamp"]
    if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != date or service != "sms":
        return error("AuthFailure.SignatureFailure", "credential scope")
    signed = fields["SignedHeaders"]
    canonical_headers = "".join(f"{name}:{h[name].strip().lower() if name == 'content-type' else h[name].strip()}\n"
                                for name in signed.split(";"))
    canonical = "\n".join([method, "/", "", canonical_headers, signed, _sha256(body)])
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/{service}/{terminator}", _sha256(canonical.encode())])
    key = _hmac(_hmac(_hmac(("TC3" + TENCENT["key"]).encode(), date), service), "tc3_request")
    if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), fields["Signature"]):
        return error("AuthFailure.SignatureFailure", "signature")
    data = json.loads(body)
    if data.get("SmsSdkAppId") != TENCENT["app"]:
        return error("FailedOperation.MissingSignatureList", "app")
    if data.get("SignName") != TENCENT["sign"]:
        return error("FailedOperation.SignatureIncorrectOrUnapproved", "sign")
    if data.get("TemplateId") != TENCENT["template"]:
        return error("FailedOperation.TemplateIncorrectOrUnapproved", "template")
    phones = data.get("PhoneNumberSet") or []
    if len(phones) != 1 or not phones[0].startswith("+86") or len(phones[0]) != 14:
        return error("InvalidParameterValue.IncorrectPhoneNumber", "phone")
    if len(data.get("TemplateParamSet") or []) != 1:
        return error("InvalidParameterValue.TemplateParameterFormatError", "params")
    return 200, {"Response": {"SendStatusSet": [{"SerialNo": "5000:1", "PhoneNumber": phones[0], "Fee": 1,
                                                 "SessionContext": "", "Code": "Ok", "Message": "send success",
                                                 "IsoCode": "CN"}], "RequestId": "r-2"}}


@pytest.fixture
def provider():
    """A server on 127.0.0.1 answering with ``check`` (set by the test); keeps what it accepted."""
    state = {"check": None, "accepted": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = state["check"]("POST", self.path, dict(self.headers), body)
            if "_sent" in answer:
                state["accepted"].append(answer.pop("_sent"))
            elif status == 200 and "Response" in answer and "SendStatusSet" in answer["Response"]:
                state["accepted"].append(json.loads(body))
            out = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["endpoint"] = f"127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


def aliyun(provider, **over):
    provider["check"] = aliyun_check
    return AliyunSmsBackend({"ACCESS_KEY_ID": ALIYUN["ak"], "ACCESS_KEY_SECRET": ALIYUN["secret"],
                             "SIGN_NAME": ALIYUN["sign"], "TEMPLATES": {"code": ALIYUN["template"]},
                             "ENDPOINT": provider["endpoint"], "PROTOCOL": "HTTP", **over})


def tencent(provider, **over):
    provider["check"] = tencent_check
    return TencentSmsBackend({"SECRET_ID": TENCENT["id"], "SECRET_KEY": TENCENT["key"], "SDK_APP_ID": TENCENT["app"],
                              "SIGN_NAME": TENCENT["sign"], "TEMPLATES": {"code": TENCENT["template"]},
                              "ENDPOINT": provider["endpoint"], "PROTOCOL": "http", **over})


def test_aliyun_sends_a_code_the_api_accepts(provider):
    aliyun(provider).send("13912345678", "code", {"code": "042917"})
    assert provider["accepted"] == [{"phone": "13912345678", "params": {"code": "042917"}}]


@pytest.mark.parametrize("over, code", [
    ({"ACCESS_KEY_SECRET": "wrong"}, "SignatureDoesNotMatch"),
    ({"ACCESS_KEY_ID": "other"}, "InvalidAccessKeyId.NotFound"),
    ({"TEMPLATES": {"code": "SMS_0"}}, "isv.SMS_TEMPLATE_ILLEGAL"),
    ({"SIGN_NAME": "别的镇"}, "isv.SMS_SIGNATURE_ILLEGAL"),
])
def test_aliyun_refusals_are_raised(provider, over, code):
    with pytest.raises(SmsError) as caught:
        aliyun(provider, **over).send("13912345678", "code", {"code": "042917"})
    assert caught.value.code == code
    assert provider["accepted"] == []


def test_tencent_sends_a_code_the_api_accepts(provider):
    tencent(provider).send("13912345678", "code", {"code": "042917"})
    [sent] = provider["accepted"]
    assert sent["PhoneNumberSet"] == ["+8613912345678"] and sent["TemplateParamSet"] == ["042917"]
    assert sent["SignName"] == "新泾镇" and sent["TemplateId"] == TENCENT["template"]


@pytest.mark.parametrize("over, code", [
    ({"SECRET_KEY": "wrong"}, "AuthFailure.SignatureFailure"),
    ({"TEMPLATES": {"code": "1"}}, "FailedOperation.TemplateIncorrectOrUnapproved"),
    ({"SIGN_NAME": "别的镇"}, "FailedOperation.SignatureIncorrectOrUnapproved"),
])
def test_tencent_refusals_are_raised(provider, over, code):
    with pytest.raises(SmsError) as caught:
        tencent(provider, **over).send("13912345678", "code", {"code": "042917"})
    assert caught.value.code == code
    assert provider["accepted"] == []


@pytest.mark.django_db
def test_sign_up_through_aliyun_end_to_end(provider, settings):
    """The whole sign-up with the Aliyun backend chosen by settings: the code the provider
    received is the one that signs in."""
    from django.test import Client

    backend = aliyun(provider)
    settings.LEHUO_SMS = {**backend.config, "BACKEND": "lehuo.platform.sms.aliyun.AliyunSmsBackend"}
    c = Client()
    assert c.post("/accounts/phone/signup/", {"phone": "13912345678"}).status_code == 302
    [sent] = provider["accepted"]
    r = c.post("/accounts/phone/verify/", {"code": sent["params"]["code"], "action": "verify"})
    assert r.status_code == 302 and c.get("/").wsgi_request.user.is_authenticated
