from django.utils.translation import gettext_lazy as _

from . import modules


class PlatformConfig(modules.ModuleConfig):
    name = "lehuo.platform"
    label = "platform"
    verbose_name = _("平台")
    urls = "lehuo.platform.urls"
