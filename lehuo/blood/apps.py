from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class BloodConfig(modules.ModuleConfig):
    name = "lehuo.blood"
    label = "blood"
    verbose_name = _("无偿献血")
    urls = "lehuo.blood.urls"
    url_prefix = "blood/"
    api_router = "lehuo.blood.api.router"
    policy = "lehuo.blood.policy"
    workbench = (WorkbenchEntry("blood:index", _("无偿献血"), _("献血活动、体检筛查、献血记录"), order=40),)
    figures = "lehuo.blood.stats.resolve"
    dashboard = "lehuo.blood.stats.dashboard_summary"
    resident_links = "lehuo.blood.residents.links"
    public_home = "lehuo.blood.residents.public_home"
    personal_data = "lehuo.blood.personal_data.personal_data"
    demo = "lehuo.blood.demo.load"
