"""Django admin for superusers only (docs/architecture.md): day-care records, read-mostly."""

from django.contrib import admin

from .models import Ceremony, Course, Enrolment, Offering, Site, StaffMember, Term, Year


@admin.register(Year)
class YearAdmin(admin.ModelAdmin):
    list_display = ("year", "town", "title")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "neighbourhood", "head_name")
    list_filter = ("year",)


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("year", "number", "starts_on", "ends_on")


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("site", "term", "capacity", "taken", "waitlist_seq", "opens_at")
    # Places are only ever changed by the services' conditional UPDATE.
    readonly_fields = ("taken", "waitlist_seq")


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("offering", "status", "position", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("child", "guardian", "offering")

    def has_change_permission(self, request, obj=None):
        return False  # cancel through the pages or the API, which promote the waiting list

    def has_add_permission(self, request):
        return False


admin.site.register(Course)
admin.site.register(StaffMember)
admin.site.register(Ceremony)
