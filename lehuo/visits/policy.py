"""What the honours and visits module declares to the permission module
(lehuo/accounts/permissions.py): the town admin sees the town's, a social worker those of the
people of their neighbourhoods; both record them. A visit's photos are read with the visit
(protected media, lehuo/platform/media.py)."""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import SOCIAL_WORKER, TOWN_ADMIN
from lehuo.accounts.permissions import NEIGHBOURHOOD, TOWN, Action, Endpoint, Grant, Scoped

WRITERS = (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD))

ACTIONS = (
    Action("visits.visit.view", "visits.Visit", WRITERS, label=_("查看走访记录和照片")),
    Action("visits.visit.record", "people.Person", WRITERS, label=_("登记走访（走访对象须在负责范围内）")),
    Action("visits.photo.add", "visits.Visit", WRITERS, label=_("上传走访照片"), seen_with="visits.visit.view"),
    Action("visits.honour.view", "visits.Honour", WRITERS, label=_("查看荣誉")),
    Action("visits.honour.record", "people.Person", WRITERS, label=_("登记荣誉（人员须在负责范围内）")),
)

SCOPES = {
    "visits.Visit": Scoped(town="town", neighbourhood="person__neighbourhood", owner=("person",)),
    "visits.Honour": Scoped(town="town", neighbourhood="person__neighbourhood", owner=("person",)),
}

ENDPOINTS = {
    "visits:index": Endpoint("visits.visit.view"),
    "visits:new": Endpoint("visits.visit.record"),
    "visits:honours": Endpoint("visits.honour.view"),
    "visits:new_honour": Endpoint("visits.honour.record"),
    "visits:detail": Endpoint("visits.visit.view", record="slug"),
    "visits:add_photo": Endpoint("visits.photo.add", record="slug", method="POST"),
    "GET /api/v1/visits": Endpoint("visits.visit.view"),
    "POST /api/v1/visits": Endpoint("visits.visit.record"),
    "GET /api/v1/visits/{slug}": Endpoint("visits.visit.view", record="slug"),
    "GET /api/v1/honours": Endpoint("visits.honour.view"),
    "POST /api/v1/honours": Endpoint("visits.honour.record"),
}
