from django.contrib import admin

from lehuo.platform.admin import ReadOnlyAdmin

from .models import Donation, Drive, Handover


@admin.register(Drive)
class DriveAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "organiser", "starts_on", "ends_on")
    search_fields = ("title", "slug")


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    """Read-only: donations change only through the services (void with a reason, never delete)."""

    list_display = ("id", "drive", "amount", "channel", "method", "received_on", "reference", "voided_at")
    list_filter = ("drive", "channel", "method")
    search_fields = ("reference", "donor_name")
    raw_id_fields = ("person", "organisation")


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("drive", "channel", "amount", "handed_on", "voucher_number", "voided_at")

    def has_delete_permission(self, request, obj=None):
        return False
