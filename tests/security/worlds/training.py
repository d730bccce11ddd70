"""The training module's records: A is the cohort the instructor persona is assigned to, with the
resident persona's child enrolled and certified; B a cohort of the same town assigned to no one,
with the other family's child."""

import datetime as dt
from decimal import Decimal

from lehuo.training import services
from lehuo.training.models import Certificate, Programme, Studio


def build(world) -> None:
    admin = world.admin
    studio = Studio.objects.create(town=world.town, name="零距离工作室")
    programmes = [Programme.objects.create(studio=studio, title=title, topics=["社区治理"])
                  for title in ("社区工作者能力提升", "居民议事")]
    cohort_a, _ = services.create_cohort(admin, programmes[0], number=1, starts_on=dt.date(2025, 3, 4),
                                         ends_on=dt.date(2025, 3, 28), weekdays=[2], instructor=world.users["instructor"])
    cohort_b, _ = services.create_cohort(admin, programmes[1], number=1, starts_on=dt.date(2025, 3, 4),
                                         ends_on=dt.date(2025, 3, 28), weekdays=[2])
    child = world.record("people.Person", "A")
    other_child = world.record("people.Person", "B")
    enrolment_a = services.enrol(admin, cohort_a, child)
    enrolment_b = services.enrol(admin, cohort_b, other_child)
    for enrolment, code in ((enrolment_a, "matrix-certificate"), (enrolment_b, "matrix-certificate-b")):
        Certificate.objects.create(enrolment=enrolment, number=f"MX-{enrolment.pk}", code=code,
                                   issued_on=dt.date(2025, 3, 28), hours=Decimal("8.0"),
                                   attendance_rate=Decimal("1.000"), issued_by=admin)
    world.add("training.Programme", *programmes)
    world.add("training.Cohort", cohort_a, cohort_b)
    world.add("training.Session", cohort_a.sessions.first(), cohort_b.sessions.first())
    world.add("training.Enrolment", enrolment_a, enrolment_b)
    world.bodies.update(bodies(world, programmes[0], child))


def bodies(world, programme, child) -> dict:
    return {
        "POST /api/v1/cohorts": {"programme": programme.pk, "number": 9, "starts_on": "2025-05-06",
                                 "ends_on": "2025-05-27", "weekdays": [2]},
        "PATCH /api/v1/cohorts/{cohort_id}": {"venue": "矩阵教室"},
        "POST /api/v1/cohorts/{cohort_id}/enrolments": {"person_id": world.parent_person.pk},
        "PUT /api/v1/sessions/{session_id}/attendance": [{"person_id": child.pk, "status": "present"}],
        "POST /api/v1/sessions/{session_id}/move": {"date": "2025-03-05", "reason": "矩阵调课"},
        "POST /api/v1/sessions/{session_id}/cancel": {"reason": "矩阵取消"},
        "training:enrol": {"person_id": world.parent_person.pk},
        "training:withdraw": {"reason": "矩阵"},
    }
