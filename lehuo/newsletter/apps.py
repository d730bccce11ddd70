from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class NewsletterConfig(modules.ModuleConfig):
    name = "lehuo.newsletter"
    label = "newsletter"
    verbose_name = _("乐活新泾")
    urls = "lehuo.newsletter.urls"
    url_prefix = "newsletter/"
    api_router = "lehuo.newsletter.api.router"
    workbench = (
        WorkbenchEntry("newsletter:index", _("乐活新泾"), _("期刊、文章、实时数据"), order=70),
        WorkbenchEntry("newsletter:dashboard", _("数据看板"), _("各模块关键数据"), order=80),
    )
    demo = "lehuo.newsletter.demo.load"
    policy = "lehuo.newsletter.policy"
    media = "lehuo.newsletter.media.can_read"
    public_home = "lehuo.newsletter.public.cards"
    # The sports column's figures come from the demo visit.
    demo_after = ("donations", "blood", "training", "visits")
    job_labels = {"newsletter.pdf": _("生成简报 PDF")}
