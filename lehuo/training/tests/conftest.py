import datetime as dt

import pytest

from lehuo.training import services
from lehuo.training.models import Programme, Studio


@pytest.fixture
def programme(town):
    studio = Studio.objects.create(town=town, name="零距离工作室", leader_name="张龙云", philosophy="育人才 强自治 创特色")
    return Programme.objects.create(studio=studio, title="社区工作者能力提升", topics=["社区治理", "居民自治"])


@pytest.fixture
def make_cohort(programme, town_admin):
    def factory(number=1, starts_on=dt.date(2021, 8, 10), ends_on=dt.date(2021, 9, 30), weekdays=(2, 5), **kwargs):
        cohort, summary = services.create_cohort(town_admin, programme, number=number, starts_on=starts_on,
                                                 ends_on=ends_on, weekdays=list(weekdays), **kwargs)
        cohort.summary = summary
        return cohort

    return factory


@pytest.fixture
def cohort(make_cohort, instructor):
    return make_cohort(number=3, instructor=instructor)
