from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DaycareConfig(AppConfig):
    name = "lehuo.daycare"
    label = "daycare"
    verbose_name = _("爱心暑托班")
