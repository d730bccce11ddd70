from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BloodConfig(AppConfig):
    name = "lehuo.blood"
    label = "blood"
    verbose_name = _("无偿献血")
