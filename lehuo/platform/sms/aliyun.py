"""Aliyun SMS (阿里云短信服务, Dysmsapi 2017-05-25) through the official SDK
``alibabacloud-dysmsapi20170525``. Settings (``LEHUO_SMS``): ``ACCESS_KEY_ID``,
``ACCESS_KEY_SECRET``, ``SIGN_NAME``, ``TEMPLATES``; ``ENDPOINT`` (default
``dysmsapi.aliyuncs.com``) and ``PROTOCOL`` (``HTTPS``) only for tests against a local server."""

import json

from .base import SmsBackend, SmsError, logger


class AliyunSmsBackend(SmsBackend):
    def client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        c = self.config
        if not c.get("ACCESS_KEY_ID") or not c.get("ACCESS_KEY_SECRET"):
            raise SmsError("LEHUO_SMS ACCESS_KEY_ID / ACCESS_KEY_SECRET are not set for Aliyun SMS")
        config = open_api_models.Config(
            access_key_id=c["ACCESS_KEY_ID"], access_key_secret=c["ACCESS_KEY_SECRET"],
            endpoint=c.get("ENDPOINT") or "dysmsapi.aliyuncs.com", protocol=c.get("PROTOCOL") or "HTTPS",
            read_timeout=int(c.get("TIMEOUT_MS", 5000)), connect_timeout=int(c.get("TIMEOUT_MS", 5000)),
        )
        return Client(config)

    def send(self, phone: str, template: str, params: dict[str, str]) -> None:
        from alibabacloud_dysmsapi20170525 import models as sms_models

        request = sms_models.SendSmsRequest(
            phone_numbers=phone, sign_name=self.sign_name(), template_code=self.template_id(template),
            template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self.client().send_sms(request)
        except SmsError:
            raise
        except Exception as exc:  # the SDK raises TeaException / UnretryableException
            raise SmsError(f"Aliyun SMS request failed: {exc}", getattr(exc, "code", "") or "") from exc
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", "") or ""
            raise SmsError(f"Aliyun SMS refused: {code} {getattr(body, 'message', '')}", code)
        logger.info("sms (aliyun) template=%s biz_id=%s", template, body.biz_id)
