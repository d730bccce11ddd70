"""The people register: people, their tags, guardians and consents, and organisations."""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.identity import ID_RIC, ID_TYPES, age_at, mask_id_number, mask_phone
from lehuo.lib.text import pinyin_key
from lehuo.platform.crypto import EncryptedTextField


class Tag(models.Model):
    """The tag dictionary (社区云 style): 党员, 学生, 居民, 残疾人, 社工, 志愿者, 五老..."""

    PERSON = "person"
    ORGANISATION = "organisation"
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("名称"), max_length=20)
    applies_to = models.CharField(
        _("适用于"), max_length=20, choices=[(PERSON, _("个人")), (ORGANISATION, _("单位"))], default=PERSON
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="tag_name_unique")]

    def __str__(self) -> str:
        return self.name

if TYPE_CHECKING:
    from .search import Merge


class PersonQuerySet(models.QuerySet):
    # Set by ``people.search.search_people`` on a letters search: its name-ordered slices and
    # capped counts are read branch by branch (search.Merge). A further filter drops it: the
    # branches would not hold the new condition.
    _merge: "Merge | None" = None

    def _clone(self):
        clone = super()._clone()
        clone._merge = self._merge
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone._merge = None
        return clone

    def _mergeable(self) -> bool:
        query = self.query
        return (self._merge is not None and self._result_cache is None and query.combinator is None
                and not query.distinct and query.group_by is None and not query.select_for_update)

    def __getitem__(self, key):
        if isinstance(key, slice) and self._mergeable():
            from .search import merged_slice

            rows = merged_slice(self, self._merge, key)
            if rows is not None:
                return rows
        return super().__getitem__(key)

    def count(self) -> int:
        query = self.query
        if self._merge is not None and self._mergeable() and query.low_mark == 0 and query.high_mark is not None:
            return self._merge.count(query.high_mark)  # the pager's capped count
        return super().count()

    def for_user(self, user) -> "PersonQuerySet":
        """The people ``user`` may see in the register (lehuo/people/policy.py)."""
        from lehuo.accounts.permissions import scope_q

        return self.filter(scope_q(user, "people.person.view"))

    def active(self) -> "PersonQuerySet":
        return self.filter(erased_at__isnull=True)


def pinyin_from_word(pinyin: str, word: int) -> str:
    """``pinyin`` from its ``word``-th word on: ("zhang long yun", 2) -> "long yun"."""
    words = (pinyin or "").split(" ")
    return " ".join(words[word - 1:]) if len(words) >= word else ""


class KeptFromField(models.CharField):
    """A value derived from another field of the row (``source``), kept by the field itself on
    every ``save()`` and ``bulk_create`` (``pre_save``) and ``insert_rows`` (``value_from_row``),
    so no write path can forget it; ``Person.save(update_fields=...)`` writes it with its source.
    Subclasses say how (``derive``) and which keyword their migrations carry (``extra``)."""

    source = ""  # the field it is derived from
    length = 200
    extra = ""  # the constructor keyword kept in migrations

    def __init__(self, *args, **kwargs):
        # db_default too: a row written around the ORM (a bench's COPY) gets "" rather than NULL.
        kwargs.update(max_length=self.length, blank=True, default="", db_default="", editable=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "blank", "default", "db_default", "editable"):
            kwargs.pop(key, None)
        kwargs[self.extra] = getattr(self, self.extra)
        return name, path, args, kwargs

    def derive(self, value) -> str:
        raise NotImplementedError

    def value_from_row(self, row: dict) -> str:
        """The value for a row written without a model object (``platform.bulk.insert_rows``)."""
        return self.derive(row.get(self.source))

    def pre_save(self, model_instance, add):
        value = self.derive(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class PinyinFromWordField(KeptFromField):
    """The person's ``name_pinyin`` from its ``word``-th word on. With an index on it, "a later
    word of the name starts with ``long``" is an index range ("long yun" for word 2 of 张龙云)
    instead of a ``LIKE '% long%'`` over every person."""

    source, extra = "name_pinyin", "word"

    def __init__(self, *args, word: int = 2, **kwargs):
        self.word = word
        super().__init__(*args, **kwargs)

    def derive(self, value) -> str:
        return pinyin_from_word(value or "", self.word)


class MaskedCopyField(KeptFromField):
    """The masked form of an encrypted field, as lists show it to every staff role
    (``310101********1234``, ``139****5678``: ``lehuo.lib.identity``). A page of 50 people
    decrypted 100 values only to mask them again; the masked form holds nothing a list does not
    show (docs/security.md)."""

    MASKS = {"id_number": mask_id_number, "phone": mask_phone}
    length, extra = 40, "source"

    def __init__(self, *args, source: str = "id_number", **kwargs):
        self.source = source
        super().__init__(*args, **kwargs)

    def derive(self, value) -> str:
        return self.MASKS[self.source](value or "")


class Person(models.Model):
    SEXES = [("M", _("男")), ("F", _("女"))]

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="people")
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, blank=True, db_index=True)
    # The pinyin from the 2nd, 3rd and 4th word on (search by a later word of the name).
    pinyin_w2 = PinyinFromWordField(word=2)
    pinyin_w3 = PinyinFromWordField(word=3)
    pinyin_w4 = PinyinFromWordField(word=4)
    sex = models.CharField(_("性别"), max_length=1, choices=SEXES, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=10, choices=ID_TYPES, default=ID_RIC)
    id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    id_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone_tail = models.CharField(max_length=4, blank=True, default="", db_index=True, editable=False)
    # What lists show of the two (MaskedCopyField): no decryption to draw a page.
    id_number_mask = MaskedCopyField(source="id_number")
    phone_mask = MaskedCopyField(source="phone")
    address = models.CharField(_("住址"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name=_("标签"))
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(_("已删除个人信息"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "id_hash"], condition=Q(id_hash__isnull=False), name="person_id_unique_in_town"
            )
        ]
        indexes = [
            models.Index(fields=["town", "neighbourhood", "name_pinyin"], name="person_list_idx"),
            # The people list (not erased, by pinyin or by age) with 100,000 rows: the COUNT is
            # answered from the index alone and the page comes in order, with no sort step.
            # name_initials and phone_tail ride along so searches scan the index, not the rows.
            # The later pinyin words and the name ride along too: SQLite answers a search by a
            # later word, and both databases a search by characters of the name (which no index
            # can answer), by walking this index in order, index only, never the table's rows
            # (a name at 1,000,000 people: 2.3 s through the rows on SQLite).
            models.Index(fields=["town", "name_pinyin", "id", "name_initials", "phone_tail",
                                 "pinyin_w2", "pinyin_w3", "pinyin_w4", "name"],
                         condition=Q(erased_at__isnull=True), name="person_active_pinyin_idx"),
            models.Index(fields=["town", "birth_date", "id", "name_initials", "name_pinyin", "phone_tail"],
                         condition=Q(erased_at__isnull=True), name="person_active_birth_idx"),
            # Search by a later word of the name, and by initials (lehuo/people/search.py). The
            # key rides along so a branch's matching keys come from the index alone (PostgreSQL:
            # 1,001 initials matches read 2.8 ms of table rows without it).
            *[models.Index(fields=["town", f"pinyin_w{k}", "id"], condition=Q(erased_at__isnull=True),
                           name=f"person_active_w{k}_idx") for k in (2, 3, 4)],
            models.Index(fields=["town", "name_initials", "id"], condition=Q(erased_at__isnull=True),
                         name="person_active_initials_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is not None:
            # A field kept from another (pinyin words, masked copies) is written with it.
            derived = {f.name for f in self._meta.concrete_fields if getattr(f, "source", None) in fields}
            kwargs["update_fields"] = {*fields, *derived}
        super().save(*args, **kwargs)

    def age(self, on: dt.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        return age_at(self.birth_date, on or timezone.localdate())

    @property
    def is_sensitive_minor(self) -> bool:
        """Children under 14: all their data is sensitive (PIPL art. 28, 31)."""
        age = self.age()
        return age is not None and age < settings.LEHUO_RULES["minor_sensitive_age"]

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class GuardianLink(models.Model):
    RELATIONS = [("father", _("父亲")), ("mother", _("母亲")), ("grandparent", _("祖父母/外祖父母")), ("other", _("其他监护人"))]
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ward_links")
    relation = models.CharField(_("关系"), max_length=20, choices=RELATIONS, default="other")

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")
        constraints = [models.UniqueConstraint(fields=["child", "guardian"], name="guardian_link_unique")]


class Consent(models.Model):
    """Separate consent for a purpose (PIPL art. 29; a guardian's for under 14, art. 31)."""

    SELF = "self"
    GUARDIAN = "guardian"
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("用途"), max_length=50)
    given_by = models.CharField(
        _("同意人"), max_length=10, choices=[(SELF, _("本人")), (GUARDIAN, _("监护人"))], default=SELF
    )
    guardian = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    given_on = models.DateField(_("同意日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("同意记录")
        verbose_name_plural = _("同意记录")
        indexes = [models.Index(fields=["person", "purpose"], name="consent_lookup_idx")]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class Organisation(models.Model):
    KINDS = [
        ("partner", _("共建单位")),
        ("employer", _("辖区单位")),
        ("school", _("学校")),
        ("charity", _("慈善组织")),
        ("government", _("政府部门")),
        ("other", _("其他")),
    ]
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(_("名称"), max_length=100)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=KINDS, default="other")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organisations")

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="organisation_name_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)[0]
        super().save(*args, **kwargs)
from .models_residents import DataRequest, LinkRequest  # noqa: E402,F401
