"""Demo: the 2021 爱心暑托班 of Xinjing, loaded by `python -m lehuo demo` (idempotent).

Four sites in four neighbourhoods, two terms (7/5-7/23, 7/26-8/13), offerings of 35 places
at 600 yuan, enrolments of the town's children aged 6-11 through the real services (with
guardians and their consent), a waiting list at 新泾, the course catalogue across 德智体美劳,
a timetable, the first term's attendance and closing ceremonies.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lehuo.accounts.models import Neighbourhood
from lehuo.people.models import GuardianLink, Person
from lehuo.platform.audit import log_action

from . import services, services_running
from .models import Arrival, Ceremony, Enrolment, Lesson, Offering, StaffMember, Year

TERMS = [(1, dt.date(2021, 7, 5), dt.date(2021, 7, 23)), (2, dt.date(2021, 7, 26), dt.date(2021, 8, 13))]
OPENS_AT = dt.datetime(2021, 6, 21, 9, 0)
SITES = [  # (neighbourhood code, name, address, head, volunteers)
    ("xj", "新泾镇社区党群服务中心", "新泾镇社区党群服务中心二楼", "陈晓燕", 4),
    ("lv11", "绿十一居民区活动室", "绿十一居民区睦邻点", "李建华", 3),
    ("tsxc", "天山星城睦邻中心", "天山星城睦邻中心一楼", "王海燕", 4),
    ("hj9", "虹九居民区学习室", "虹九居民区党群服务站", "赵国强", 2),  # short of volunteers: a warning
]
COURSES = [
    ("de", "爱国教育", "红色故事、国旗下的讲话"), ("de", "安全教育", "防溺水、交通安全、防诈骗"),
    ("de", "文明礼仪", "社区小主人"),
    ("zhi", "理财课程", "认识人民币、小小预算师"), ("zhi", "科学小实验", "身边的科学"),
    ("zhi", "趣味数学", "数独与思维游戏"),
    ("ti", "跳绳", "花样跳绳"), ("ti", "篮球", "运球与传球"), ("ti", "武术操", "强身健体"),
    ("mei", "艺术欣赏", "名画里的故事"), ("mei", "书法", "硬笔书法"), ("mei", "剪纸", "海派剪纸"),
    ("lao", "垃圾分类", "四分类实践"), ("lao", "小小厨房", "洗菜、包馄饨"), ("lao", "整理收纳", "整理书包与房间"),
    ("optional", "绘本阅读", "社区图书室"), ("optional", "编程启蒙", "图形化编程"), ("optional", "手工制作", "纸艺与模型"),
]
SLOTS = [(dt.time(9, 0), dt.time(10, 30)), (dt.time(10, 45), dt.time(12, 0)), (dt.time(14, 0), dt.time(15, 30))]
ON = dt.date(2021, 6, 15)  # registration and consent, before opening day


# The epidemic-prevention checklist the demo sites record (typed text, the demo town's data).
CHECK_ITEMS = {
    "site": ["教室通风消毒", "卫生间清洁消毒", "体温检测点设置"],
    "supplies": ["口罩、消毒液、体温计储备", "隔离观察室物资"],
    "staff": ["工作人员健康码、行程码查验", "工作人员每日体温"],
    "rules": ["晨午检制度上墙", "家长接送告知书"],
    "procedures": ["发热儿童处置流程", "应急联络人及电话"],
}


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value)


def _weekdays(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def _age(person: Person) -> int:
    return person.age(ON)


def _guardian_for(rng, child: Person, adults: dict) -> Person:
    existing = GuardianLink.objects.filter(child=child).select_related("guardian").first()
    if existing:
        return existing.guardian
    pool = adults.get(child.neighbourhood_id) or adults[None]
    return pool[rng.randrange(len(pool))]


def load(town, stdout) -> None:
    if Year.objects.filter(town=town, year=2021, sites__offerings__isnull=False).exists():
        stdout.write("daycare: 2021 already loaded")
        return
    with transaction.atomic():
        _load(town, stdout)


def _load(town, stdout) -> None:
    rng = random.Random(20210705)
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    year = services_running.create_year(admin, town, 2021, "2021年新泾镇爱心暑托班")
    terms = [services_running.create_term(admin, year, number=n, starts_on=s, ends_on=e) for n, s, e in TERMS]
    nbhs = {n.code: n for n in Neighbourhood.objects.filter(town=town)}
    sites = []
    for code, name, address, head, _volunteers in SITES:
        sites.append(services_running.create_site(admin, year, name=name, neighbourhood=nbhs[code], address=address,
                                                  head_name=head))
    offerings = {(s.pk, t.number): services_running.create_offering(admin, s, t, capacity=35, fee=Decimal("600.00"),
                                                                      opens_at=_aware(OPENS_AT))
                 for s in sites for t in terms}
    site_head = User.objects.filter(username="site_head").first()
    if site_head:
        services_running.assign_site_head(admin, sites[0], site_head)
    courses = [services_running.create_course(admin, year, name=n, category=c, description=d) for c, n, d in COURSES]

    # Children aged 6-11 at the start of term 1, and a guardian for each (an adult with a phone).
    people = list(Person.objects.filter(town=town, birth_date__isnull=False).order_by("pk"))
    parent_user = User.objects.filter(username="parent").first()
    parent = Person.objects.filter(account=parent_user).first() if parent_user else None
    children = [p for p in people if 6 <= _age(p) <= 11 and p.account_id is None]
    adults: dict = {None: []}
    for p in people:
        if 28 <= _age(p) <= 50 and p.phone and p.account_id is None:
            adults.setdefault(p.neighbourhood_id, []).append(p)
            adults[None].append(p)

    # The demo parent's child: an 8-year-old of 新泾, enrolled at 新泾 in term 1.
    parent_child = None
    if parent is not None:
        parent_child = next((p for p in children if _age(p) == 8 and p.neighbourhood_id == parent.neighbourhood_id),
                            None) or next(p for p in children if _age(p) == 8)
        children.remove(parent_child)
        children.insert(0, parent_child)

    registered = []
    for person in children:
        guardian = parent if person == parent_child else _guardian_for(rng, person, adults)
        child = services.register_child(
            admin, guardian, name=person.name, school=rng.choice(["新泾镇第一小学", "新泾第二小学", "天山第一小学", "虹桥小学"]),
            grade=min(max(_age(person) - 5, 1), 5), id_number=person.id_number,
            relation=rng.choice(["father", "mother", "mother", "grandparent"]), consent=True,
            on=ON)
        registered.append((child, guardian))

    # Opening morning: 新泾 term 1 is the popular one (a waiting list); the rest spread out.
    xj1 = offerings[(sites[0].pk, 1)]
    queue: list[tuple[Offering, object, object]] = []
    for i, (child, guardian) in enumerate(registered):
        home = next((s for s in sites if s.neighbourhood_id == child.person.neighbourhood_id), None)
        if i < 46:
            queue.append((xj1, child, guardian))
        elif rng.random() < 0.85:
            site = home or rng.choice(sites[1:])
            queue.append((offerings[(site.pk, 1)], child, guardian))
        if i >= 10 and rng.random() < 0.55:
            site = home or rng.choice(sites)
            queue.append((offerings[(site.pk, 2)], child, guardian))
    opened = _aware(OPENS_AT)
    for n, (offering, child, guardian) in enumerate(queue):
        services.take_place(admin, offering.pk, child.pk, guardian=guardian, now=opened + dt.timedelta(seconds=3 + n * 2))
    # Two families withdraw from 新泾 term 1: the first two waiting children move up.
    for enrolment in list(Enrolment.objects.filter(offering=xj1, status=Enrolment.CONFIRMED)
                          .exclude(child__person=parent_child).order_by("-pk")[:2]):
        services.cancel_enrolment(admin, enrolment, "家长另有安排")
    withdrawn = _aware(dt.datetime(2021, 6, 25, 10, 0))  # the demo happens in 2021, not today
    Enrolment.objects.filter(offering=xj1, status=Enrolment.CANCELLED).update(cancelled_at=withdrawn)
    Enrolment.objects.filter(offering=xj1, status=Enrolment.CONFIRMED, position__isnull=False).update(
        confirmed_at=withdrawn)

    _running(rng, admin, site_head, sites, terms, offerings, courses)
    stdout.write(f"daycare: 2021, {len(sites)} sites, {len(offerings)} offerings, {len(registered)} children, "
                 f"{Enrolment.objects.filter(offering__site__year=year).count()} enrolments")


def _running(rng, admin, site_head, sites, terms, offerings, courses) -> None:
    by_cat: dict = {}
    for c in courses:
        by_cat.setdefault(c.category, []).append(c)
    cats = ["de", "zhi", "ti", "mei", "lao", "optional"]
    lessons = []
    for offering in offerings.values():
        for d_index, day in enumerate(_weekdays(offering.term.starts_on, offering.term.ends_on)):
            for s_index, (start, end) in enumerate(SLOTS):
                cat = cats[(d_index * 3 + s_index) % len(cats)]
                course = by_cat[cat][(d_index + s_index) % len(by_cat[cat])]
                lessons.append(Lesson(offering=offering, course=course, date=day, starts_at=start, ends_at=end,
                                      teacher=rng.choice(["张老师", "李老师", "王老师", "志愿者"])))
    Lesson.objects.bulk_create(lessons)

    for (_code, _name, _address, head, volunteers), site in zip(SITES, sites, strict=True):
        staff = [StaffMember(site=site, name=head, role="head_teacher")]
        staff += [StaffMember(site=site, name=f"{site.neighbourhood.name}带班老师{i + 1}", role="head_teacher")
                  for i in range(2)]
        staff += [StaffMember(site=site, name=f"{site.neighbourhood.name}志愿者{i + 1}", role="volunteer")
                  for i in range(volunteers)]
        staff += [StaffMember(site=site, name=f"{site.neighbourhood.name}保安{i + 1}", role="security") for i in range(2)]
        StaffMember.objects.bulk_create(staff)
        checker = site_head if (site_head and site == sites[0]) else admin
        for area, items in CHECK_ITEMS.items():
            for item in items:
                services_running.record_check(checker, site, area=area, item=item, ok=True,
                                              checked_at=_aware(dt.datetime(2021, 7, 2, 15, 0)))

    # Term 1 ran in full: arrival checks, pick-up, ceremonies. Term 2: the opening only.
    arrivals = []
    for offering in offerings.values():
        confirmed = list(offering.enrolments.filter(status=Enrolment.CONFIRMED).select_related("guardian"))
        services_running.record_ceremony(admin, offering, kind=Ceremony.OPENING, held_on=offering.term.starts_on,
                                         attendees=len(confirmed) + 12, programme="升国旗、开班第一课：安全教育")
        if offering.term.number != 1:
            continue
        for day in _weekdays(offering.term.starts_on, offering.term.ends_on):
            for e in confirmed:
                if e.confirmed_at and timezone.localtime(e.confirmed_at).date() > day:
                    continue
                present = rng.random() < 0.95
                arrivals.append(Arrival(
                    enrolment=e, date=day, present=present,
                    temperature=Decimal(f"36.{rng.randrange(1, 9)}") if present else None,
                    arrived_at=dt.time(8, rng.randrange(0, 30)) if present else None,
                    picked_up_by=e.guardian.name if present else "",
                    picked_up_at=dt.time(17, rng.randrange(0, 40)) if present else None,
                    note="" if present else "病假", recorded_by=site_head if offering.site == sites[0] else admin))
        services_running.record_ceremony(
            admin, offering, kind=Ceremony.CLOSING, held_on=offering.term.ends_on, attendees=len(confirmed) + 20,
            programme="结业仪式：才艺展示、颁发结业证书、家长代表发言")
    Arrival.objects.bulk_create(arrivals, batch_size=1000)
    log_action(admin, "daycare.demo.attendance", sites[0].year, {"arrivals": len(arrivals)})



