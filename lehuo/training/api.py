"""/api/v1/cohorts, /cohorts/{id}/sessions, /enrolments, /stats, /sessions/{id}/attendance."""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, WithJsonSchema

from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.errors import ServiceError
from lehuo.platform.idempotency import run_idempotent

from . import services
from .models import Attendance, Cohort, Session

router = Router(tags=["training"])


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError(_("请填写本地时间（如 14:00），不带时区"))
    return value


# A wall-clock time of the town, "14:00" or "14:00:00", without an offset. JSON Schema's "time"
# format is RFC 3339's full-time, which requires one: the answers contradicted it ("14:00:00" is not
# a "time"), and an offset sent in was taken, then compared with a naive time (TypeError, a 500;
# SQLite cannot store an aware time either).
LocalTime = Annotated[dt.time, AfterValidator(_local_time), WithJsonSchema(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$", "example": "14:00:00"})]


class CohortIn(Schema):
    programme: Int = Field(..., description="programme id")
    number: Int = Field(..., ge=1, le=10000)
    starts_on: Date
    ends_on: Date
    weekdays: list[Int] = Field(..., description="ISO weekdays 1-7 (1 = Monday)", max_length=7)
    instructor_id: Int | None = None
    start_time: LocalTime = dt.time(14, 0)
    end_time: LocalTime = dt.time(16, 0)
    venue: str = Field("", max_length=200)
    capacity: Int | None = Field(None, ge=1, le=100000)
    slug: str = Field("", max_length=60)


class CohortOut(Schema):
    id: int
    slug: str
    programme: int = Field(..., alias="programme_id")
    programme_title: str
    studio: str
    number: int
    starts_on: dt.date
    ends_on: dt.date
    weekdays: list[int]
    start_time: LocalTime
    end_time: LocalTime
    venue: str
    instructor_id: int | None
    capacity: int | None
    enrolled: int = Field(..., alias="enrolled_count")
    calendar_warning: str

    @staticmethod
    def resolve_programme_title(obj) -> str:
        return obj.programme.title

    @staticmethod
    def resolve_studio(obj) -> str:
        return obj.programme.studio.name


class SkippedOut(Schema):
    date: dt.date
    name: str


class CohortCreatedOut(CohortOut):
    sessions_created: int = 0
    skipped_holidays: list[SkippedOut] = []
    warning: str = ""


class CohortPatch(Schema):
    starts_on: Date | None = None
    ends_on: Date | None = None
    weekdays: list[Int] | None = Field(None, max_length=7)
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    venue: str | None = Field(None, max_length=200)


class SessionOut(Schema):
    id: int
    date: dt.date
    planned_date: dt.date | None
    start_time: LocalTime
    end_time: LocalTime
    topic: str
    status: str
    reason: str


class EnrolmentIn(Schema):
    person_id: Int


class CohortEnrolmentOut(Schema):
    id: int
    person_id: int
    name: str
    neighbourhood_id: int | None
    status: str
    enrolled_on: dt.date

    @staticmethod
    def resolve_name(obj) -> str:
        # A replayed idempotent answer is the stored dict, not the model.
        return obj["name"] if isinstance(obj, dict) else obj.person.name


class AttendanceIn(Schema):
    person_id: Int
    status: str = Field(..., description="present / late / absent / excused")
    note: str = Field("", max_length=200)


class AttendanceOut(Schema):
    person_id: int
    status: str
    note: str
    method: str


class NeighbourhoodCount(Schema):
    neighbourhood: str
    enrolled: int


class SessionStat(Schema):
    id: int
    date: dt.date
    status: str
    attended: int
    enrolled: int
    rate: str | None


class PersonStat(Schema):
    person_id: int
    name: str
    held: int
    attended: int
    late: int
    absent: int
    excused: int
    hours: str
    rate: str
    completed: bool
    certificate: str


class StatsOut(Schema):
    enrolled: int
    capacity: int | None
    sessions: int
    sessions_held: int
    sessions_cancelled: int
    attendance_rate: str
    completed: int
    by_neighbourhood: list[NeighbourhoodCount]
    per_session: list[SessionStat]
    per_person: list[PersonStat]


def _cohort(request, cohort_id: int, action: str = "training.cohort.view") -> Cohort:
    return services.get_cohort(request.user, cohort_id, action)


def _session(request, session_id: int, action: str = "training.session.view") -> Session:
    return services.get_session(request.user, session_id, action)


@router.get("/cohorts", response=list[CohortOut])
@paginate(PageNumberPagination, page_size=50)
def list_cohorts(request):
    return services.cohorts_for(request.user)


@router.post("/cohorts", response={201: CohortCreatedOut})
def create_cohort(request, payload: CohortIn):
    from django.contrib.auth import get_user_model

    programme = services.programme_for(request.user, payload.programme)
    if programme is None:
        raise ServiceError(_("培训项目不存在"), "programme")
    instructor = None
    if payload.instructor_id is not None:
        instructor = get_user_model().objects.filter(pk=payload.instructor_id, is_active=True).first()
        if instructor is None:
            raise ServiceError(_("讲师不存在"), "instructor_id")
    data = payload.dict(exclude={"programme", "instructor_id"})
    cohort, summary = services.create_cohort(request.user, programme, instructor=instructor, **data)
    cohort.sessions_created = summary["created"]  # type: ignore[attr-defined]
    cohort.skipped_holidays = summary["skipped"]  # type: ignore[attr-defined]
    cohort.warning = summary["warning"]  # type: ignore[attr-defined]
    return Status(201, cohort)


@router.get("/cohorts/{int:cohort_id}", response=CohortOut)
def get_cohort(request, cohort_id: int):
    return _cohort(request, cohort_id)


@router.patch("/cohorts/{int:cohort_id}", response=CohortCreatedOut)
def patch_cohort(request, cohort_id: int, payload: CohortPatch):
    """Change the schedule; the calendar is regenerated and attendance already taken stays."""
    cohort = _cohort(request, cohort_id, "training.cohort.manage")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k == "venue"}
    summary = services.update_schedule(request.user, cohort, **changes)
    cohort = _cohort(request, cohort_id)
    cohort.sessions_created = summary["created"]  # type: ignore[attr-defined]
    cohort.skipped_holidays = summary["skipped"]  # type: ignore[attr-defined]
    cohort.warning = summary["warning"]  # type: ignore[attr-defined]
    return cohort


@router.get("/cohorts/{int:cohort_id}/sessions", response=list[SessionOut])
@paginate(PageNumberPagination, page_size=200)
def list_sessions(request, cohort_id: int):
    return services.sessions_of(request.user, _cohort(request, cohort_id))


@router.get("/cohorts/{int:cohort_id}/enrolments", response=list[CohortEnrolmentOut])
@paginate(PageNumberPagination, page_size=100)
def list_enrolments(request, cohort_id: int):
    return services.roster(request.user, _cohort(request, cohort_id)).order_by("person__name_pinyin", "id")


@router.post("/cohorts/{int:cohort_id}/enrolments", response={201: CohortEnrolmentOut})
def create_enrolment(request, cohort_id: int, payload: EnrolmentIn):
    cohort = _cohort(request, cohort_id, "training.enrolment.create")

    def create():
        person = services.person_for_cohort(request.user, cohort, payload.person_id)
        enrolment = services.enrol(request.user, cohort, person)
        body = CohortEnrolmentOut.from_orm(enrolment).dict()
        body["enrolled_on"] = body["enrolled_on"].isoformat()
        return 201, body

    status, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                  f"training.enrol:{cohort.pk}", create)
    return Status(status, body)


@router.get("/sessions/{int:session_id}/attendance", response=list[AttendanceOut])
@paginate(PageNumberPagination, page_size=200)
def get_attendance(request, session_id: int):
    return services.attendance_of(request.user, _session(request, session_id)).order_by("person_id")


@router.put("/sessions/{int:session_id}/attendance", response=list[AttendanceOut])
def put_attendance(request, session_id: int, payload: list[AttendanceIn]):
    session = _session(request, session_id, "training.attendance.record")
    if len(payload) > 1000:
        raise ServiceError(_("一次最多记录1000人"), "attendance")
    services.record_attendance(request.user, session, [p.dict() for p in payload])
    ids = [p.person_id for p in payload]
    return list(Attendance.objects.filter(session=session, person_id__in=ids).order_by("person_id"))


@router.get("/cohorts/{int:cohort_id}/stats", response=StatsOut)
def stats(request, cohort_id: int):
    data = services.stats_for(request.user, _cohort(request, cohort_id))
    return {
        **{k: data[k] for k in ("enrolled", "capacity", "sessions", "sessions_held", "sessions_cancelled",
                                "completed", "by_neighbourhood")},
        "attendance_rate": str(data["attendance_rate"]),
        "per_session": [
            {"id": s["session"].pk, "date": s["session"].date, "status": s["session"].status,
             "attended": s["attended"], "enrolled": s["enrolled"],
             "rate": str(s["rate"]) if s["rate"] is not None else None}
            for s in data["per_session"]
        ],
        "per_person": [
            {"person_id": p["person"].pk, "name": p["person"].name, "held": p["held"], "attended": p["attended"],
             "late": p["late"], "absent": p["absent"], "excused": p["excused"], "hours": str(p["hours"]),
             "rate": str(p["rate"]), "completed": p["completed"], "certificate": p["certificate"]}
            for p in data["people"]
        ],
    }



class MoveIn(Schema):
    date: Date
    reason: str = Field(..., max_length=200)
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class RegenerateOut(Schema):
    created: int
    removed: int
    kept: int
    kept_off_plan: list[dt.date]
    skipped: list[SkippedOut]
    warning: str


class RecordOut(Schema):
    studio: str
    programme: str
    cohort: str
    cohort_id: int
    year: int
    starts_on: dt.date
    ends_on: dt.date
    status: str
    sessions_held: int
    attended: int
    hours: str
    rate: str
    completed: bool
    certificate: str


@router.post("/sessions/{int:session_id}/move", response=SessionOut)
def move_session(request, session_id: int, payload: MoveIn):
    session = _session(request, session_id, "training.session.manage")
    return services.move_session(request.user, session, payload.date, payload.reason,
                                 start_time=payload.start_time, end_time=payload.end_time)


@router.post("/sessions/{int:session_id}/cancel", response=SessionOut)
def cancel_session(request, session_id: int, payload: ReasonIn):
    return services.cancel_session(request.user, _session(request, session_id, "training.session.manage"),
                                   payload.reason)


@router.post("/cohorts/{int:cohort_id}/regenerate", response=RegenerateOut)
def regenerate(request, cohort_id: int):
    """Rebuild the calendar from the rule (e.g. after the holiday override table changed)."""
    return services.regenerate_sessions(request.user, _cohort(request, cohort_id, "training.cohort.manage"))


@router.get("/people/{int:person_id}/training", response=list[RecordOut])
def person_training(request, person_id: int):
    """A person's training record across programmes and years (hours, rate, certificate)."""
    _person, rows = services.person_record(request.user, person_id)
    return [{**r, "hours": str(r["hours"])} for r in rows]
