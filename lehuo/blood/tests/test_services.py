"""Screening, donations, deferrals and stem-cell sign-ups through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from lehuo.blood import services
from lehuo.blood.models import Deferral, Donation, Screening, StemCellSignup
from lehuo.people.models import Consent
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog

from .conftest import GOOD

pytestmark = pytest.mark.django_db

RELATIVES = [{"name": "张三", "relation": "父亲", "phone": "13812345678"},
             {"name": "李四", "relation": "配偶", "phone": "13912345678"}]


@pytest.mark.parametrize("field, value", [("weight_kg", 0), ("weight_kg", 500), ("temperature_c", 45),
                                          ("systolic", 20)])
def test_implausible_screening_input_saves_nothing(drive, donor, blood_staff, field, value):
    with pytest.raises(ServiceError) as err:
        services.screen_donor(blood_staff, drive, donor, checks={"health_code": True}, **{**GOOD, field: value})
    assert err.value.field == field
    assert not Screening.objects.exists() and not Deferral.objects.exists()


def test_failing_screening_returns_all_reasons_and_is_saved(drive, donor, blood_staff):
    screening, decision = services.screen_donor(
        blood_staff, drive, donor, checks={"health_code": False},
        **{**GOOD, "systolic": 150, "temperature_c": "37.8"})
    assert decision.codes == ["systolic", "temperature", "check_health_code"]
    assert not screening.eligible
    assert [r["code"] for r in screening.reason_list()] == decision.codes



def test_saved_reasons_are_read_in_the_readers_language(drive, donor, blood_staff):
    """Decided in Chinese, read in English: each reason's message, and the labels inside it (an
    on-site check, a questionnaire deferral), follow the reader's language (issue 14)."""
    from django.utils import translation

    screening, decision = services.screen_donor(
        blood_staff, drive, donor, checks={"health_code": False}, answers={"tattoo": drive.date - dt.timedelta(days=30)},
        **{**GOOD, "systolic": 185})
    assert "收缩压185mmHg，须≥90且<140" in [r.message for r in decision.reasons]
    with translation.override("en"):
        messages = {r["code"]: r["message"] for r in Screening.objects.get(pk=screening.pk).reason_list()}
    assert messages["systolic"] == "Systolic pressure 185 mmHg, must be at least 90 and below 140"
    assert messages["check_health_code"] == "On-site check not passed: Green health code"
    assert messages["deferral_tattoo"].startswith("Deferred: Tattoo (until ")
    assert not any(set(m) & set("收缩压暂缓现场") for m in messages.values())

def test_screening_details_are_encrypted_at_rest(drive, donor, blood_staff):
    screening, _ = services.screen_donor(blood_staff, drive, donor, checks={"health_code": True},
                                         **{**GOOD, "systolic": 150})
    with connection.cursor() as cursor:
        cursor.execute("SELECT measurements, reasons FROM blood_screening WHERE id = %s", [screening.pk])
        measurements, reasons = cursor.fetchone()
    assert "150" not in measurements and "systolic" not in reasons and "收缩压" not in reasons
    log = AuditLog.objects.get(action="blood.screening.create")
    assert "150" not in str(log.data)


def test_questionnaire_deferral_is_recorded_and_blocks(drive, donor, blood_staff):
    cold = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    _, decision = services.screen_donor(blood_staff, drive, donor, checks={"health_code": True},
                                        answers={"cold": cold}, **GOOD)
    assert decision.codes == ["deferral_cold"]
    assert decision.eligible_on == dt.date.today() + dt.timedelta(days=5)
    deferral = Deferral.objects.get()
    assert deferral.reason == "感冒"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM blood_deferral")
        assert "感冒" not in cursor.fetchone()[0]


def test_unknown_questionnaire_item_is_refused(drive, donor, blood_staff):
    with pytest.raises(ServiceError) as err:
        services.screen_donor(blood_staff, drive, donor, answers={"bungee": True}, **GOOD)
    assert err.value.field == "answers.bungee"


def test_donation_refused_without_screening(drive, donor, blood_staff):
    with pytest.raises(ServiceError) as err:
        services.record_donation(blood_staff, drive, donor, volume_ml=400)
    assert err.value.field == "person_id"
    assert not Donation.objects.exists()


def test_donation_refused_after_failed_screening(drive, donor, blood_staff):
    services.screen_donor(blood_staff, drive, donor, checks={"health_code": True}, **{**GOOD, "pulse": 120})
    with pytest.raises(ServiceError):
        services.record_donation(blood_staff, drive, donor, volume_ml=400)
    assert not Donation.objects.exists()


@pytest.mark.parametrize("volume", [250, 0, 500, "abc"])
def test_unknown_volume_is_refused(passed, drive, donor, blood_staff, volume):
    with pytest.raises(ServiceError) as err:
        services.record_donation(blood_staff, drive, donor, volume_ml=volume)
    assert err.value.field == "volume_ml"
    assert not Donation.objects.exists()


def test_units_for_mixed_volumes(drive, blood_staff, make_person):
    for volume in (200, 300, 400):
        person = make_person(age=30)
        services.screen_donor(blood_staff, drive, person, checks={"health_code": True}, **GOOD)
        services.record_donation(blood_staff, drive, person, volume_ml=volume)
    assert [d.units for d in Donation.objects.order_by("volume_ml")] == [Decimal("1.00"), Decimal("1.50"), Decimal("2.00")]
    from lehuo.blood.stats import drive_stats

    stats = drive_stats(drive)
    assert stats["units"] == Decimal("4.50") and stats["volume_ml"] == 900 and stats["donors"] == 3


def test_record_donation_is_idempotent(passed, drive, donor, blood_staff):
    first = services.record_donation(blood_staff, drive, donor, volume_ml=400, bag_number="B1")
    again = services.record_donation(blood_staff, drive, donor, volume_ml=400, bag_number="B1")
    assert first.pk == again.pk and Donation.objects.count() == 1
    with pytest.raises(ServiceError):
        services.record_donation(blood_staff, drive, donor, volume_ml=200, bag_number="B2")
    assert AuditLog.objects.filter(action="blood.donation.create").count() == 1


def test_second_donation_within_six_months_is_refused(town, town_admin, blood_staff, donor):
    today = dt.date.today()
    services.record_past_donation(town_admin, donor, donated_on=today - dt.timedelta(days=100), volume_ml=400)
    drive = services.create_drive(town_admin, town, slug="later", title="后一次", date=today)
    services.assign_staff(town_admin, drive, blood_staff)
    _, decision = services.screen_donor(blood_staff, drive, donor, **GOOD)
    assert decision.codes == ["interval_whole"]
    with pytest.raises(ServiceError):
        services.record_donation(blood_staff, drive, donor, volume_ml=400)


def test_voided_donation_leaves_figures_and_stays(passed, drive, donor, blood_staff):
    donation = services.record_donation(blood_staff, drive, donor, volume_ml=300)
    with pytest.raises(ServiceError):
        services.void_donation(blood_staff, donation, "")
    services.void_donation(blood_staff, donation, "录入错误")
    from lehuo.blood.stats import drive_stats

    assert drive_stats(drive)["units"] == Decimal("0.00")
    assert Donation.objects.filter(pk=donation.pk, void_reason="录入错误").exists()


def test_adverse_reaction_ends_repeat_donor_status(town, town_admin, blood_staff, make_person):
    old = make_person(age=57)
    past = services.record_past_donation(town_admin, old, donated_on=dt.date.today() - dt.timedelta(days=400),
                                         volume_ml=400)
    drive = services.create_drive(town_admin, town, slug="d2", title="活动", date=dt.date.today())
    _, decision = services.screen_donor(town_admin, drive, old, **GOOD)
    assert decision.eligible
    services.record_adverse_reaction(town_admin, past)
    _, decision = services.screen_donor(town_admin, drive, old, **GOOD)
    assert decision.codes == ["age_too_old"]


def test_social_worker_cannot_screen(drive, donor, sw_lv11):
    with pytest.raises(ServiceError) as err:
        services.screen_donor(sw_lv11, drive, donor, **GOOD)
    assert err.value.code == "forbidden"


def test_stem_cell_signup_records_consent_and_encrypts_relatives(drive, donor, blood_staff):
    signup = services.sign_up_stem_cell(blood_staff, drive, donor, consent=True, relatives=RELATIVES, sample_taken=True)
    assert Consent.objects.filter(person=donor, purpose="stem_cell_registry").exists()
    assert signup.relative_list()[0]["phone"] == "13812345678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT relatives FROM blood_stemcellsignup")
        assert "13812345678" not in cursor.fetchone()[0]


@pytest.mark.parametrize("age, ok", [(17, False), (18, True), (45, True), (46, False)])
def test_stem_cell_age_limits(drive, blood_staff, make_person, age, ok):
    person = make_person(age=age)
    if ok:
        services.sign_up_stem_cell(blood_staff, drive, person, consent=True, relatives=RELATIVES)
    else:
        with pytest.raises(ServiceError):
            services.sign_up_stem_cell(blood_staff, drive, person, consent=True, relatives=RELATIVES)
    assert StemCellSignup.objects.exists() == ok


def test_stem_cell_needs_consent_and_two_relatives(drive, donor, blood_staff):
    with pytest.raises(ServiceError) as err:
        services.sign_up_stem_cell(blood_staff, drive, donor, consent=False, relatives=RELATIVES)
    assert err.value.field == "consent"
    with pytest.raises(ServiceError) as err:
        services.sign_up_stem_cell(blood_staff, drive, donor, consent=True, relatives=RELATIVES[:1])
    assert err.value.field == "relatives"
    assert not StemCellSignup.objects.exists() and not Consent.objects.exists()


def test_check_in_gives_increasing_queue_numbers(drive, blood_staff, make_person):
    a, b = make_person(), make_person()
    first = services.check_in(blood_staff, drive, a)
    second = services.check_in(blood_staff, drive, b)
    assert (first.queue_number, second.queue_number) == (1, 2)
    assert services.check_in(blood_staff, drive, a).queue_number == 1
    assert second.source == "walk_in"


def test_register_walk_in_donor_by_id_number(drive, blood_staff):
    person = services.register_donor(blood_staff, drive, id_number="11010519491231002X", name="张龙云")
    assert person.sex == "F" and person.birth_date == dt.date(1949, 12, 31)
    assert services.find_donor(blood_staff, drive, "11010519491231002X") == person
    with pytest.raises(ServiceError) as err:
        services.register_donor(blood_staff, drive, id_number="110105194912310021", name="李四")
    assert err.value.field == "id_number"


def test_recall_and_award_progress(town, town_admin, make_person):
    from lehuo.blood.stats import award_progress, recall_list
    from lehuo.people.models import Person

    today = dt.date.today()
    due = make_person(age=40)
    services.record_past_donation(town_admin, due, donated_on=today - dt.timedelta(days=200), volume_ml=400)
    recent = make_person(age=40)
    services.record_past_donation(town_admin, recent, donated_on=today - dt.timedelta(days=30), volume_ml=400)
    rows = recall_list(Person.objects.all(), today)
    assert [r["person"] for r in rows] == [due]
    later = recall_list(Person.objects.all(), today + dt.timedelta(days=200))
    assert {r["person"] for r in later} == {due, recent}
    for i in range(9):
        services.record_past_donation(town_admin, due, donated_on=today - dt.timedelta(days=400 + 200 * i), volume_ml=400)
    progress = {r["person"]: r for r in award_progress(Person.objects.all())}
    assert progress[due]["count"] == 20 and progress[due]["award"] == "铜奖"
    assert progress[recent]["award"] == "" and progress[recent]["to_next"] == 18


def test_a_check_in_after_the_screening_keeps_the_result(drive, blood_staff, make_person):
    """A doctor may screen a signed-up donor before the desk checks them in: the check-in gives
    a queue number and the arrival time, and never sets the result back to "arrived"."""
    from lehuo.blood.models import SignUp

    person = make_person(age=30)
    services.sign_up(blood_staff, drive, person)
    services.screen_donor(blood_staff, drive, person, checks={"health_code": True}, **GOOD)
    signup = services.check_in(blood_staff, drive, person)
    signup.refresh_from_db()
    assert signup.status == SignUp.SCREENED and signup.queue_number == 1 and signup.arrived_at
    other = make_person(age=31)
    services.sign_up(blood_staff, drive, other)
    assert services.check_in(blood_staff, drive, other).status == SignUp.ARRIVED
