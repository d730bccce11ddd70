"""What the day-care module declares to the permission module (lehuo/accounts/permissions.py)."""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import PROGRAMME_STAFF, TOWN_ADMIN
from lehuo.accounts.permissions import ASSIGNED, OWN, RESIDENT, TOWN, Action, Grant, Scoped

SITE_STAFF = (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, ASSIGNED))

ACTIONS = (
    Action("daycare.child.register", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("监护人登记孩子并同意暑托班使用其信息")),
    Action("daycare.child.view_own", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("监护人查看孩子的暑托班记录（含晨检体温）"), sensitive=True),
    Action("daycare.site.run", "daycare.Site", SITE_STAFF, label=_("办班点日常：考勤、晨检、接送、课程"),
           sensitive=True),
    Action("daycare.enrolment.staff", "daycare.Site", SITE_STAFF, label=_("工作人员代家长报名")),
)

SCOPES = {
    "daycare.Site": Scoped(town="year__town", neighbourhood="neighbourhood", assigned="id", assignable="daycare.Site"),
}
