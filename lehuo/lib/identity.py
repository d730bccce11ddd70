"""Identity documents and phone numbers (docs/domain.md, "ID numbers and phones": GB 11643-1999, GB/T 35273).

Pure functions, no database: validation, derivation of birth date and sex, masks.
"""

import datetime as dt
import re
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric

ID_RIC = "ric"  # 居民身份证
ID_HK = "hk"  # 港澳台居民居住证 (810000 / 820000 / 830000)
ID_MO = "mo"
ID_TW = "tw"
ID_FOREIGN = "foreign"  # 外国人永久居留身份证 (2023, 18 characters starting with 9)
ID_PASSPORT = "passport"
ID_OTHER = "other"

ID_TYPES = [
    (ID_RIC, gettext_lazy("居民身份证")),
    (ID_HK, gettext_lazy("港澳居民居住证（香港）")),
    (ID_MO, gettext_lazy("港澳居民居住证（澳门）")),
    (ID_TW, gettext_lazy("台湾居民居住证")),
    (ID_FOREIGN, gettext_lazy("外国人永久居留身份证")),
    (ID_PASSPORT, gettext_lazy("护照")),
    (ID_OTHER, gettext_lazy("其他证件")),
]
_PERMIT_AREAS = {"810000": ID_HK, "820000": ID_MO, "830000": ID_TW}


class IdentityError(ValueError):
    """A bad ID number or phone; the message is shown to users (zh-hans)."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    kind: str
    birth_date: dt.date | None
    sex: str | None  # "M" / "F"


def _checksum_ok(number: str) -> bool:
    weights = [(2 ** (17 - i)) % 11 for i in range(17)]
    total = sum(int(c) * w for c, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17]


def parse_id_number(raw: str, kind: str | None = None, *, today: dt.date | None = None) -> IdNumber:
    """Validate an ID number and derive what it encodes.

    ``kind`` None means "guess from the number" (RIC, permits, foreigners' ID);
    passports and other documents are kept as typed, only trimmed.
    """
    today = today or dt.date.today()
    number = re.sub(r"\s+", "", raw or "").upper()
    if not number:
        raise IdentityError(_("证件号码不能为空"))
    if kind in (ID_PASSPORT, ID_OTHER):
        if len(number) > 32 or not re.fullmatch(r"[A-Z0-9-]+", number):
            raise IdentityError(_("证件号码只能包含字母、数字和连字符，且不超过32位"))
        return IdNumber(number, kind, None, None)
    if len(number) == 15:
        raise IdentityError(_("15位旧身份证号码已停用，请填写18位号码"))
    if len(number) != 18:
        raise IdentityError(_("身份证号码应为18位"))
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdentityError(_("身份证号码前17位必须是数字，最后一位是数字或X"))
    if number.startswith("9"):
        detected = ID_FOREIGN
    else:
        detected = _PERMIT_AREAS.get(number[:6], ID_RIC)
    if kind and kind != detected and not (kind == ID_RIC and detected == ID_RIC):
        if not (kind in (ID_HK, ID_MO, ID_TW) and detected in (ID_HK, ID_MO, ID_TW)):
            raise IdentityError(_("证件号码与所选证件类型不符"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError(_("身份证号码中的出生日期不存在"))
    if birth > today:
        raise IdentityError(_("身份证号码中的出生日期晚于今天"))
    if birth.year < 1890:
        raise IdentityError(_("身份证号码中的出生日期过早"))
    if detected in (ID_RIC, ID_HK, ID_MO, ID_TW):
        # stdnum's check character only: its full validate() also looks the area code up in
        # its table (slow, ~0.5 ms), and a changed or retired area code is still a valid
        # number when the checksum holds. Length, digits and birth date are checked above.
        if ric.calc_check_digit(number) != number[-1]:
            raise IdentityError(_("身份证号码校验位错误"))
    elif not _checksum_ok(number):
        raise IdentityError(_("证件号码校验位错误"))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number, detected, birth, sex)


def age_at(birth_date: dt.date, on: dt.date) -> int:
    """Whole years since birth; minus one if the birthday has not come yet."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


_MOBILE_RE = re.compile(r"(?:\+86|0086)?(1[3-9]\d{9})")


def normalise_phone(raw: str) -> str:
    """A mainland mobile or a fixed line, as digits without +86; raises IdentityError."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    if not text:
        raise IdentityError(_("电话号码不能为空"))
    mobile = _MOBILE_RE.fullmatch(text)
    if mobile:  # the common case, decided without phonenumbers' (slower) parser: same result
        return mobile.group(1)
    if text.startswith("0086"):
        text = "+86" + text[4:]
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise IdentityError(_("电话号码格式不正确"))
    if parsed.country_code != 86:
        raise IdentityError(_("请填写中国大陆电话号码"))
    national = str(parsed.national_number)
    if len(national) == 11 and national.startswith("1"):
        if not re.fullmatch(r"1[3-9]\d{9}", national):
            raise IdentityError(_("手机号码应为11位，以13-19开头"))
        return national
    if not phonenumbers.is_valid_number(parsed):
        raise IdentityError(_("电话号码格式不正确"))
    return "0" + national


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return phone[:3] + "*" * max(len(phone) - 7, 1) + phone[-4:]


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    return number[:2] + "*" * max(len(number) - 4, 1) + number[-2:]


def mask_name(name: str | None) -> str:
    """张*云 for three characters, 李* for two, first letter kept for Latin names."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
