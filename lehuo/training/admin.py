"""Django admin (superusers only): every write of substance goes through the pages, which call services/."""

from django.contrib import admin

from lehuo.platform.admin import SuperuserOnly

from .models import Attendance, Certificate, Cohort, Enrolment, HolidayOverride, Programme, Session, Studio


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ("name", "leader_name", "philosophy", "town")
    raw_id_fields = ("leader",)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("title", "studio", "completion_rate")


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "starts_on", "ends_on", "weekdays", "capacity", "enrolled_count")
    readonly_fields = ("enrolled_count", "calendar_warning")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("cohort", "date", "planned_date", "status", "topic", "reason")
    list_filter = ("status",)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("person", "cohort", "status", "enrolled_on")
    raw_id_fields = ("person",)


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("session", "person", "status", "method", "note")
    raw_id_fields = ("person", "session")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "enrolment", "issued_on", "hours", "revoked_at")
    readonly_fields = ("code",)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("date", "is_holiday", "name")
