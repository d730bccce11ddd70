from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The migrations made before core was split (2026-12) into platform, accounts and people.

    No code lives here. Databases made before the split upgrade in place: the last migration
    hands the models over to their new apps (docs/architecture.md, "Upgrading from core").
    """

    name = "lehuo.core"
    label = "core"
    verbose_name = "core (migrations before the split)"
