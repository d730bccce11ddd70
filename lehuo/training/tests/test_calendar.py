import datetime as dt

import pytest

from lehuo.platform.errors import ServiceError
from lehuo.training import demo, services
from lehuo.training.models import HolidayOverride, Session

pytestmark = pytest.mark.django_db

DEMO_HOLIDAYS = [dt.date(2021, 9, 21), dt.date(2021, 10, 1), dt.date(2021, 10, 5), dt.date(2022, 2, 1),
                 dt.date(2022, 2, 4)]


def _all_weekdays(start, end, weekdays):
    day, out = start, []
    while day <= end:
        if day.isoweekday() in weekdays:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def test_demo_calendar_skips_exactly_the_holidays_in_range(make_cohort):
    cohort = make_cohort(number=3, starts_on=demo.STARTS, ends_on=demo.ENDS, weekdays=(2, 5))
    dates = list(cohort.sessions.values_list("date", flat=True))
    every = _all_weekdays(demo.STARTS, demo.ENDS, {2, 5})
    assert sorted(set(every) - set(dates)) == DEMO_HOLIDAYS
    assert len(dates) == len(every) - 5 == 48
    assert [d for d, _ in services.plan_sessions(demo.STARTS, demo.ENDS, [2, 5]).skipped] == DEMO_HOLIDAYS
    assert cohort.calendar_warning == ""
    assert dates[0] == dt.date(2021, 8, 10) and dates[-1] == dt.date(2022, 2, 8)


def test_skipped_holidays_are_named(make_cohort):
    cohort = make_cohort(starts_on=demo.STARTS, ends_on=demo.ENDS)
    names = dict((dt.date.fromisoformat(s["date"]), s["name"]) for s in cohort.summary["skipped"])
    assert names[dt.date(2021, 9, 21)] == "中秋节"
    assert names[dt.date(2021, 10, 1)] == "国庆节"
    assert names[dt.date(2022, 2, 4)] == "春节"


def test_year_outside_library_warns_and_uses_overrides(make_cohort):
    HolidayOverride.objects.create(date=dt.date(2031, 10, 3), is_holiday=True, name="国庆节")
    cohort = make_cohort(starts_on=dt.date(2031, 9, 1), ends_on=dt.date(2031, 10, 31), weekdays=(5,))
    dates = set(cohort.sessions.values_list("date", flat=True))
    assert dt.date(2031, 10, 3) not in dates  # the override decides
    assert dt.date(2031, 10, 10) in dates
    assert "2031" in cohort.calendar_warning and "节假日调整" in cohort.calendar_warning
    assert "2031" in cohort.summary["warning"]


def test_cohort_spanning_known_and_unknown_years(make_cohort):
    cohort = make_cohort(starts_on=dt.date(2030, 12, 1), ends_on=dt.date(2031, 1, 31), weekdays=(3,))
    assert cohort.sessions.exists()
    assert "2030" in cohort.calendar_warning and "2031" in cohort.calendar_warning


def test_override_can_make_a_library_holiday_a_working_day(make_cohort):
    HolidayOverride.objects.create(date=dt.date(2021, 9, 21), is_holiday=False, name="本镇调整")
    cohort = make_cohort(starts_on=dt.date(2021, 9, 14), ends_on=dt.date(2021, 9, 28), weekdays=(2,))
    assert dt.date(2021, 9, 21) in set(cohort.sessions.values_list("date", flat=True))


def test_topics_rotate_through_the_programme(make_cohort):
    cohort = make_cohort(starts_on=dt.date(2021, 8, 10), ends_on=dt.date(2021, 8, 20))
    assert list(cohort.sessions.values_list("topic", flat=True)) == ["社区治理", "居民自治", "社区治理", "居民自治"]


@pytest.mark.parametrize("start, end, weekdays, field, text", [
    (dt.date(2021, 9, 1), dt.date(2021, 8, 1), [2], "ends_on", "早于开始日期"),
    (dt.date(2021, 8, 1), dt.date(2021, 9, 1), [], "weekdays", "至少选择一个上课日"),
    (dt.date(2021, 8, 1), dt.date(2021, 9, 1), [2, 8], "weekdays", "1-7"),
    (dt.date(2021, 8, 1), dt.date(2021, 9, 1), [0], "weekdays", "1-7"),
    (dt.date(2021, 8, 1), dt.date(2021, 9, 1), ["周二"], "weekdays", "1-7"),
    (dt.date(2021, 1, 1), dt.date(2023, 1, 3), [2], "ends_on", "两年"),
])
def test_bad_schedule_is_refused_clearly(make_cohort, start, end, weekdays, field, text):
    with pytest.raises(ServiceError) as exc:
        make_cohort(starts_on=start, ends_on=end, weekdays=weekdays)
    assert exc.value.field == field
    assert text in exc.value.message
    assert not Session.objects.exists()


def test_exactly_two_years_is_allowed(make_cohort):
    cohort = make_cohort(starts_on=dt.date(2021, 1, 1), ends_on=dt.date(2023, 1, 1), weekdays=(1,))
    assert cohort.sessions.count() == 92  # 105 Mondays less the statutory holidays on Mondays
