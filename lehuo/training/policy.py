"""What the training module declares to the permission module (lehuo/accounts/permissions.py).

Cohorts hold no personal data: every staff role of the town lists them, programme staff only the
cohorts they are assigned to (accounts ``Assignment``). The students of a cohort are seen in full
by the town admin and the cohort's own staff; a social worker sees the students of their
neighbourhoods; a resident their own record (a social worker's own training record too).

Who may enrol whom: the town admin and the cohort's assigned staff enrol into the cohort
(``training.enrolment.create``), and the person must be one ``training.enrolment.person`` allows:
any resident of the town. Enrolling someone gives the enroller no access to that person's register
record (``people.person.view`` is decided by memberships only), neither during the enrolment nor
after it is withdrawn: the cohort's staff see the student's name and neighbourhood in the roster,
nothing of the register.
"""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import (
    ANY,
    ASSIGNED,
    NEIGHBOURHOOD,
    OWN,
    RESIDENT,
    SIGNED_IN,
    TOWN,
    Action,
    Endpoint,
    Grant,
    Scoped,
)

COHORT_READERS = (*(Grant(role, TOWN) for role in (TOWN_ADMIN, SOCIAL_WORKER, EDITOR, VIEWER)),
                  Grant(PROGRAMME_STAFF, ASSIGNED))
COHORT_STAFF = (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, ASSIGNED))
# Students' rows (enrolment, attendance, certificate): the cohort's staff, social workers for
# their neighbourhoods, the student themself.
STUDENT_READERS = (*COHORT_STAFF, Grant(SOCIAL_WORKER, NEIGHBOURHOOD), Grant(RESIDENT, OWN))

ACTIONS = (
    Action("training.cohort.view", "training.Cohort", COHORT_READERS, label=_("查看培训班、课表和统计")),
    Action("training.cohort.create", "training.Programme", (Grant(TOWN_ADMIN, TOWN),), label=_("开设培训班")),
    Action("training.cohort.manage", "training.Cohort", COHORT_STAFF,
           label=_("管理培训班：调整课表、重新生成、发放证书"), seen_with="training.cohort.view"),
    Action("training.cohort.assign", "training.Cohort", (Grant(TOWN_ADMIN, TOWN),), label=_("安排培训班工作人员"),
           seen_with="training.cohort.view"),
    Action("training.roster.view", "training.Cohort", COHORT_STAFF,
           label=_("查看本班全部学员（不限居民区）"), seen_with="training.cohort.view"),
    Action("training.session.view", "training.Session", COHORT_READERS, label=_("查看课次")),
    Action("training.session.manage", "training.Session", COHORT_STAFF, label=_("调课、取消课次、展示签到二维码"),
           seen_with="training.session.view"),
    Action("training.attendance.record", "training.Session", COHORT_STAFF, label=_("记录考勤（讲师）"),
           seen_with="training.session.view"),
    Action("training.enrolment.create", "training.Cohort", COHORT_STAFF, label=_("为培训班报名学员"),
           seen_with="training.cohort.view"),
    Action("training.enrolment.person", "people.Person", (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, TOWN)),
           label=_("可被报名的人员：本镇任何居民（报名不带来查看其人员信息的权限）")),
    Action("training.enrolment.view", "training.Enrolment", STUDENT_READERS, label=_("查看学员报名")),
    Action("training.enrolment.withdraw", "training.Enrolment", COHORT_STAFF, label=_("学员退出培训班"),
           seen_with="training.enrolment.view"),
    Action("training.certificate.view", "training.Enrolment", STUDENT_READERS, label=_("查看、下载结业证书"),
           seen_with="training.enrolment.view"),
    Action("training.record.view", "people.Person", (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD),
                                                     Grant(RESIDENT, OWN)),
           label=_("查看个人培训档案（本人可查看自己的）")),
    Action("training.record.view_own", None, (Grant(SIGNED_IN, ANY),), label=_("查看本人的培训档案和证书")),
    Action("training.checkin", None, (Grant(SIGNED_IN, ANY),), label=_("学员扫码签到")),
    Action("training.holiday.change", None, (Grant(TOWN_ADMIN, TOWN),), label=_("维护节假日调整表")),
)

_COHORT_TOWN = "programme__studio__town"
SCOPES = {
    "training.Studio": Scoped(town="town"),
    "training.Programme": Scoped(town="studio__town"),
    "training.Cohort": Scoped(town=_COHORT_TOWN, assigned="id", assignable="training.Cohort"),
    "training.Session": Scoped(town=f"cohort__{_COHORT_TOWN}", assigned="cohort", assignable="training.Cohort"),
    "training.Enrolment": Scoped(town=f"cohort__{_COHORT_TOWN}", neighbourhood="person__neighbourhood",
                                 assigned="cohort", assignable="training.Cohort", owner=("person",)),
}

ENDPOINTS = {
    "training:index": Endpoint("training.cohort.view"),
    "training:mine": Endpoint("training.record.view_own"),
    "training:cohort_create": Endpoint("training.cohort.create"),
    "training:cohort": Endpoint("training.cohort.view", record="pk"),
    "training:regenerate": Endpoint("training.cohort.manage", record="pk", method="POST"),
    "training:enrol": Endpoint("training.enrolment.create", record="pk", method="POST"),
    "training:stats": Endpoint("training.cohort.view", record="pk"),
    "training:export": Endpoint("training.cohort.view", record="pk"),
    "training:certificates": Endpoint("training.cohort.manage", record="pk", method="POST"),
    "training:withdraw": Endpoint("training.enrolment.withdraw", record="pk", method="POST"),
    "training:certificate_pdf": Endpoint("training.certificate.view", record="pk"),
    "training:attendance": Endpoint("training.session.view", record="pk"),
    "training:session_qr": Endpoint("training.session.manage", record="pk"),
    "training:session_edit": Endpoint("training.session.manage", record="pk"),
    "training:person_record": Endpoint("training.record.view", record="person_id"),
    "training:holidays": Endpoint("training.holiday.change"),
    "training:checkin": Endpoint("training.checkin", kwargs={"token": "matrix-token"}),
    # Public: anyone holding the certificate checks it (tests/security/worlds/training.py gives one
    # this code).
    "training:verify": Endpoint(None, kwargs={"code": "matrix-certificate"}),
    "GET /api/v1/cohorts": Endpoint("training.cohort.view"),
    "POST /api/v1/cohorts": Endpoint("training.cohort.create"),
    "GET /api/v1/cohorts/{cohort_id}": Endpoint("training.cohort.view", record="cohort_id"),
    "PATCH /api/v1/cohorts/{cohort_id}": Endpoint("training.cohort.manage", record="cohort_id"),
    "GET /api/v1/cohorts/{cohort_id}/sessions": Endpoint("training.cohort.view", record="cohort_id"),
    "GET /api/v1/cohorts/{cohort_id}/enrolments": Endpoint("training.cohort.view", record="cohort_id"),
    "POST /api/v1/cohorts/{cohort_id}/enrolments": Endpoint("training.enrolment.create", record="cohort_id"),
    "GET /api/v1/cohorts/{cohort_id}/stats": Endpoint("training.cohort.view", record="cohort_id"),
    "POST /api/v1/cohorts/{cohort_id}/regenerate": Endpoint("training.cohort.manage", record="cohort_id"),
    "GET /api/v1/sessions/{session_id}/attendance": Endpoint("training.session.view", record="session_id"),
    "PUT /api/v1/sessions/{session_id}/attendance": Endpoint("training.attendance.record", record="session_id"),
    "POST /api/v1/sessions/{session_id}/move": Endpoint("training.session.manage", record="session_id"),
    "POST /api/v1/sessions/{session_id}/cancel": Endpoint("training.session.manage", record="session_id"),
    "GET /api/v1/people/{person_id}/training": Endpoint("training.record.view", record="person_id"),
}
