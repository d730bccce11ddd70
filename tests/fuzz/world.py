"""The records the schema fuzzer aims at: one of each kind an API path or body names by id,
made through the services (a model is created directly only where no service makes it, as the
modules' own test fixtures do)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from lehuo.accounts.models import Assignment
from lehuo.blood import services as blood
from lehuo.daycare import services as daycare
from lehuo.daycare import services_running
from lehuo.daycare.models import Site, Term, Year
from lehuo.donations import services as donations
from lehuo.newsletter import services as newsletter
from lehuo.people import services as core
from lehuo.training import services as training
from lehuo.training.models import Programme, Studio
from lehuo.visits import services as visits

GOOD_SCREENING = {"weight_kg": "60", "systolic": 120, "diastolic": 80, "pulse": 72, "temperature_c": "36.6"}


def build(*, town, lv11, hj9, admin, instructor, make_person) -> dict:
    """Ids by the names the schema gives them (``person_id``, ``drive_id``...); ``drive_id`` and
    ``donation_id`` name two kinds of record, told apart by the path (see ``ids_for``)."""
    person = make_person(lv11, age=35, sex="F")
    make_person(hj9, age=52, sex="M")
    # The town admin is also a parent in 绿十一: the resident-facing day-care paths then answer
    # with records instead of "no Person linked to this account".
    person.account = admin
    person.save(update_fields=["account"])
    org = core.create_organisation(admin, town, name="新泾中学", kind="school", neighbourhood=lv11)

    studio = Studio.objects.create(town=town, name="零距离工作室", leader_name="张龙云")
    programme = Programme.objects.create(studio=studio, title="社区工作者能力提升", topics=["社区治理"])
    cohort, _summary = training.create_cohort(admin, programme, number=1, starts_on=dt.date(2021, 8, 10),
                                              ends_on=dt.date(2021, 9, 30), weekdays=[2, 5], instructor=instructor)
    training.enrol(admin, cohort, person, on=dt.date(2021, 8, 1))
    session = cohort.sessions.order_by("date").first()

    drive = donations.create_drive(admin, town, slug="henan-flood-2021", title="驰援河南防汛救灾专项行动",
                                   organiser=org, starts_on=dt.date(2021, 7, 21), ends_on=dt.date(2021, 8, 31))
    gift, _created = donations.record_donation(admin, drive, amount="100.00", channel="offline",
                                               received_on=dt.date(2021, 7, 25), person=person)

    today = timezone.localdate()
    blood_drive = blood.create_drive(admin, town, slug="d-today", title="今日献血", date=today, venue="党群服务中心",
                                     time_slots=["上午", "下午"])
    signup = blood.sign_up(admin, blood_drive, person, time_slot="上午")
    screening, _decision = blood.screen_donor(admin, blood_drive, person, **GOOD_SCREENING)
    blood_gift = blood.record_donation(admin, blood_drive, person, volume_ml=300)

    year = Year.objects.create(town=town, year=2021, title="2021年爱心暑托班")
    term = Term.objects.create(year=year, number=1, starts_on=dt.date(2021, 7, 5), ends_on=dt.date(2021, 7, 23))
    site = Site.objects.create(year=year, name="绿十一活动室", address="绿十一居民区", neighbourhood=lv11)
    Assignment.objects.create(user=admin, content_type=ContentType.objects.get_for_model(Site), object_id=site.pk,
                              duty="办班点负责人")
    offering = services_running.create_offering(admin, site, term, capacity=20,
                                                opens_at=timezone.make_aware(dt.datetime(2021, 6, 20, 9, 0)))
    child = daycare.register_child(admin, person, name="王小明", school="新泾镇第一小学", grade=2,
                                   birth_date=dt.date(2013, 3, 1), relation="mother", consent=True,
                                   on=term.starts_on)
    placed = daycare.take_place(admin, offering.pk, child.pk, guardian=person,
                                now=offering.opens_at + dt.timedelta(minutes=1))

    issue = newsletter.create_issue_in_town(admin, town, number=8, date=dt.date(2021, 8, 20), slug="2021-08")
    article = newsletter.save_article(admin, issue, None, column=issue.publication.columns.first(),
                                      title="这群新泾人为河南献上真挚爱心", body="共有[[donations:henan-flood-2021:people]]人参与捐款。")

    honour = visits.record_honour(admin, person, title="全国劳动模范", achieved_on=dt.date(2021, 4, 30))
    visit = visits.record_visit(admin, person, date=dt.date(2021, 5, 1), visitors=[("镇党委书记", "李明")],
                                purpose="congratulate", honour=honour)

    return {
        "person_id": person.pk, "org_id": org.pk, "organisation_id": org.pk, "organiser_id": org.pk,
        "neighbourhood_id": lv11.pk, "programme": programme.pk, "cohort_id": cohort.pk, "session_id": session.pk,
        "instructor_id": instructor.pk, "donation_drive": drive.pk, "donation": gift.pk,
        "blood_drive": blood_drive.pk, "blood_donation": blood_gift.pk, "signup_id": signup.pk,
        "screening_id": screening.pk, "site_id": site.pk, "term_id": term.pk, "offering_id": offering.pk,
        "child_id": child.pk, "enrolment_id": placed.id, "year": year.year, "issue_id": issue.pk,
        "article_id": article.pk, "honour_id": honour.pk, "slug": visit.slug,
    }


def ids_for(path: str, ids: dict) -> dict:
    """The world's ids as one operation names them."""
    out = dict(ids)
    out["drive_id"] = ids["blood_drive"] if path.startswith("/api/v1/blood-drives/") else ids["donation_drive"]
    out["donation_id"] = ids["blood_donation"] if path.startswith("/api/v1/blood-donations/") else ids["donation"]
    return out
