"""Django admin (superusers only): the audit log is read-only."""

from django.contrib import admin

from .models import AuditLog, Job


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their services (audit, money, health): viewed here,
    never added, edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(SuperuserOnly, ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_name", "action", "object_id")


@admin.register(Job)
class JobAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "progress", "total", "created_by", "created_at")
    list_filter = ("kind", "status")
    exclude = ("file",)
