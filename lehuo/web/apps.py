from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site's shell: front door, workbench, resident home, job pages, audit log."""

    name = "lehuo.web"
    label = "web"
    verbose_name = "web"
