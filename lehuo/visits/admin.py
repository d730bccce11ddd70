from django.contrib import admin

from .models import Honour, Visit, Visitor, VisitPhoto


class VisitorInline(admin.TabularInline):
    model = Visitor
    extra = 0


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("date", "slug", "household", "purpose", "neighbourhood")
    list_filter = ("purpose", "neighbourhood")
    raw_id_fields = ("person", "honour")
    inlines = [VisitorInline, VisitPhotoInline]


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    list_display = ("achieved_on", "title", "level", "rank", "result")
    raw_id_fields = ("person",)
