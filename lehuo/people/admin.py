"""Django admin (superusers only). Personal numbers appear masked."""

from django.contrib import admin

from lehuo.platform.admin import ReadOnlyAdmin, SuperuserOnly

from .models import Organisation, Person, Tag


@admin.register(Tag)
class TagAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("name", "applies_to", "order", "town")
    list_filter = ("town", "applies_to")


@admin.register(Person)
class PersonAdmin(SuperuserOnly, ReadOnlyAdmin):
    """Edits go through the staff pages (services, audit log); here only a masked view."""

    list_display = ("name", "neighbourhood", "sex", "birth_date", "id_number_masked", "phone_masked", "erased_at")
    list_filter = ("town", "neighbourhood")
    search_fields = ("name", "name_initials", "phone_tail")
    list_select_related = ("neighbourhood",)
    fields = ("town", "neighbourhood", "name", "sex", "birth_date", "id_type", "id_number_masked",
              "phone_masked", "tags", "erased_at")
    readonly_fields = fields


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "neighbourhood", "town")
    list_filter = ("town", "kind")
    search_fields = ("name",)
    exclude = ("contact_phone",)
