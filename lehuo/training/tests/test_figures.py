import datetime as dt
from decimal import Decimal

import pytest

from lehuo.platform import figures
from lehuo.training import services

pytestmark = pytest.mark.django_db


def test_live_figures_of_a_cohort(make_cohort, make_person, town_admin, instructor, hj9):
    cohort = make_cohort(number=3, slug="xinjing-studio-3", starts_on=dt.date(2021, 8, 10), ends_on=dt.date(2022, 2, 9),
                         instructor=instructor)
    a, b = make_person(), make_person(hj9)
    for p in (a, b):
        services.enrol(town_admin, cohort, p)
    services.record_attendance(instructor, cohort.sessions.first(), [{"person_id": a.pk, "status": "present"},
                                                                    {"person_id": b.pk, "status": "absent"}])
    f = figures.resolve
    assert f("training:xinjing-studio-3:sessions") == 48
    assert f("training:xinjing-studio-3:holidays_skipped") == 5
    assert f("training:xinjing-studio-3:starts_on_cn") == "8月10日"
    assert f("training:xinjing-studio-3:starts_on_full_cn") == "2021年8月10日"
    assert f("training:xinjing-studio-3:weekdays") == "周二、周五"
    assert f("training:xinjing-studio-3:weekdays_cn") == "每周二、周五"
    # in the order the neighbourhoods' first students enrolled (a from 绿十一, then b from 虹九)
    assert f("training:xinjing-studio-3:neighbourhoods_cn") == "绿十一、虹九"
    assert f("training:xinjing-studio-3:neighbourhood_count") == 2
    assert f("training:xinjing-studio-3:enrolled") == 2
    assert f("training:xinjing-studio-3:neighbourhoods") == 2
    assert f("training:xinjing-studio-3:by_neighbourhood.虹九") == 1
    assert f("training:xinjing-studio-3:attendance_rate") == Decimal("50.0")
    assert f("training:xinjing-studio-3:philosophy") == "育人才 强自治 创特色"
    with pytest.raises(figures.FigureError):
        f("training:no-such-cohort:sessions")
    with pytest.raises(figures.FigureError):
        f("training:xinjing-studio-3:nonsense")
