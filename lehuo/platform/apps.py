from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "lehuo.platform"
    label = "platform"
    verbose_name = _("平台")
