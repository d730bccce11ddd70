import datetime as dt

import pytest

from lehuo.blood import services

GOOD = {"weight_kg": "60", "systolic": 120, "diastolic": 80, "pulse": 72, "temperature_c": "36.6"}


@pytest.fixture
def drive(town, town_admin, blood_staff):
    d = services.create_drive(town_admin, town, slug="d-today", title="今日献血", date=dt.date.today(),
                              venue="党群服务中心", extra_checks=["health_code"], time_slots=["上午", "下午"])
    services.assign_staff(town_admin, d, blood_staff)
    return d


@pytest.fixture
def donor(make_person):
    return make_person(age=30, sex="M")


@pytest.fixture
def passed(drive, donor, blood_staff):
    """``donor`` screened and passed today at ``drive``."""
    screening, decision = services.screen_donor(blood_staff, drive, donor, checks={"health_code": True}, **GOOD)
    assert decision.eligible, decision.reasons
    return screening
