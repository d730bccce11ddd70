from django.urls import path

from . import health

app_name = "platform"
urlpatterns = [
    path("health/", health.health, name="health"),
]
