"""Encryption at rest for personal fields, and keyed hashes for finding duplicates.

Values are encrypted with Fernet (AES-128-CBC + HMAC). ``LEHUO_FIELD_KEYS`` holds
several keys, newest first: the newest encrypts, all decrypt, so keys rotate without
downtime (``python -m lehuo rotate_keys``). Equality look-ups use an HMAC-SHA256 of a
normalised value with ``LEHUO_HASH_KEY``, never the plaintext.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LEHUO_FIELD_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was dropped before rotation finished
        raise ValueError("encrypted field cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    key = settings.LEHUO_HASH_KEY.encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plaintext back.

    It cannot be filtered on: look up by the companion ``*_hash`` column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
