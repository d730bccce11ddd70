"""Django admin (superusers only)."""

from django.contrib import admin

from lehuo.platform.admin import SuperuserOnly

from .models import ApiToken, Membership, Neighbourhood, Town


@admin.register(Town)
class TownAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("code", "name", "town", "households")
    list_filter = ("town",)


@admin.register(Membership)
class MembershipAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("user", "town", "role", "title")
    list_filter = ("town", "role")
    filter_horizontal = ("neighbourhoods",)


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")
