from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.index, name="index"),
    path("workbench/", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
]
