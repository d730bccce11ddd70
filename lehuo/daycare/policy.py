"""What the day-care module declares to the permission module (lehuo/accounts/permissions.py).

Staff reach day-care records through the sites: town admins every site of their town, social
workers the sites of their neighbourhoods (read only), programme staff the sites they are
assigned to (``accounts.Assignment``, made by a town admin on the setup page). A resident
reaches their own children (confirmed guardian links) and enrolments, and may enrol in any
offering of their town. Nothing a user creates (an enrolment, a walk-in guardian, a pending
child) widens what they reach.
"""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN
from lehuo.accounts.permissions import (
    ANY,
    ASSIGNED,
    NEIGHBOURHOOD,
    OWN,
    RESIDENT,
    TOWN,
    Action,
    Endpoint,
    Grant,
    Scoped,
)

# Who sees a site's records, who runs the site, who sets up the programme.
VIEW = (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD), Grant(PROGRAMME_STAFF, ASSIGNED))
RUN = (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, ASSIGNED))
MANAGE = (Grant(TOWN_ADMIN, TOWN),)
# Who confirms a guardian's claim to a child already on the register (the register's staff).
REGISTER = (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD))
OWN_ONLY = (Grant(RESIDENT, OWN),)

ACTIONS = (
    # Residents (a guardian on a phone)
    Action("daycare.own.view", "daycare.Child", OWN_ONLY,
           label=_("监护人查看自己的孩子、报名和候补位置")),
    Action("daycare.own.register", "people.Person", OWN_ONLY,
           label=_("监护人登记孩子并同意暑托班使用其信息（已在册的儿童须工作人员确认）")),
    Action("daycare.child.register", "people.Person", (*REGISTER, *OWN_ONLY),
           label=_("为监护人直接关联孩子（工作人员；或监护人本人登记新孩子）")),
    Action("daycare.child.health", "daycare.Enrolment", (*RUN, *OWN_ONLY),
           label=_("查看、填写儿童的紧急联系人和健康提示（过敏、用药）"), sensitive=True),
    Action("daycare.enrolment.create", "daycare.Offering", (Grant(RESIDENT, ANY),),
           label=_("监护人为自己的孩子报名（本镇的班次）")),
    Action("daycare.enrolment.view", "daycare.Enrolment", (*VIEW, *OWN_ONLY),
           label=_("查看报名回执")),
    Action("daycare.enrolment.cancel", "daycare.Enrolment", (*RUN, *OWN_ONLY),
           label=_("取消报名（监护人在开班前；候补第一位自动录取）"), seen_with="daycare.enrolment.view"),
    # Claims: a guardian's request to be linked to a child, confirmed by the register's staff.
    Action("daycare.claim.decide", "daycare.ChildClaim", REGISTER,
           label=_("确认或驳回监护人关联儿童的申请")),
    # Staff
    Action("daycare.site.view", "daycare.Site", VIEW, label=_("查看办班点、课程库和统计")),
    Action("daycare.site.run", "daycare.Site", RUN, label=_("办班点日常：晨检记录、值班表"),
           seen_with="daycare.site.view"),
    Action("daycare.offering.view", "daycare.Offering", (*VIEW, Grant(RESIDENT, ANY)),
           label=_("查看班次和剩余名额")),
    Action("daycare.offering.roster", "daycare.Offering", VIEW,
           label=_("查看班次名单、考勤和课表"), sensitive=True),
    Action("daycare.offering.run", "daycare.Offering", RUN,
           label=_("办班点日常：考勤、体温、接送、课程、仪式"), seen_with="daycare.offering.roster", sensitive=True),
    Action("daycare.enrolment.staff", "daycare.Offering", RUN,
           label=_("工作人员代家长报名"), seen_with="daycare.offering.roster"),
    Action("daycare.offering.change", "daycare.Offering", MANAGE,
           label=_("修改班次名额、费用和报名时间"), seen_with="daycare.offering.roster"),
    Action("daycare.programme.manage", "accounts.Town", MANAGE,
           label=_("设置暑托班：年度、期、办班点、负责人、班次、课程库")),
)

SCOPES = {
    "daycare.Year": Scoped(town="town"),
    "daycare.Site": Scoped(town="year__town", neighbourhood="neighbourhood", assigned="id",
                           assignable="daycare.Site"),
    "daycare.Offering": Scoped(town="site__year__town", neighbourhood="site__neighbourhood", assigned="site",
                               assignable="daycare.Site"),
    "daycare.Enrolment": Scoped(town="offering__site__year__town", neighbourhood="offering__site__neighbourhood",
                                assigned="offering__site", assignable="daycare.Site", owner=("child__person", "guardian")),
    "daycare.Child": Scoped(town="person__town", neighbourhood="person__neighbourhood", owner=("person",)),
    "daycare.ChildClaim": Scoped(town="guardian__town", neighbourhood="guardian__neighbourhood", owner=("guardian",)),
}

_YEAR = {"year": "2026"}  # the matrix world's programme year (tests/security/worlds/daycare.py)

ENDPOINTS = {
    # The dispatcher: staff to the programme, everyone else to the resident page (which decides).
    "daycare:index": Endpoint(None),
    "daycare:my": Endpoint("daycare.own.view"),
    "daycare:my_status": Endpoint("daycare.own.view"),
    "daycare:my_child_add": Endpoint("daycare.own.register"),
    "daycare:my_offerings": Endpoint("daycare.own.view"),
    "daycare:my_enrol": Endpoint("daycare.enrolment.create", record="pk", method="POST"),
    "daycare:my_enrolment": Endpoint("daycare.enrolment.view", record="pk"),
    "daycare:my_enrolment_cancel": Endpoint("daycare.enrolment.cancel", record="pk", method="POST"),
    "daycare:claims": Endpoint("daycare.claim.decide"),
    "daycare:claim_decide": Endpoint("daycare.claim.decide", record="pk", method="POST"),
    "daycare:site": Endpoint("daycare.site.view", record="pk"),
    "daycare:site_check": Endpoint("daycare.site.run", record="pk", method="POST"),
    "daycare:site_staff": Endpoint("daycare.site.run", record="pk", method="POST"),
    "daycare:offering": Endpoint("daycare.offering.roster", record="pk"),
    "daycare:attendance": Endpoint("daycare.offering.roster", record="pk"),
    "daycare:offering_lesson": Endpoint("daycare.offering.run", record="pk", method="POST"),
    "daycare:offering_ceremony": Endpoint("daycare.offering.run", record="pk", method="POST"),
    "daycare:offering_edit": Endpoint("daycare.offering.change", record="pk"),
    "daycare:enrolment_cancel": Endpoint("daycare.enrolment.cancel", record="pk", method="POST"),
    "daycare:courses": Endpoint("daycare.site.view"),
    "daycare:stats": Endpoint("daycare.site.view"),
    "daycare:setup": Endpoint("daycare.programme.manage"),
    "daycare:setup_year": Endpoint("daycare.programme.manage", method="POST"),
    "daycare:setup_default_terms": Endpoint("daycare.programme.manage", kwargs=_YEAR, method="POST"),
    "daycare:setup_term": Endpoint("daycare.programme.manage", kwargs=_YEAR, method="POST"),
    "daycare:setup_site": Endpoint("daycare.programme.manage", kwargs=_YEAR, method="POST"),
    "daycare:setup_site_head": Endpoint("daycare.programme.manage", kwargs=_YEAR, method="POST"),
    "daycare:setup_offering": Endpoint("daycare.programme.manage", kwargs=_YEAR, method="POST"),
    "GET /api/v1/daycare/offerings": Endpoint("daycare.offering.view"),
    "POST /api/v1/daycare/offerings": Endpoint("daycare.programme.manage"),
    "GET /api/v1/daycare/offerings/{offering_id}/enrolments": Endpoint("daycare.offering.roster", record="offering_id"),
    "POST /api/v1/daycare/offerings/{offering_id}/enrolments": Endpoint("daycare.enrolment.create",
                                                                        record="offering_id"),
    "POST /api/v1/daycare/enrolments/{enrolment_id}/cancel": Endpoint("daycare.enrolment.cancel",
                                                                      record="enrolment_id"),
    "GET /api/v1/daycare/children": Endpoint("daycare.own.view"),
    "POST /api/v1/daycare/children": Endpoint("daycare.own.register"),
    "GET /api/v1/daycare/years/{year}/stats": Endpoint("daycare.site.view", kwargs=_YEAR),
}
