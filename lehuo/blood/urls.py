from django.urls import path

from lehuo.core.views import home

app_name = "blood"
# Placeholder until the module's pages exist: the module's index shows the workbench.
urlpatterns = [path("", home, name="index")]
