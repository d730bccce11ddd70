from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules
from lehuo.platform.modules import WorkbenchEntry


class PeopleConfig(modules.ModuleConfig):
    name = "lehuo.people"
    label = "people"
    verbose_name = _("人员")
    urls = "lehuo.people.urls"
    api_router = "lehuo.people.api.router"
    policy = "lehuo.people.policy"
    workbench = (
        WorkbenchEntry("people:people", _("人员"), _("居民、社工、志愿者信息"), order=0),
        WorkbenchEntry("people:link_queue", _("居民申请"), _("实名绑定、孩子监护关系、更正删除申请的核实"),
                       roles=("town_admin", "social_worker"), order=5),
        WorkbenchEntry("people:organisations", _("单位"), _("共建单位、辖区单位、学校"), order=10),
    )
    job_labels = {"people.import.check": _("居民导入：校验文件"), "people.import.commit": _("居民导入：写入")}
