from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class WebConfig(modules.ModuleConfig):
    """The site's shell: front door, workbench, resident home, job pages, audit log."""

    name = "lehuo.web"
    label = "web"
    verbose_name = "web"
    urls = "lehuo.web.urls"
    policy = "lehuo.web.policy"
    workbench = (WorkbenchEntry("web:audit", _("操作日志"), _("个人、资金、健康数据的操作记录"), roles=("town_admin",), order=90),)
