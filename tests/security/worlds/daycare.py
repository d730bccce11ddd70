"""Day-care records: a 2026 programme with a site in each neighbourhood (A 绿十一, run by the
``site_head`` persona; B 虹九, assigned to no one), an offering at each, an enrolment of each
family's child (A: the resident persona's), and a guardian's pending claim in each family."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from lehuo.accounts.models import Assignment
from lehuo.daycare import services, services_running
from lehuo.daycare.models import ChildClaim, Site


def _child(world, guardian, name: str):
    return services.register_child(world.admin, guardian, name=name, school="新泾镇第一小学", grade=2,
                                   birth_date=dt.date(2018, 3, 1), relation="mother", consent=True,
                                   on=dt.date(2026, 7, 6))


def build(world) -> None:
    admin = world.admin
    year = services_running.create_year(admin, world.town, 2026, default_terms=True)
    term = year.terms.order_by("number").first()
    site_a = services_running.create_site(admin, year, name="绿十一活动室", neighbourhood=world.lv11, address="绿十一居民区")
    site_b = services_running.create_site(admin, year, name="虹九活动室", neighbourhood=world.hj9)
    Assignment.objects.create(user=world.users["site_head"], content_type=ContentType.objects.get_for_model(Site),
                              object_id=site_a.pk, duty="办班点负责人")
    opens = timezone.make_aware(dt.datetime(2026, 6, 20, 9, 0))
    offering_a = services_running.create_offering(admin, site_a, term, capacity=30, opens_at=opens)
    offering_b = services_running.create_offering(admin, site_b, term, capacity=30, opens_at=opens)
    world.add("daycare.Site", site_a, site_b)
    world.add("daycare.Offering", offering_a, offering_b)

    if not world.other_parent.phone:
        raise AssertionError("the other family's guardian needs a phone")
    child_a = _child(world, world.parent_person, "王小乐")
    child_b = _child(world, world.other_parent, "赵小宝")
    enrolled_at = opens + dt.timedelta(minutes=1)
    a = services.take_place(admin, offering_a.pk, child_a.pk, guardian=world.parent_person, now=enrolled_at)
    b = services.take_place(admin, offering_b.pk, child_b.pk, guardian=world.other_parent, now=enrolled_at)
    from lehuo.daycare.models import Enrolment

    world.add("daycare.Enrolment", Enrolment.objects.get(pk=a.id), Enrolment.objects.get(pk=b.id))
    claims = [ChildClaim.objects.create(guardian=g, name=n, birth_date=dt.date(2019, 5, 1), school="新泾小学", grade=1,
                                        relation="father", consent_on=dt.date(2026, 6, 1))
              for g, n in ((world.parent_person, "王小安"), (world.other_parent, "赵小安"))]
    world.add("daycare.ChildClaim", *claims)
    world.daycare_child = child_a
    world.bodies.update({
        "POST /api/v1/daycare/offerings/{offering_id}/enrolments": {"child_id": child_a.pk},
        "daycare:my_enrol": {"child": child_a.pk, "key": "matrix-key"},
        "POST /api/v1/daycare/children": {"child": {"name": "矩阵孩子", "birth_date": "2019-03-01", "grade": 1,
                                                    "school": "新泾小学"}, "relation": "mother", "consent": True},
        "POST /api/v1/daycare/offerings": {"site_id": site_a.pk, "term_id": year.terms.order_by("number").last().pk,
                                           "capacity": 20, "opens_at": "2026-06-21T09:00:00+08:00"},
        "POST /api/v1/daycare/enrolments/{enrolment_id}/cancel": {"reason": "矩阵"},
        "daycare:site_check": {"area": "site", "item": "教室通风消毒", "ok": "1"},
        "daycare:site_staff": {"name": "矩阵志愿者", "role": "volunteer"},
        "daycare:claim_decide": {"decision": "reject"},
        "daycare:my_enrolment_cancel": {"reason": "矩阵"},
        "daycare:enrolment_cancel": {"reason": "矩阵"},
    })
