"""Publications, issues, columns, articles and photos; figures frozen at publication."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Town
from lehuo.platform.media import Unguessable


class Publication(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="publications")
    slug = models.SlugField(_("标识"), max_length=50)
    name = models.CharField(_("刊名"), max_length=50)
    sponsor = models.CharField(_("主办"), max_length=100, blank=True)
    # A one-person office may let an editor publish the issue they submitted themself; by
    # default a second editor (or a town admin) reviews (issue 14).
    self_review = models.BooleanField(_("允许编辑审核发布自己提交的期刊（一人办公室）"), default=False)

    class Meta:
        verbose_name = _("刊物")
        verbose_name_plural = _("刊物")
        constraints = [models.UniqueConstraint(fields=["town", "slug"], name="publication_slug_unique")]

    def __str__(self) -> str:
        return self.name


class Column(models.Model):
    """A standing section of the publication: 乐活·家园, 乐活·温情..."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(_("栏目"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["publication", "name"], name="column_name_unique")]

    def __str__(self) -> str:
        return self.name


class Issue(models.Model):
    DRAFT, IN_REVIEW, PUBLISHED = "draft", "in_review", "published"
    STATUSES = [(DRAFT, _("草稿")), (IN_REVIEW, _("待审核")), (PUBLISHED, _("已发布"))]
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="issues")
    slug = models.SlugField(_("标识"), max_length=50, unique=True)
    number = models.PositiveIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=100, blank=True)
    date = models.DateField(_("出版日期"))
    status = models.CharField(_("状态"), max_length=20, choices=STATUSES, default=DRAFT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The print PDF, cached until the issue's content hash changes.
    pdf = models.FileField(upload_to=Unguessable("newsletter/pdf"), blank=True)
    pdf_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("期刊")
        verbose_name_plural = _("期刊")
        ordering = ["-date", "-number"]

    def __str__(self) -> str:
        return self.title or _("%(publication)s 第%(n)s期") % {"publication": self.publication.name, "n": self.number}

    @property
    def is_published(self) -> bool:
        return self.status == self.PUBLISHED


class Article(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="articles")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="articles", verbose_name=_("栏目"))
    kicker = models.CharField(_("引题"), max_length=100, blank=True)
    title = models.CharField(_("标题"), max_length=100)
    subtitle = models.CharField(_("副题"), max_length=100, blank=True)
    body = models.TextField(_("正文（Markdown）"), blank=True)
    author = models.CharField(_("作者"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")
        ordering = ["column__order", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Photo(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=Unguessable("newsletter"))
    caption = models.CharField(_("图片说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["order", "id"]


class FrozenFigure(models.Model):
    """A token's value at publication: the published issue states this, whatever happens later."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="frozen_figures")
    token = models.CharField(max_length=200)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "token"], name="frozen_figure_unique")]
