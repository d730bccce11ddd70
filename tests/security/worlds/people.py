"""The register's records: people, consents, organisations, tags, a job; the town itself."""

import datetime as dt

from django.contrib.auth import get_user_model

from lehuo.people import services
from lehuo.people.demo import make_id_number
from lehuo.platform.models import Job


def _person(world, nbh, name, seed, birth, sex="F", **extra):
    import random

    return services.create_person(world.admin, world.town, name=name, neighbourhood=nbh,
                                  id_number=make_id_number(random.Random(seed), birth, sex),
                                  phone=f"139{seed:08d}", **extra)


def build(world) -> None:
    town, lv11, hj9 = world.town, world.lv11, world.hj9
    for i, name in enumerate(["党员", "学生", "居民", "志愿者"]):
        services.create_tag(world.admin, town, name=name, order=i)
    parent = _person(world, lv11, "王丽华", 1, dt.date(1986, 4, 2))
    parent.account = world.users["parent"]
    parent.save(update_fields=["account"])
    child = _person(world, lv11, "王小明", 2, dt.date(2014, 3, 1), sex="M")
    services.link_guardian(world.admin, child, parent, "mother")
    other_parent = _person(world, hj9, "赵建国", 3, dt.date(1980, 9, 9), sex="M")
    other_child = _person(world, hj9, "赵小雨", 4, dt.date(2013, 6, 1))
    services.link_guardian(world.admin, other_child, other_parent, "father")
    world.parent_person, world.other_parent = parent, other_parent
    # A: the resident persona's family in 绿十一; B: another family in 虹九.
    world.add("people.Person", child, other_child)
    world.add("accounts.Town", town, town)
    world.add("accounts.Neighbourhood", lv11, hj9)
    world.add("people.Consent",
              services.record_consent(world.admin, child, "信息公示", guardian=parent),
              services.record_consent(world.admin, other_child, "信息公示", guardian=other_parent))
    world.add("people.Organisation",
              services.create_organisation(world.admin, town, name="新泾中学", kind="school", neighbourhood=lv11),
              services.create_organisation(world.admin, town, name="虹九物业", kind="employer", neighbourhood=hj9))
    tags = list(town.tags.all()[:2])
    world.add("people.Tag", *tags)
    # Jobs: A is the resident persona's own (as every persona's own would be); B the town admin's.
    world.add("platform.Job",
              Job.objects.create(kind="people.import.check", created_by=world.users["parent"], status=Job.DONE),
              Job.objects.create(kind="people.import.check", created_by=world.admin, status=Job.DONE))
    assert get_user_model().objects.filter(username="parent").exists()
    world.bodies.update(bodies(world))
    build_resident_requests(world)


def bodies(world) -> dict:
    return {
        "POST /api/v1/people": {"name": "矩阵新人", "neighbourhood_id": world.lv11.pk},
        "PATCH /api/v1/people/{person_id}": {"name": "矩阵改名"},
        "POST /api/v1/organisations": {"name": "矩阵单位", "kind": "partner"},
        "POST /api/v1/neighbourhoods": {"code": "mx", "name": "矩阵居民区"},
        "people:consent_add": {"purpose": "矩阵"},
        "people:guardian_add": {"guardian_id_number": "", "relation": "mother"},
    }


def build_resident_requests(world) -> None:
    """Real-name link requests and PIPL requests: A in 绿十一 (the resident persona's own data
    request), B in 虹九."""
    from lehuo.people.models import DataRequest, LinkRequest

    User = get_user_model()
    a_user, b_user = User.objects.create_user("applicant_a"), User.objects.create_user("applicant_b")
    child_a, child_b = world.record("people.Person", "A"), world.record("people.Person", "B")
    world.add("people.LinkRequest",
              LinkRequest.objects.create(town=world.town, neighbourhood=world.lv11, account=a_user, person=child_a,
                                         name_given="王小明", why="no_match"),
              LinkRequest.objects.create(town=world.town, neighbourhood=world.hj9, account=b_user, person=child_b,
                                         name_given="赵小雨", why="no_match"))
    world.add("people.DataRequest",
              DataRequest.objects.create(person=world.parent_person, account=world.users["parent"],
                                         kind="correction", text="住址有误"),
              DataRequest.objects.create(person=world.other_parent, kind="erasure", text="请删除"))
    world.bodies.update({
        "people:link_decide": {"decision": "refuse", "note": "矩阵"},
        "people:data_request_decide": {"decision": "done", "answer": "矩阵"},
        "people:my_data_request": {"kind": "correction", "text": "矩阵"},
    })
