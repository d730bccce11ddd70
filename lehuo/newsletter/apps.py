from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "lehuo.newsletter"
    label = "newsletter"
    verbose_name = _("乐活新泾")
