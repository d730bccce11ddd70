import datetime as dt
import io

import pytest

from lehuo.people.demo import load_core
from lehuo.training import demo
from lehuo.training.models import Attendance, Certificate, Cohort, Enrolment, Session

pytestmark = pytest.mark.django_db


def test_demo_cohort(settings):
    out = io.StringIO()
    town = load_core(out, residents=400)
    demo.load(town, out)
    cohort = Cohort.objects.get(slug="xinjing-studio-3")
    assert (cohort.number, cohort.starts_on, cohort.ends_on, cohort.weekdays) == (3, dt.date(2021, 8, 10), dt.date(2022, 2, 9), [2, 5])
    assert cohort.programme.studio.leader_name == "张龙云" and cohort.programme.studio.philosophy == "育人才 强自治 创特色"
    assert cohort.programme.topics == ["社区治理", "居民自治", "三精四量三不可工作法"]
    assert cohort.instructor.username == "instructor" and cohort.instructor.first_name == "张龙云"
    assert cohort.programme.studio.leader.neighbourhood.name == "淮阴"
    dates = set(cohort.sessions.values_list("date", flat=True))
    for holiday in (dt.date(2021, 9, 21), dt.date(2021, 10, 1), dt.date(2021, 10, 5), dt.date(2022, 2, 1), dt.date(2022, 2, 4)):
        assert holiday not in dates
    assert len(dates) == 48
    neighbourhoods = set(Enrolment.objects.filter(cohort=cohort).values_list("neighbourhood__code", flat=True))
    assert neighbourhoods == {"lv11", "tsxc", "sl", "hj9"}
    assert not Enrolment.objects.filter(cohort=cohort).exclude(person__tags__name="社工").exists()
    assert cohort.sessions.filter(status=Session.HELD).count() == 48
    rate = Attendance.objects.filter(status__in=Attendance.ATTENDED).count() / Attendance.objects.count()
    assert 0.8 < rate < 0.97
    assert Certificate.objects.exists()
    # idempotent
    demo.load(town, out)
    assert Cohort.objects.count() == 1 and Certificate.objects.count() == Certificate.objects.count()
