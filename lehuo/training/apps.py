from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class TrainingConfig(modules.ModuleConfig):
    name = "lehuo.training"
    label = "training"
    verbose_name = _("培训")
    urls = "lehuo.training.urls"
    url_prefix = "training/"
    api_router = "lehuo.training.api.router"
    workbench = (
        WorkbenchEntry("training:index", _("培训"), _("零距离工作室等培训班、考勤、证书"), order=20),
        # Social workers are trainees too: their own record and certificates.
        WorkbenchEntry("training:mine", _("我的培训"), _("本人的培训档案和结业证书"), roles=("social_worker",),
                       order=21),
    )
    policy = "lehuo.training.policy"
    resident_links = "lehuo.training.residents.links"
    # Newsletter tokens such as [[training:xinjing-studio-3:sessions]].
    figures = "lehuo.training.figures.resolve"
    personal_data = "lehuo.training.personal_data.personal_data"
    demo = "lehuo.training.demo.load"
    verify_figures = "lehuo.training.aggregates.verify"
    rebuild_figures = "lehuo.training.aggregates.rebuild"
