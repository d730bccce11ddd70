from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The v1 API's wiring (urls.py); each app keeps its own router (docs/api.md)."""

    name = "lehuo.api"
    label = "api"
    verbose_name = "API"
