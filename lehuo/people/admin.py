"""Django admin (superusers only). Personal numbers appear masked; the audit log is read-only."""

from django.contrib import admin

from .models import (
    ApiToken,
    AuditLog,
    HolidayOverride,
    Job,
    Membership,
    Neighbourhood,
    Organisation,
    Person,
    Tag,
    Town,
)


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Town)
class TownAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("code", "name", "town", "households")
    list_filter = ("town",)


@admin.register(Tag)
class TagAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("name", "applies_to", "order", "town")
    list_filter = ("town", "applies_to")


@admin.register(Person)
class PersonAdmin(SuperuserOnly, admin.ModelAdmin):
    """Edits go through the staff pages (services, audit log); here only a masked view."""

    list_display = ("name", "neighbourhood", "sex", "birth_date", "id_number_masked", "phone_masked", "erased_at")
    list_filter = ("town", "neighbourhood")
    search_fields = ("name", "name_initials", "phone_tail")
    list_select_related = ("neighbourhood",)
    fields = ("town", "neighbourhood", "name", "sex", "birth_date", "id_type", "id_number_masked",
              "phone_masked", "tags", "erased_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "neighbourhood", "town")
    list_filter = ("town", "kind")
    search_fields = ("name",)
    exclude = ("contact_phone",)


@admin.register(Membership)
class MembershipAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("user", "town", "role", "title")
    list_filter = ("town", "role")
    filter_horizontal = ("neighbourhoods",)


@admin.register(AuditLog)
class AuditLogAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_name", "action", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "progress", "total", "created_by", "created_at")
    list_filter = ("kind", "status")
    exclude = ("file",)


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("date", "is_holiday", "name")
