from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.index, name="index"),
    path("workbench/", views.home, name="home"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("jobs/<int:pk>/restart/", views.job_restart, name="job_restart"),
    path("audit/", views.audit_log, name="audit"),
]
