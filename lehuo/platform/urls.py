from django.urls import path

from . import health, metrics

app_name = "platform"
urlpatterns = [
    path("health/", health.health, name="health"),
    # Prometheus: only for LEHUO_METRICS_ALLOWED (a 404 for anyone else); never behind nginx.
    path("metrics", metrics.metrics_view, name="metrics"),
]
