"""The rules a person's record must meet, in one place: every field checked, every refusal
reported at once.

``PersonRules(actor, town)`` prepares what the checks look up (the actor's neighbourhoods, the
town's tag dictionary) once; ``rules.check(values, person=...)`` checks one record's values and
returns them cleaned, or raises one ServiceError holding every field's refusal. The API, the
pages, the Excel import and every module that registers someone go through it
(``services.create_person`` / ``update_person``, ``importers.check_people``).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lehuo.accounts import scoping
from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.identity import (
    ID_OTHER,
    ID_PASSPORT,
    ID_RIC,
    ID_TYPES,
    IdentityError,
    normalise_phone,
    parse_id_number,
)
from lehuo.lib.labels import list_separator
from lehuo.lib.text import pinyin_key
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import ErrorList, ServiceError
from lehuo.platform.validation import clean_text

from .models import Person, Tag

# Fields of Person that the rules cover, in the order forms show them.
FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address", "neighbourhood", "tags", "notes")
# What forms and messages call each field.
LABELS = {"name": gettext_lazy("姓名"), "sex": gettext_lazy("性别"), "birth_date": gettext_lazy("出生日期"),
          "id_type": gettext_lazy("证件类型"), "id_number": gettext_lazy("证件号码"), "phone": gettext_lazy("手机号码"),
          "address": gettext_lazy("住址"), "neighbourhood": gettext_lazy("居民区"), "tags": gettext_lazy("标签"),
          "notes": gettext_lazy("备注")}
# What a file or a form may give for the sex (compared lower-cased): codes, Chinese, English.
SEXES = {"": "", "m": "M", "f": "F", "男": "M", "女": "F", "male": "M", "female": "F"}  # not-ui: values read
TAG_SPLIT = re.compile(r"[、,，;；/\s]+")  # not-ui: the separators a tag list may use
EARLIEST_BIRTH_YEAR = 1890


def clean_name(value, field: str = "name", label=None) -> str:
    """A person's name: required, at most 50 characters, no control characters."""
    return clean_text(value, field, label or LABELS["name"], max_length=50)


def id_hash(kind: str, number: str) -> str:
    """The keyed hash that finds a person by ID number (unique per town)."""
    return keyed_hash(f"{kind if kind in (ID_PASSPORT, ID_OTHER) else 'ric'}:{number}")


def parse_date(value) -> dt.date:
    """A date from a date, or text such as 2021-07-05, 2021/7/5, 2021.7.5 or 2021年7月5日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")  # not-ui: read
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        raise IdentityError(_("日期格式应为 YYYY-MM-DD"))


@dataclass
class Identity:
    """What an ID number and a phone set on a person (numbers normalised, hashes for look-ups)."""

    id_type: str = ""
    id_number: str = ""
    id_hash: str | None = None
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    phone_hash: str = ""
    phone_tail: str = ""


class PersonRules:
    """The checks for people of ``town`` written by ``actor``."""

    def __init__(self, actor, town: Town, *, today: dt.date | None = None, scoped: bool = True):
        self.actor, self.town = actor, town
        self.today = today or timezone.localdate()
        # None: any neighbourhood of the town (town-wide roles, or a module registering someone
        # from anywhere: a walk-in donor, a child's guardian).
        self.allowed_neighbourhoods = scoping.neighbourhood_ids(actor) if scoped else None
        self._tags: dict[str, Tag] | None = None

    @property
    def tags(self) -> dict[str, Tag]:
        if self._tags is None:
            self._tags = {t.name: t for t in Tag.objects.filter(town=self.town, applies_to=Tag.PERSON)}
        return self._tags

    # --- one field each ---------------------------------------------------------------------

    def neighbourhood(self, nbh: Neighbourhood | None) -> Neighbourhood | None:
        if nbh is not None and nbh.town_id != self.town.pk:
            raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
        allowed = self.allowed_neighbourhoods
        if allowed is not None and (nbh is None or nbh.pk not in allowed):
            raise ServiceError(_("只能登记本居民区的人员"), "neighbourhood_id")
        return nbh

    def tag_list(self, names: Iterable[str] | str | None) -> list[Tag]:
        if isinstance(names, str):
            names = TAG_SPLIT.split(names)
        wanted = list(dict.fromkeys(n.strip() for n in names or () if n and n.strip()))
        unknown = [n for n in wanted if n not in self.tags]
        if unknown:
            raise ServiceError(_("未知标签：%(names)s（请先在标签字典中添加）") % {"names": list_separator().join(n[:20] for n in unknown)},
                               "tags")
        return [self.tags[n] for n in wanted]

    def identity(self, errors: ErrorList, *, id_number, id_type, phone) -> Identity:
        """Check ID type, ID number (birth date and sex follow from a resident ID) and phone."""
        out = Identity()
        if id_type and id_type not in dict(ID_TYPES):
            errors.add("id_type", _("证件类型不正确"))
            id_type = None
        if id_number is not None and str(id_number).strip():
            try:
                parsed = parse_id_number(str(id_number), id_type or None, today=self.today)
            except IdentityError as exc:
                errors.add("id_number", str(exc))
            else:
                out.id_number, out.id_type = parsed.number, parsed.kind
                out.id_hash = id_hash(parsed.kind, parsed.number)
                out.birth_date, out.sex = parsed.birth_date, parsed.sex or ""
        if phone is not None and str(phone).strip():
            try:
                normalised = normalise_phone(str(phone))
            except IdentityError as exc:
                errors.add("phone", str(exc))
            else:
                out.phone, out.phone_hash, out.phone_tail = normalised, keyed_hash(normalised), normalised[-4:]
        return out

    def birth_and_sex(self, errors: ErrorList, ident: Identity, *, sex, birth_date) -> tuple[str, dt.date | None]:
        """Sex and birth date as given, which must agree with the ID number when there is one."""
        given_sex = SEXES.get(str(sex or "").strip().lower())
        if given_sex is None:
            errors.add("sex", _("性别只能是男或女"))
        elif ident.sex and given_sex and given_sex != ident.sex:
            errors.add("sex", _("性别与证件号码不符"))
        given_birth = None
        if birth_date not in (None, ""):
            try:
                given_birth = parse_date(birth_date)
            except IdentityError as exc:
                errors.add("birth_date", str(exc))
            else:
                if given_birth > self.today:
                    errors.add("birth_date", _("出生日期不能晚于今天"))
                elif given_birth.year < EARLIEST_BIRTH_YEAR:
                    errors.add("birth_date", _("出生日期过早"))
                elif ident.birth_date and given_birth != ident.birth_date:
                    errors.add("birth_date", _("出生日期与证件号码不符"))
        return ident.sex or given_sex or "", ident.birth_date or given_birth

    # --- a whole record ---------------------------------------------------------------------

    def check(self, values: dict, *, person: Person | None = None, check_duplicate: bool = True,
              require: tuple[str, ...] = ()) -> dict:
        """``values`` (any of FIELDS) checked and cleaned into model field values, or one
        ServiceError with every refusal. For an existing ``person`` only the keys given change.
        ``require`` names optional fields a module needs (a walk-in donor's ID number)."""
        errors = ErrorList()
        for field in require:
            if values.get(field) in (None, "", [], ()):
                errors.add(field, _("请填写%(label)s") % {"label": LABELS[field]})

        def given(key: str) -> bool:
            return person is None or key in values

        out: dict = {}
        if given("name"):
            name = errors.check(clean_name, values.get("name"))
            if name is not None:
                out["name"] = name
                out["name_pinyin"], out["name_initials"] = pinyin_key(name)
        if given("neighbourhood"):
            nbh = values.get("neighbourhood")
            if nbh is None or errors.check(self.neighbourhood, nbh) is not None:
                out["neighbourhood"] = nbh
        ident = self.identity(errors, id_number=values.get("id_number", "") if given("id_number") else None,
                              id_type=values.get("id_type"), phone=values.get("phone", "") if given("phone") else None)
        if given("id_number"):
            out.update(id_type=ident.id_type or values.get("id_type") or ID_RIC, id_number=ident.id_number,
                       id_hash=ident.id_hash)
        elif person is not None and person.id_number and person.id_type not in (ID_PASSPORT, ID_OTHER):
            ident.sex, ident.birth_date = person.sex, person.birth_date  # what the kept ID number states
        if given("phone"):
            out.update(phone=ident.phone, phone_hash=ident.phone_hash, phone_tail=ident.phone_tail)
        sex, birth = self.birth_and_sex(errors, ident, sex=values.get("sex", "") if given("sex") else "",
                                        birth_date=values.get("birth_date") if given("birth_date") else None)
        if given("sex") or ident.sex:
            out["sex"] = sex
        if given("birth_date") or ident.birth_date:
            out["birth_date"] = birth
        if given("address"):
            out["address"] = errors.check(clean_text, values.get("address"), "address", LABELS["address"], max_length=200,
                                          required=False) or ""
        if given("notes"):
            out["notes"] = errors.check(clean_text, values.get("notes"), "notes", LABELS["notes"], max_length=2000,
                                        required=False, multiline=True) or ""
        if given("tags"):
            out["tags"] = errors.check(self.tag_list, values.get("tags")) or []
        if check_duplicate and out.get("id_hash") and not errors.has("id_number"):
            others = Person.objects.filter(town=self.town, id_hash=out["id_hash"])
            if person is not None:
                others = others.exclude(pk=person.pk)
            if others.exists():
                errors.add("id_number", duplicate_message())
        errors.raise_if_any()
        return out


def duplicate_message() -> str:
    return _("该证件号码已登记（同一证件号码在本镇只能对应一人）")
