"""What the people register declares to the permission module (lehuo/accounts/permissions.py).

The register is reached through memberships only: town admins see their town's people, social
workers the people of their neighbourhoods, a resident their own record (and their children's).
Programme staff reach people only through their programme's records (a cohort's roster, a
drive's donors, a site's children), never the register itself.
"""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import (
    ANY,
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

STAFF = (TOWN_ADMIN, SOCIAL_WORKER, PROGRAMME_STAFF, EDITOR, VIEWER)
REGISTER = (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD))

ACTIONS = (
    Action("people.person.view", "people.Person", (*REGISTER, Grant(RESIDENT, OWN)), label=_("查看人员信息")),
    Action("people.person.create", "people.Person", REGISTER, label=_("登记人员")),
    Action("people.person.change", "people.Person", REGISTER, label=_("修改人员信息"), seen_with="people.person.view"),
    Action("people.person.change_contact", "people.Person", (*REGISTER, Grant(RESIDENT, OWN)),
           label=_("修改联系方式（电话、住址）"), seen_with="people.person.view"),
    Action("people.person.list", "people.Person", REGISTER, label=_("查看人员名单")),
    Action("people.person.reveal", "people.Person", REGISTER, label=_("查看完整证件号码和电话（记录在案）"),
           seen_with="people.person.view"),
    Action("people.person.export_data", "people.Person", (*REGISTER, Grant(RESIDENT, OWN)),
           label=_("导出个人全部信息（个人信息保护法第45条）"), seen_with="people.person.view"),
    Action("people.person.erase", "people.Person", (Grant(TOWN_ADMIN, TOWN),), label=_("删除个人信息"),
           seen_with="people.person.view"),
    Action("people.consent.give", "people.Person", (*REGISTER, Grant(RESIDENT, OWN)), label=_("记录知情同意"),
           seen_with="people.person.view"),
    Action("people.consent.withdraw", "people.Person", (*REGISTER, Grant(RESIDENT, OWN)), label=_("撤回知情同意"),
           seen_with="people.person.view"),
    Action("people.person.export_list", "people.Person", REGISTER, label=_("导出人员名单（脱敏）")),
    Action("people.person.export_full", "people.Person", (Grant(TOWN_ADMIN, TOWN),),
           label=_("导出人员名单（含完整证件号码和电话，须说明理由）")),
    Action("people.import", "accounts.Town", (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, TOWN)),
           label=_("导入人员（社工只能导入本居民区）")),
    Action("people.organisation.view", "people.Organisation", tuple(Grant(role, TOWN) for role in STAFF),
           label=_("查看单位")),
    Action("people.organisation.change", "people.Organisation", (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, TOWN)),
           label=_("新增、修改单位"), seen_with="people.organisation.view"),
    Action("people.tag.view", "people.Tag", tuple(Grant(role, TOWN) for role in STAFF), label=_("查看标签字典")),
    Action("people.tag.change", "people.Tag", (Grant(TOWN_ADMIN, TOWN),), label=_("修改标签字典"),
           seen_with="people.tag.view"),
    # Residents' own account (docs/residents.md): the real-name link, children, my data.
    Action("people.link.request", None, (Grant(SIGNED_IN, ANY),), label=_("申请实名绑定（本人）")),
    Action("people.child.add", "people.Person", (Grant(RESIDENT, OWN),), label=_("监护人添加孩子并同意使用其信息")),
    Action("people.link.confirm", "people.LinkRequest", REGISTER, label=_("核实实名绑定和监护关系")),
    Action("people.mydata.open", None, (Grant(SIGNED_IN, ANY),), label=_("打开“我的信息”")),
    Action("people.data_request.create", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("申请更正或删除本人信息")),
    Action("people.data_request.handle", "people.DataRequest", REGISTER, label=_("处理居民的更正、删除申请")),
)

SCOPES = {
    "people.Person": Scoped(town="town", neighbourhood="neighbourhood", owner=("id",)),
    "people.Organisation": Scoped(town="town", neighbourhood="neighbourhood"),
    "people.Tag": Scoped(town="town"),
    "people.Consent": Scoped(town="person__town", neighbourhood="person__neighbourhood", owner=("person",)),
    "people.LinkRequest": Scoped(town="town", neighbourhood="neighbourhood", owner_account="account"),
    "people.DataRequest": Scoped(town="person__town", neighbourhood="person__neighbourhood", owner=("person",)),
    "people.GuardianLink": Scoped(town="child__town", neighbourhood="child__neighbourhood", owner=("child", "guardian")),
}

ENDPOINTS = {
    "people:people": Endpoint("people.person.list"),
    "people:person_create": Endpoint("people.person.create"),
    "people:people_export": Endpoint("people.person.export_list"),
    "people:people_export_full": Endpoint("people.person.export_full"),
    "people:people_import": Endpoint("people.import"),
    "people:people_import_template": Endpoint("people.import"),
    "people:people_import_report": Endpoint("platform.job.view", record="pk"),
    "people:people_import_commit": Endpoint("platform.job.view", record="pk", method="POST"),
    "people:person": Endpoint("people.person.view", record="pk"),
    "people:person_edit": Endpoint("people.person.change", record="pk"),
    "people:person_reveal": Endpoint("people.person.reveal", record="pk", method="POST"),
    "people:guardian_add": Endpoint("people.person.change", record="pk", method="POST"),
    "people:consent_add": Endpoint("people.consent.give", record="pk", method="POST"),
    "people:consent_withdraw": Endpoint("people.consent.withdraw", record="pk", kwargs={"consent_pk": "people.Consent"},
                                        method="POST"),
    "people:person_data": Endpoint("people.person.export_data", record="pk", kwargs={"fmt": "json"}),
    "people:person_erase": Endpoint("people.person.erase", record="pk"),
    "people:organisations": Endpoint("people.organisation.view"),
    "people:organisation_create": Endpoint("people.organisation.change"),
    "people:organisation": Endpoint("people.organisation.view", record="pk"),
    "people:organisation_edit": Endpoint("people.organisation.change", record="pk"),
    "people:tags": Endpoint("people.tag.view"),
    "people:tag_edit": Endpoint("people.tag.change", record="pk"),
    "people:tag_delete": Endpoint("people.tag.change", record="pk", method="POST"),
    "people:link": Endpoint("people.link.request"),
    "people:child_add": Endpoint("people.child.add"),
    "people:link_queue": Endpoint("people.link.confirm"),
    "people:link_decide": Endpoint("people.link.confirm", record="pk", method="POST"),
    "people:data_request_decide": Endpoint("people.data_request.handle", record="pk", method="POST"),
    "people:my_data": Endpoint("people.mydata.open"),
    "people:my_data_download": Endpoint("people.mydata.open", kwargs={"fmt": "json"}),
    "people:my_data_request": Endpoint("people.data_request.create", method="POST"),
    "GET /api/v1/people": Endpoint("people.person.list"),
    "POST /api/v1/people": Endpoint("people.person.create"),
    "GET /api/v1/people/{person_id}": Endpoint("people.person.view", record="person_id"),
    "PATCH /api/v1/people/{person_id}": Endpoint("people.person.change", record="person_id"),
    "POST /api/v1/people/{person_id}/reveal": Endpoint("people.person.reveal", record="person_id"),
    "GET /api/v1/organisations": Endpoint("people.organisation.view"),
    "POST /api/v1/organisations": Endpoint("people.organisation.change"),
    "GET /api/v1/organisations/{org_id}": Endpoint("people.organisation.view", record="org_id"),
}
