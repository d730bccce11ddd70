"""Honours of residents and home visits by town leaders (走访慰问)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.people.models import Person
from lehuo.platform.media import Unguessable


class ScopedQuerySet(models.QuerySet):
    """Rows about a person, filtered by the policy (lehuo/visits/policy.py)."""

    def for_user(self, user):
        from lehuo.accounts.permissions import scope_q

        action = "visits.honour.view" if self.model._meta.model_name == "honour" else "visits.visit.view"
        return self.filter(scope_q(user, action, self.model))


class Honour(models.Model):
    LEVELS = [
        ("world", _("世界级")),
        ("national", _("国家级")),
        ("city", _("市级")),
        ("district", _("区级")),
        ("town", _("镇级")),
    ]
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="honours")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="honours", verbose_name=_("人员"))
    title = models.CharField(_("荣誉/成绩"), max_length=200)
    event = models.CharField(_("赛事/评选"), max_length=200, blank=True)
    level = models.CharField(_("级别"), max_length=20, choices=LEVELS, default="national")
    rank = models.CharField(_("名次"), max_length=50, blank=True)
    result = models.CharField(_("成绩"), max_length=50, blank=True)
    achieved_on = models.DateField(_("日期"))
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-achieved_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def age_then(self) -> int | None:
        return self.person.age(self.achieved_on)


class Visit(models.Model):
    CONGRATULATE, COMFORT, CARE = "congratulate", "comfort", "care"
    PURPOSES = [(CONGRATULATE, _("祝贺")), (COMFORT, _("慰问")), (CARE, _("关爱"))]
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="visits")
    slug = models.SlugField(_("标识"), max_length=80)
    date = models.DateField(_("走访日期"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访对象"))
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="visits",
                                      verbose_name=_("居民区"), null=True, blank=True)
    household = models.CharField(_("家庭"), max_length=100, blank=True, help_text=_("例如：唐钱婷家（父母）"))
    purpose = models.CharField(_("目的"), max_length=20, choices=PURPOSES, default=CONGRATULATE)
    honour = models.ForeignKey(Honour, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits",
                               verbose_name=_("相关荣誉"))
    notes = models.TextField(_("走访情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["town", "slug"], name="visit_slug_unique")]
        indexes = [models.Index(fields=["town", "neighbourhood", "purpose"], name="visit_list_idx")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.household or self.person}"


class Visitor(models.Model):
    """A member of the visiting party: name and title (副镇长李双珑 is title 副镇长, name 李双珑)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visitors")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.title}{self.name}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=Unguessable("visits"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
