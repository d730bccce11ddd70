"""The eligibility engine, table-driven over every boundary in docs/domain.md (GB 18467)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import override_settings

from lehuo.blood.eligibility import PLATELETS, WHOLE, Facts, add_months, check_plausible, evaluate
from lehuo.platform.errors import ServiceError

ON = dt.date(2021, 7, 28)
PAST = [(dt.date(2020, 7, 22), WHOLE)]  # a repeat donor's earlier donation


def born(age: int) -> dt.date:
    """Birth date making the person exactly ``age`` on ON (birthday today)."""
    return ON.replace(year=ON.year - age)


def facts(**over) -> Facts:
    age = over.pop("age", 30)
    repeat = over.pop("repeat", False)
    base = dict(on=ON, birth_date=born(age), sex="M", weight_kg=D("60"), systolic=D("120"), diastolic=D("80"),
                pulse=D("72"), temperature_c=D("36.6"), haemoglobin_g_l=None,
                history=list(PAST) if repeat else [])
    if "age_17" in over:
        over.pop("age_17")
        base["birth_date"] = born(18) + dt.timedelta(days=1)  # 18 tomorrow
    base.update(over)
    return Facts(**base)


CASES = [
    # age: first-time 18-55, repeat donor up to 60
    ("age 17 first-time", dict(age_17=True), ["age_too_young"]),
    ("age 18 first-time", dict(age=18), []),
    ("age 55 first-time", dict(age=55), []),
    ("age 56 first-time", dict(age=56), ["age_too_old"]),
    ("age 17 repeat", dict(age_17=True, repeat=True), ["age_too_young"]),
    ("age 18 repeat", dict(age=18, repeat=True), []),
    ("age 55 repeat", dict(age=55, repeat=True), []),
    ("age 56 repeat", dict(age=56, repeat=True), []),
    ("age 60 repeat", dict(age=60, repeat=True), []),
    ("age 61 repeat", dict(age=61, repeat=True), ["age_too_old"]),
    ("age 56 repeat with adverse reaction", dict(age=56, repeat=True, adverse_reaction=True), ["age_too_old"]),
    # weight by sex
    ("man 49.9 kg", dict(weight_kg=D("49.9")), ["weight_low"]),
    ("man 50 kg", dict(weight_kg=D("50")), []),
    ("woman 44.9 kg", dict(sex="F", weight_kg=D("44.9")), ["weight_low"]),
    ("woman 45 kg", dict(sex="F", weight_kg=D("45")), []),
    # blood pressure: 90 <= sys < 140, 60 <= dia < 90, pulse pressure >= 30
    ("systolic 89", dict(systolic=D("89"), diastolic=D("59")), ["systolic", "diastolic"]),
    ("systolic 90", dict(systolic=D("90"), diastolic=D("60")), []),
    ("systolic 139", dict(systolic=D("139")), []),
    ("systolic 140", dict(systolic=D("140")), ["systolic"]),
    ("diastolic 59", dict(diastolic=D("59")), ["diastolic"]),
    ("diastolic 60", dict(diastolic=D("60")), []),
    ("diastolic 89", dict(systolic=D("125"), diastolic=D("89")), []),
    ("diastolic 90", dict(systolic=D("125"), diastolic=D("90")), ["diastolic"]),
    ("pulse pressure 29", dict(systolic=D("100"), diastolic=D("71")), ["pulse_pressure"]),
    ("pulse pressure 30", dict(systolic=D("100"), diastolic=D("70")), []),
    # pulse 60-100, 50 for endurance athletes
    ("pulse 59", dict(pulse=D("59")), ["pulse"]),
    ("pulse 60", dict(pulse=D("60")), []),
    ("pulse 100", dict(pulse=D("100")), []),
    ("pulse 101", dict(pulse=D("101")), ["pulse"]),
    ("athlete pulse 50", dict(pulse=D("50"), endurance_athlete=True), []),
    ("athlete pulse 49", dict(pulse=D("49"), endurance_athlete=True), ["pulse"]),
    # temperature <= 37.3
    ("temperature 37.3", dict(temperature_c=D("37.3")), []),
    ("temperature 37.4", dict(temperature_c=D("37.4")), ["temperature"]),
    # haemoglobin when measured: men >= 120, women >= 115
    ("man Hb 119", dict(haemoglobin_g_l=D("119")), ["haemoglobin"]),
    ("man Hb 120", dict(haemoglobin_g_l=D("120")), []),
    ("woman Hb 114", dict(sex="F", haemoglobin_g_l=D("114")), ["haemoglobin"]),
    ("woman Hb 115", dict(sex="F", haemoglobin_g_l=D("115")), []),
    ("Hb not measured", dict(haemoglobin_g_l=None), []),
    # intervals: whole -> whole 6 calendar months
    ("whole interval one day short", dict(history=[(dt.date(2021, 1, 29), WHOLE)]), ["interval_whole"]),
    ("whole interval on the day", dict(history=[(dt.date(2021, 1, 28), WHOLE)]), []),
    ("platelets -> whole 27 days", dict(history=[(ON - dt.timedelta(days=27), PLATELETS)]), ["interval_platelets_to_whole"]),
    ("platelets -> whole 4 weeks", dict(history=[(ON - dt.timedelta(weeks=4), PLATELETS)]), []),
    ("platelets -> platelets 13 days", dict(kind=PLATELETS, history=[(ON - dt.timedelta(days=13), PLATELETS)]),
     ["interval_platelets"]),
    ("platelets -> platelets 2 weeks", dict(kind=PLATELETS, history=[(ON - dt.timedelta(weeks=2), PLATELETS)]), []),
    ("whole -> platelets one day short", dict(kind=PLATELETS, history=[(dt.date(2021, 4, 29), WHOLE)]),
     ["interval_whole_to_platelets"]),
    ("whole -> platelets 3 months", dict(kind=PLATELETS, history=[(dt.date(2021, 4, 28), WHOLE)]), []),
    ("24 platelet donations in a year", dict(kind=PLATELETS, history=[(ON - dt.timedelta(days=15 * i), PLATELETS)
                                                                       for i in range(1, 25)]), ["platelets_per_year"]),
    ("23 platelet donations in a year", dict(kind=PLATELETS, history=[(ON - dt.timedelta(days=15 * i), PLATELETS)
                                                                       for i in range(1, 24)]), []),
    # deferrals
    ("deferral ends tomorrow", dict(deferrals=[(ON + dt.timedelta(days=1), "cold", "感冒")]), ["deferral_cold"]),
    ("deferral ends today", dict(deferrals=[(ON, "cold", "感冒")]), []),
    # per-drive extra checks
    ("health code not green", dict(required_checks={"health_code": "健康码绿码"}, checks={"health_code": False}),
     ["check_health_code"]),
    ("health code green", dict(required_checks={"health_code": "健康码绿码"}, checks={"health_code": True}), []),
]


@pytest.mark.parametrize("case, over, expected", CASES, ids=[c[0] for c in CASES])
def test_eligibility_boundary(case, over, expected):
    decision = evaluate(facts(**over))
    assert decision.codes == expected
    assert decision.eligible == (not expected)
    assert all(r.message for r in decision.reasons)


def test_every_failing_reason_is_returned_with_latest_date():
    decision = evaluate(facts(weight_kg=D("40"), systolic=D("150"), temperature_c=D("38"),
                              history=[(dt.date(2021, 3, 1), WHOLE)],
                              deferrals=[(dt.date(2022, 5, 1), "tattoo", "纹身")]))
    assert decision.codes == ["weight_low", "systolic", "temperature", "interval_whole", "deferral_tattoo"]
    assert decision.eligible_on == dt.date(2022, 5, 1)
    assert not decision.permanent


def test_interval_gives_the_date_eligible_again():
    decision = evaluate(facts(history=[(dt.date(2021, 3, 31), WHOLE)]))
    assert decision.eligible_on == dt.date(2021, 9, 30)


def test_too_old_is_permanent_without_a_date():
    decision = evaluate(facts(age=61, repeat=True))
    assert decision.permanent and decision.eligible_on is None


def test_too_young_eligible_on_eighteenth_birthday():
    decision = evaluate(facts(age_17=True))
    assert decision.eligible_on == ON + dt.timedelta(days=1)


def test_eligible_person_is_eligible_today():
    assert evaluate(facts()).eligible_on == ON


def test_add_months_clamps_the_day():
    assert add_months(dt.date(2021, 8, 31), 6) == dt.date(2022, 2, 28)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2021, 11, 15), 3) == dt.date(2022, 2, 15)


def test_limits_come_from_settings():
    from django.conf import settings

    draft = {**settings.LEHUO_RULES, "blood": {**settings.LEHUO_RULES["blood"], "max_age_repeat": 65}}
    with override_settings(LEHUO_RULES=draft):
        assert evaluate(facts(age=64, repeat=True)).eligible
    assert not evaluate(facts(age=64, repeat=True)).eligible


@pytest.mark.parametrize("field, value", [("weight_kg", 0), ("weight_kg", 500), ("temperature_c", 45),
                                          ("systolic", 20), ("pulse", "abc"), ("diastolic", None)])
def test_implausible_input_is_an_error_naming_the_field(field, value):
    values = {"weight_kg": 60, "systolic": 120, "diastolic": 80, "pulse": 70, "temperature_c": "36.5"}
    values[field] = value
    with pytest.raises(ServiceError) as err:
        check_plausible(values)
    assert err.value.field == field
