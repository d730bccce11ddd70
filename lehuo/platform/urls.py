from django.urls import path

from . import health, media, metrics

app_name = "platform"
urlpatterns = [
    path("health/", health.health, name="health"),
    # Uploaded files, each checked by the module that owns its record (never served statically).
    path("media/<path:path>", media.serve, name="media"),
    # Prometheus: only for LEHUO_METRICS_ALLOWED (a 404 for anyone else); never behind nginx.
    path("metrics", metrics.metrics_view, name="metrics"),
]
