from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_visit, name="new"),
    path("honours/", views.honours, name="honours"),
    path("honours/new/", views.new_honour, name="new_honour"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/photos/", views.add_photo, name="add_photo"),
]
