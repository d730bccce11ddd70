"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through the official SDK
``tencentcloud-sdk-python-sms``. Settings (``LEHUO_SMS``): ``SECRET_ID``, ``SECRET_KEY``,
``SDK_APP_ID`` (SmsSdkAppId), ``SIGN_NAME``, ``TEMPLATES`` (template name -> TemplateId),
``TEMPLATE_PARAMS`` (template name -> the order of its parameters; Tencent's are positional),
``REGION`` (default ``ap-guangzhou``); ``ENDPOINT`` and ``PROTOCOL`` only for tests."""

from .base import SmsBackend, SmsError, logger

# Tencent templates take positional parameters: {1} is the first. A sign-in code template has one.
DEFAULT_ORDER = {"code": ["code"]}


class TencentSmsBackend(SmsBackend):
    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        c = self.config
        if not c.get("SECRET_ID") or not c.get("SECRET_KEY") or not c.get("SDK_APP_ID"):
            raise SmsError("LEHUO_SMS SECRET_ID / SECRET_KEY / SDK_APP_ID are not set for Tencent Cloud SMS")
        http = HttpProfile(endpoint=c.get("ENDPOINT") or "sms.tencentcloudapi.com",
                           protocol=(c.get("PROTOCOL") or "https").lower(), reqTimeout=int(c.get("TIMEOUT", 5)))
        return sms_client.SmsClient(credential.Credential(c["SECRET_ID"], c["SECRET_KEY"]),
                                    c.get("REGION") or "ap-guangzhou", ClientProfile(httpProfile=http))

    def send(self, phone: str, template: str, params: dict[str, str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        order = (self.config.get("TEMPLATE_PARAMS") or {}).get(template) or DEFAULT_ORDER.get(template) or list(params)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = str(self.config.get("SDK_APP_ID", ""))
        request.SignName = self.sign_name()
        request.TemplateId = self.template_id(template)
        request.TemplateParamSet = [str(params[name]) for name in order]
        try:
            response = self.client().SendSms(request)
        except SmsError:
            raise
        except TencentCloudSDKException as exc:
            raise SmsError(f"Tencent Cloud SMS request failed: {exc.code} {exc.message}", exc.code or "") from exc
        except Exception as exc:
            raise SmsError(f"Tencent Cloud SMS request failed: {exc}") from exc
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            code = statuses[0].Code if statuses else ""
            raise SmsError(f"Tencent Cloud SMS refused: {code} {statuses[0].Message if statuses else ''}", code)
        logger.info("sms (tencent) template=%s serial=%s", template, statuses[0].SerialNo)
