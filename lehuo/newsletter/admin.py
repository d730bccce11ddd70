from django.contrib import admin

from .models import Article, Column, FrozenFigure, Issue, Photo, Publication


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "town")
    inlines = [ColumnInline]


class FrozenFigureInline(admin.TabularInline):
    model = FrozenFigure
    extra = 0
    readonly_fields = ("token", "value")


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("slug", "number", "date", "status")
    list_filter = ("status",)
    readonly_fields = ("pdf", "pdf_hash", "published_at", "published_by", "submitted_by")
    inlines = [FrozenFigureInline]


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "issue", "column", "order")
    list_filter = ("issue", "column")
    inlines = [PhotoInline]
