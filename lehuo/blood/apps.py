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
    verify_figures = "lehuo.blood.aggregates.verify"
    rebuild_figures = "lehuo.blood.aggregates.rebuild"

    def ready(self):
        super().ready()
        from django.db.models.signals import m2m_changed, post_save

        from lehuo.people.models import Person

        from .aggregates import person_saved, person_tags_changed

        post_save.connect(person_saved, sender=Person, dispatch_uid="blood_figures_person")
        m2m_changed.connect(person_tags_changed, sender=Person.tags.through, dispatch_uid="blood_figures_tags")
