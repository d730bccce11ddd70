from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lehuo.api"
    label = "api"
    verbose_name = "API"
