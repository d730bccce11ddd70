"""Demo data for blood drives, loaded by `python -m lehuo demo` (deterministic, idempotent).

The seed's drive of 2021-07-28 (新泾镇2021年度第二批无偿献血活动): invitation letters two
months ahead, more volunteers than donors, some deferrals, exactly 187 donors giving 367 U
(3 x 200 ml, 8 x 300 ml, 176 x 400 ml) and 25 stem-cell registry sign-ups. Earlier drives
(2020-07-22, 2021-01-20) and donations at the district's donation house give the recall list
and the award progress people to show. Everything goes through the services.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lehuo.accounts.models import Neighbourhood
from lehuo.lib.identity import age_at
from lehuo.people.demo import make_name, make_phone
from lehuo.people.models import Organisation, Person

from . import services
from .models import Donation, Drive

SEED_SLUG = "2021-07-28"
SEED_DATE = dt.date(2021, 7, 28)
VOLUMES = [200] * 3 + [300] * 8 + [400] * 176  # 187 donors, 3 + 12 + 352 = 367 U
SLOTS = ["08:30-10:00", "10:00-11:30", "13:00-14:30", "14:30-16:00"]
LETTER = """亲爱的居民朋友们、辖区单位的同志们：

无偿献血是无私奉献、救死扶伤的崇高行为，是我国血液事业发展的总方向。根据《中华人民共和国献血法》，\
国家提倡十八周岁至五十五周岁的健康公民自愿献血。新泾镇2021年度第二批无偿献血活动定于7月28日举行，\
我们诚挚地邀请符合条件的居民和辖区单位职工踊跃报名，用爱心传递生命的希望。

献血前一晚请保证充足睡眠，献血当天请吃清淡早餐，不空腹、不饮酒，携带本人身份证件，佩戴口罩，出示健康码。\
有意参加造血干细胞捐献志愿者登记的朋友，可在现场同时登记。

报名请联系所在居民区居委会或单位工会。

新泾镇人民政府
2021年5月28日"""

EARLIER = [
    ("2020-07-22", "新泾镇2020年度无偿献血活动", dt.date(2020, 7, 22), ["health_code"], 110),
    ("2021-01-20", "新泾镇2021年度第一批无偿献血活动", dt.date(2021, 1, 20), ["health_code", "mask"], 70),
]
# (reason to show, how many) for the deferred volunteers of the seed drive.
DEFERRALS = [("systolic", 6), ("haemoglobin", 5), ("temperature", 3), ("weight_low", 3), ("pulse", 2),
             ("interval", 6), ("cold", 4), ("tattoo", 2), ("health_code", 1)]


def _passing(rng: random.Random, sex: str) -> dict:
    systolic = rng.randrange(100, 136)
    return {
        "weight_kg": Decimal(rng.randrange(55, 90) if sex == "M" else rng.randrange(47, 70)),
        "systolic": systolic, "diastolic": rng.randrange(62, min(86, systolic - 30)),
        "pulse": rng.randrange(62, 96), "temperature_c": Decimal(rng.randrange(362, 372)) / 10,
        "haemoglobin_g_l": rng.randrange(125, 160) if sex == "M" else rng.randrange(118, 145),
    }


def _failing(rng: random.Random, sex: str, reason: str, day: dt.date) -> tuple[dict, dict, dict]:
    values, answers, checks = _passing(rng, sex), {}, {}
    if reason == "systolic":
        values["systolic"] = rng.randrange(142, 160)
    elif reason == "haemoglobin":
        values["haemoglobin_g_l"] = rng.randrange(100, 115)
    elif reason == "temperature":
        values["temperature_c"] = Decimal(rng.randrange(374, 381)) / 10
    elif reason == "weight_low":
        values["weight_kg"] = Decimal("43.5") if sex == "F" else Decimal("48")
    elif reason == "pulse":
        values["pulse"] = rng.randrange(104, 115)
    elif reason in ("cold", "tattoo"):
        answers[reason] = day - dt.timedelta(days=rng.randrange(2, 5) if reason == "cold" else rng.randrange(60, 200))
    elif reason == "health_code":
        checks["health_code"] = False
    return values, answers, checks


def _run_drive(actor, drive, people, rng, *, volumes, failing=None, stem_cells=0) -> int:
    """Check in, screen and record donations for ``people``; returns the number of donors."""
    failing = failing or {}
    ok_checks = dict.fromkeys(drive.extra_checks, True)
    donors = 0
    minute = 0
    for person in people:
        minute += 1
        at = timezone.make_aware(dt.datetime.combine(drive.date, dt.time(8, 30)) + dt.timedelta(minutes=minute))
        services.check_in(actor, drive, person, at=at)
        reason = failing.get(person.pk)
        if reason:
            values, answers, checks = _failing(rng, person.sex, reason, drive.date)
            screening, decision = services.screen_donor(actor, drive, person, answers=answers,
                                                        checks={**ok_checks, **checks}, **values)
            assert not decision.eligible, (person.pk, reason)
            continue
        screening, decision = services.screen_donor(actor, drive, person, checks=ok_checks, **_passing(rng, person.sex))
        assert decision.eligible, (person.pk, decision.reasons)
        volume = volumes[donors]
        services.record_donation(actor, drive, person, volume_ml=volume, bag_number=f"{drive.date:%y%m%d}{donors + 1:04d}",
                                 certificate_number=f"310105{drive.date:%Y}{rng.randrange(10**6):06d}")
        donors += 1
    return donors


def load(town, stdout) -> None:
    if Donation.objects.filter(drive__town=town, drive__slug=SEED_SLUG).exists():
        stdout.write("blood: demo drives already loaded")
        return
    with transaction.atomic():
        _load(town, stdout)


def _load(town, stdout) -> None:
    rng = random.Random(20210728)
    User = get_user_model()
    admin = User.objects.get(username="admin")
    staff = User.objects.get(username="blood_staff")
    # Adults who may give blood at every demo drive: 19-54 on the seed day.
    pool = [p for p in Person.objects.filter(town=town, birth_date__isnull=False).order_by("pk")
            if 19 <= age_at(p.birth_date, SEED_DATE) <= 54]
    rng.shuffle(pool)
    taken = iter(pool)

    def take(n):
        return [next(taken) for _ in range(n)]

    drives = {}
    for slug, title, day, checks, n in EARLIER:
        drive = services.create_drive(admin, town, slug=slug, title=title, date=day, venue="新泾镇社区党群服务中心",
                                      organiser="新泾镇人民政府", target_donors=n, extra_checks=checks,
                                      time_slots=SLOTS)
        services.assign_staff(admin, drive, staff, "献血办")
        drives[slug] = (drive, take(n))
    for drive, people in drives.values():
        for person in people:
            services.sign_up(staff, drive, person, time_slot=rng.choice(SLOTS))
        volumes = [rng.choice([200, 300, 400, 400, 400]) for _ in people]
        _run_drive(staff, drive, people, rng, volumes=volumes)

    # Regular donors with years of certificates (for award progress), and donors who gave
    # at the donation house in April 2021 (so the seed drive defers them for the interval).
    veterans = take(12)
    for i, person in enumerate(veterans):
        count = 8 + i  # 8..19 donations of 400 ml = 16..38 counts
        day = dt.date(2020, 12, 5) - dt.timedelta(days=i)
        for _ in range(count):
            services.record_past_donation(admin, person, donated_on=day, volume_ml=400, place="长宁区献血屋")
            day = day - dt.timedelta(days=200)
    recent = take(6)
    for person in recent:
        services.record_past_donation(admin, person, donated_on=dt.date(2021, 4, 10) + dt.timedelta(days=rng.randrange(20)),
                                      volume_ml=400, place="长宁区献血屋")

    drive = services.create_drive(
        admin, town, slug=SEED_SLUG, title="新泾镇2021年度第二批无偿献血活动", date=SEED_DATE,
        venue="新泾镇社区党群服务中心（哈密路1911号）", organiser="新泾镇人民政府、长宁区血液管理办公室",
        target_donors=180, extra_checks=["health_code", "mask", "registration_form"], time_slots=SLOTS)
    services.assign_staff(admin, drive, staff, "献血办")
    invitation = services.create_invitation(staff, drive, title="新泾镇2021年度第二批无偿献血倡议书", letter_text=LETTER,
                                            sent_on=dt.date(2021, 5, 28))
    for nbh in Neighbourhood.objects.filter(town=town).order_by("pk"):
        copies = nbh.households or 300
        services.record_delivery(staff, invitation, neighbourhood=nbh, copies=copies,
                                 delivered=copies - rng.randrange(0, 12), delivered_on=dt.date(2021, 6, 1))
    for org in Organisation.objects.filter(town=town, kind__in=["employer", "partner", "school"]).order_by("pk"):
        copies = rng.randrange(20, 120)
        services.record_delivery(staff, invitation, organisation=org, copies=copies, delivered=copies,
                                 delivered_on=dt.date(2021, 6, 3))

    # Volunteers: returning donors of both earlier drives, the veterans, the April donors
    # and new people; 187 give blood, 32 are deferred, 21 do not come.
    earlier_2020, earlier_2021 = drives["2020-07-22"][1], drives["2021-01-20"][1]
    returning = earlier_2020[:45] + earlier_2021[:30] + veterans[:8]
    deferred_n = sum(n for _, n in DEFERRALS)
    new_people = take(187 + deferred_n + 21 - len(returning) - len(recent))
    volunteers = returning + recent + new_people
    employers = list(Organisation.objects.filter(town=town, kind="employer").order_by("pk"))
    for person in volunteers:
        source = rng.choice(["committee", "committee", "committee", "employer", "self"])
        services.sign_up(staff, drive, person, time_slot=rng.choice(SLOTS), source=source,
                         organisation=rng.choice(employers) if source == "employer" and employers else None)
    came = [p for p in volunteers if p not in new_people[-21:]]
    failing = {p.pk: "interval" for p in recent}
    others = [p for p in came if p not in recent and p not in returning]
    i = 0
    for reason, n in DEFERRALS:
        if reason == "interval":
            continue
        for _ in range(n):
            person = others[i]
            i += 1
            failing[person.pk] = reason
    volumes = list(VOLUMES)
    rng.shuffle(volumes)
    donors = _run_drive(staff, drive, came, rng, volumes=volumes, failing=failing)
    assert donors == 187, donors

    # 25 stem-cell registry volunteers among today's donors aged 18-45.
    young = [p for p in came if p.pk not in failing and age_at(p.birth_date, SEED_DATE) <= 45]
    for person in young[:25]:
        services.sign_up_stem_cell(staff, drive, person, consent=True, sample_taken=True, relatives=[
            {"name": make_name(rng), "relation": "配偶", "phone": make_phone(rng)},
            {"name": make_name(rng), "relation": "父母", "phone": make_phone(rng)},
        ])
    stdout.write(f"blood: {Drive.objects.filter(town=town).count()} drives; {SEED_SLUG}: {len(volunteers)} volunteers, "
                 f"{donors} donors, 25 stem-cell sign-ups")
