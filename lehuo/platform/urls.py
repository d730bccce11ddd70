from django.urls import path

from . import health, media

app_name = "platform"
urlpatterns = [
    path("health/", health.health, name="health"),
    # Uploaded files, each checked by the module that owns its record (never served statically).
    path("media/<path:path>", media.serve, name="media"),
]
