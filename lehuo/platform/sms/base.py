"""The interface of an SMS backend."""

import logging

logger = logging.getLogger("lehuo.sms")


class SmsError(Exception):
    """The provider refused or could not be reached; ``code`` is the provider's error code."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


class SmsBackend:
    """``send(phone, template, params)``: ``phone`` is a mainland mobile (11 digits, no +86),
    ``template`` a Lehuo template name mapped to the provider's id by ``config["TEMPLATES"]``."""

    def __init__(self, config: dict):
        self.config = config

    def template_id(self, template: str) -> str:
        templates = self.config.get("TEMPLATES") or {}
        if template not in templates:
            raise SmsError(f"no provider template configured for {template!r} (LEHUO_SMS['TEMPLATES'])")
        return str(templates[template])

    def sign_name(self) -> str:
        sign = self.config.get("SIGN_NAME") or ""
        if not sign:
            raise SmsError("LEHUO_SMS['SIGN_NAME'] (the approved SMS signature) is not set")
        return sign

    def send(self, phone: str, template: str, params: dict[str, str]) -> None:  # pragma: no cover
        raise NotImplementedError
