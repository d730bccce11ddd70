from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class DaycareConfig(modules.ModuleConfig):
    name = "lehuo.daycare"
    label = "daycare"
    verbose_name = _("爱心暑托班")
    urls = "lehuo.daycare.urls"
    url_prefix = "daycare/"
    api_router = "lehuo.daycare.api.router"
    policy = "lehuo.daycare.policy"
    workbench = (WorkbenchEntry("daycare:index", _("爱心暑托班"), _("办班点、报名、考勤"), order=50),)
    figures = "lehuo.daycare.stats.resolve_figure"
    dashboard = "lehuo.daycare.stats.dashboard_summary"
    resident_links = "lehuo.daycare.residents.links"
    public_home = "lehuo.daycare.residents.cards"
    personal_data = "lehuo.daycare.personal_data.personal_data"
    demo = "lehuo.daycare.demo.load"
