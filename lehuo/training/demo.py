"""Demo data for this module, loaded by `python -m lehuo demo` (idempotent).

零距离工作室 (leader 张龙云, 育人才 强自治 创特色), its third half-year cohort: Tue and Fri
from 2021-08-10 to 2022-02-09, students are the social workers (tag 社工) of 绿十一, 天山星城,
双流 and 虹九, attendance taken in every class, certificates for those who met the 80% rule.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from lehuo.accounts.models import Neighbourhood
from lehuo.lib.text import pinyin_key
from lehuo.people.demo import make_id_number, make_phone
from lehuo.people.models import Person, Tag
from lehuo.platform.crypto import keyed_hash

from . import services
from .models import Attendance, Cohort, Enrolment, Programme, Session, Studio

STUDIO = "零距离工作室"
LEADER = "张龙云"
PHILOSOPHY = "育人才 强自治 创特色"
PROGRAMME = "社区工作者能力提升"
TOPICS = ["社区治理", "居民自治", "三精四量三不可工作法"]
SLUG = "xinjing-studio-3"
STARTS, ENDS = dt.date(2021, 8, 10), dt.date(2022, 2, 9)
NEIGHBOURHOODS = ["lv11", "tsxc", "sl", "hj9"]
VENUE = "新泾镇社区党群服务中心 3楼培训室"


def _leader(town, rng) -> Person:
    person = Person.objects.filter(town=town, name=LEADER).first()
    if person is None:
        birth = dt.date(1978, 5, 16)
        id_number = make_id_number(rng, birth, "M", "310105")
        phone = make_phone(rng)
        person = Person(town=town, neighbourhood=Neighbourhood.objects.filter(town=town, code="hy").first(),
                        name=LEADER, sex="M", birth_date=birth, id_type="ric", id_number=id_number,
                        id_hash=keyed_hash(f"ric:{id_number}"), phone=phone, phone_hash=keyed_hash(phone),
                        phone_tail=phone[-4:])
        person.name_pinyin, person.name_initials = pinyin_key(LEADER)
        person.save()
        tag = Tag.objects.filter(town=town, name="社工").first()
        if tag:
            person.tags.add(tag)
    instructor = get_user_model().objects.filter(username="instructor").first()
    if instructor and person.account_id is None and not Person.objects.filter(account=instructor).exists():
        person.account = instructor
        person.save(update_fields=["account"])
    return person


def _attendance(rng: random.Random, reliability: float) -> tuple[str, str]:
    roll = rng.random()
    if roll < reliability:
        return (Attendance.LATE, "") if rng.random() < 0.06 else (Attendance.PRESENT, "")
    if rng.random() < 0.55:
        return Attendance.EXCUSED, rng.choice(["居民区值班", "防疫值守", "病假", "参加区里会议", "家中有事"])
    return Attendance.ABSENT, ""


@transaction.atomic
def load(town, stdout) -> None:
    if Cohort.objects.filter(slug=SLUG).exists():
        stdout.write("training: 零距离工作室第3期 already loaded")
        return
    rng = random.Random(20210810)
    User = get_user_model()
    admin = User.objects.get(username="admin")
    instructor = User.objects.get(username="instructor")
    leader = _leader(town, rng)
    studio, _ = Studio.objects.get_or_create(
        town=town, name=STUDIO,
        defaults={"leader_name": LEADER, "leader": leader, "philosophy": PHILOSOPHY,
                  "description": "新泾镇社区工作者“四全”培训体系的实践基地，半年一期，小班教学。"})
    programme, _ = Programme.objects.get_or_create(studio=studio, title=PROGRAMME, defaults={"topics": TOPICS})
    cohort, summary = services.create_cohort(
        admin, programme, number=3, slug=SLUG, starts_on=STARTS, ends_on=ENDS, weekdays=[2, 5],
        start_time=dt.time(14, 0), end_time=dt.time(16, 0), venue=VENUE, instructor=instructor, capacity=40)

    students = list(
        Person.objects.filter(town=town, neighbourhood__code__in=NEIGHBOURHOODS, tags__name="社工", erased_at__isnull=True)
        .exclude(pk=leader.pk).select_related("neighbourhood").order_by("pk").distinct()
    )
    # Enrolled neighbourhood by neighbourhood in the seed's order (绿十一、天山星城、双流、虹九).
    students.sort(key=lambda p: (NEIGHBOURHOODS.index(p.neighbourhood.code), p.pk))
    for person in students:
        services.enrol(admin, cohort, person, on=dt.date(2021, 8, 2))
    # Each neighbourhood's social-worker login is also one of its students, to try the QR check-in.
    for code in NEIGHBOURHOODS:
        user = User.objects.filter(username=f"sw_{code}").first()
        if user is None or Person.objects.filter(account=user).exists():
            continue
        mine = next((p for p in students if p.neighbourhood.code == code and p.account_id is None), None)
        if mine:
            Person.objects.filter(pk=mine.pk).update(account=user)

    reliability = {p.pk: rng.choice([0.98, 0.96, 0.95, 0.93, 0.92, 0.9, 0.88, 0.85, 0.78, 0.65]) for p in students}
    for session in cohort.sessions.filter(status=Session.SCHEDULED).order_by("date"):
        entries = []
        for person in students:
            status, note = _attendance(rng, reliability[person.pk])
            entries.append({"person_id": person.pk, "status": status, "note": note})
        services.record_attendance(instructor, session, entries)
    issued, skipped = services.issue_certificates(admin, cohort, on=dt.date(2022, 2, 15))
    held = cohort.sessions.filter(status=Session.HELD).count()
    stdout.write(
        f"training: {cohort}, {held} sessions ({len(summary['skipped'])} holidays skipped), "
        f"{Enrolment.objects.filter(cohort=cohort).count()} students, {issued} certificates"
    )
