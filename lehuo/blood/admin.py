"""Django admin (superusers only). Health records are read-only here: changes go through
the services (screen_donor, record_donation, void_*), which log them."""

from django.contrib import admin

from lehuo.platform.admin import ReadOnlyAdmin

from .models import (
    Deferral,
    Donation,
    Drive,
    Invitation,
    InvitationDelivery,
    Screening,
    SignUp,
    StemCellSignup,
)


class DeliveryInline(admin.TabularInline):
    model = InvitationDelivery
    extra = 0


@admin.register(Drive)
class DriveAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "date", "venue")
    search_fields = ("slug", "title")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("title", "drive", "sent_on")
    inlines = [DeliveryInline]


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ("drive", "person", "time_slot", "status", "queue_number")
    list_filter = ("status", "drive")
    raw_id_fields = ("person", "organisation")


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ("drive", "person", "screened_on", "eligible", "voided_at")
    list_filter = ("eligible", "drive")
    exclude = ("measurements", "reasons")


@admin.register(Deferral)
class DeferralAdmin(ReadOnlyAdmin):
    list_display = ("person", "starts_on", "until", "voided_at")
    exclude = ("kind", "reason")


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ("drive", "person", "donated_on", "kind", "volume_ml", "units", "voided_at")
    list_filter = ("kind", "drive")


@admin.register(StemCellSignup)
class StemCellSignupAdmin(ReadOnlyAdmin):
    list_display = ("drive", "person", "signed_on", "sample_taken", "voided_at")
    exclude = ("relatives",)
