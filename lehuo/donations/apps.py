from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class DonationsConfig(modules.ModuleConfig):
    name = "lehuo.donations"
    label = "donations"
    verbose_name = _("募捐")
    urls = "lehuo.donations.urls"
    url_prefix = "donations/"
    api_router = "lehuo.donations.api.router"
    workbench = (WorkbenchEntry("donations:index", _("募捐"), _("慈善募捐、捐款登记、公示与对账"), order=30),)
    figures = "lehuo.donations.stats.resolve"
    dashboard = "lehuo.donations.stats.dashboard_summary"
    personal_data = "lehuo.donations.personal_data.personal_data"
    policy = "lehuo.donations.policy"
    resident_links = "lehuo.donations.public.links"
    public_home = "lehuo.donations.public.public_home"
    demo = "lehuo.donations.demo.load"
    verify_figures = "lehuo.donations.aggregates.verify"
    rebuild_figures = "lehuo.donations.aggregates.rebuild"
    job_labels = {"donations.import.check": _("捐款导入：校验文件"), "donations.import.commit": _("捐款导入：写入")}

    def ready(self):
        super().ready()
        from django.db.models.signals import m2m_changed

        from lehuo.people.models import Person

        from .aggregates import person_tags_changed

        m2m_changed.connect(person_tags_changed, sender=Person.tags.through, dispatch_uid="donation_figures_tags")
