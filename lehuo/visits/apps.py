from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class VisitsConfig(modules.ModuleConfig):
    name = "lehuo.visits"
    label = "visits"
    verbose_name = _("走访慰问")
    urls = "lehuo.visits.urls"
    url_prefix = "visits/"
    api_router = "lehuo.visits.api.router"
    workbench = (WorkbenchEntry("visits:index", _("走访慰问"), _("荣誉与走访记录"), order=60),)
    policy = "lehuo.visits.policy"
    figures = "lehuo.visits.stats.resolve"
    dashboard = "lehuo.visits.stats.dashboard_summary"
    personal_data = "lehuo.visits.personal_data.personal_data"
    media = "lehuo.visits.media.can_read"
    demo = "lehuo.visits.demo.load"
