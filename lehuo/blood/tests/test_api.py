"""The blood API for the personas that may and those that may not."""

import datetime as dt

import pytest

from lehuo.blood import services
from lehuo.blood.models import Donation, Drive, Screening
from lehuo.platform.models import AuditLog

from .conftest import GOOD

pytestmark = pytest.mark.django_db


def screening_body(person, **over):
    return {"person_id": person.pk, **GOOD, "checks": {"health_code": True}, **over}


def test_town_admin_creates_drive(api, town_admin):
    r = api(town_admin).post("/api/v1/blood-drives", {"slug": "2021-07-28", "title": "第二批", "date": "2021-07-28",
                                                      "extra_checks": ["health_code"]})
    assert r.status_code == 201, r.content
    assert r.json()["slug"] == "2021-07-28"


def test_staff_cannot_create_drive(api, blood_staff, sw_lv11):
    for user in (blood_staff, sw_lv11):
        r = api(user).post("/api/v1/blood-drives", {"slug": "x", "title": "x", "date": "2021-07-28"})
        assert r.status_code == 403
    assert not Drive.objects.exists()


def test_unknown_extra_check_names_the_field(api, town_admin):
    r = api(town_admin).post("/api/v1/blood-drives", {"slug": "x", "title": "x", "date": "2021-07-28",
                                                      "extra_checks": ["horoscope"]})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["extra_checks"]


def test_drive_list_by_persona(api, drive, blood_staff, sw_lv11, instructor, outsider):
    assert [d["id"] for d in api(blood_staff).get("/api/v1/blood-drives").json()["items"]] == [drive.pk]
    assert [d["id"] for d in api(sw_lv11).get("/api/v1/blood-drives").json()["items"]] == [drive.pk]
    assert api(instructor).get("/api/v1/blood-drives").json()["items"] == []
    assert api(outsider).get(f"/api/v1/blood-drives/{drive.pk}").status_code == 404


def test_screening_returns_decision_and_reasons(api, drive, donor, blood_staff):
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/screenings", screening_body(donor, systolic=145))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["eligible"] is False
    assert [x["code"] for x in body["reasons"]] == ["systolic"]
    assert body["deferred_until"] == (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("field, value", [("weight_kg", 0), ("weight_kg", 500), ("temperature_c", 45), ("systolic", 20)])
def test_bad_screening_input_is_400_naming_field(api, drive, donor, blood_staff, field, value):
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/screenings", screening_body(donor, **{field: value}))
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == [field]
    assert not Screening.objects.exists()


def test_social_worker_cannot_screen_or_read_screening(api, drive, donor, blood_staff, sw_lv11, passed):
    assert api(sw_lv11).post(f"/api/v1/blood-drives/{drive.pk}/screenings", screening_body(donor)).status_code == 403
    r = api(sw_lv11).get(f"/api/v1/blood-screenings/{passed.pk}")
    assert r.status_code == 403
    assert "measurements" not in r.json()
    assert not AuditLog.objects.filter(action="blood.screening.view").exists()


def test_unassigned_staff_gets_404_for_screening(api, instructor, passed):
    assert api(instructor).get(f"/api/v1/blood-screenings/{passed.pk}").status_code == 404


def test_drive_staff_reads_screening_and_view_is_logged(api, blood_staff, passed):
    r = api(blood_staff).get(f"/api/v1/blood-screenings/{passed.pk}")
    assert r.status_code == 200
    assert r.json()["measurements"]["systolic"] == "120"
    log = AuditLog.objects.get(action="blood.screening.view")
    assert log.actor == blood_staff and log.object_id == str(passed.pk)


def test_donation_needs_passing_screening(api, drive, donor, blood_staff):
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/donations", {"person_id": donor.pk, "volume_ml": 400})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["person_id"]


def test_donation_unknown_volume_refused(api, drive, donor, blood_staff, passed):
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/donations", {"person_id": donor.pk, "volume_ml": 250})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["volume_ml"]
    assert not Donation.objects.exists()


def test_donation_with_idempotency_key_created_once(api, drive, donor, blood_staff, passed):
    client = api(blood_staff)
    url = f"/api/v1/blood-drives/{drive.pk}/donations"
    first = client.post(url, {"person_id": donor.pk, "volume_ml": 300}, headers={"Idempotency-Key": "k1"})
    again = client.post(url, {"person_id": donor.pk, "volume_ml": 300}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.json()["units"] == "1.50"
    assert Donation.objects.count() == 1


def test_social_worker_cannot_record_donation(api, drive, donor, sw_lv11, passed):
    r = api(sw_lv11).post(f"/api/v1/blood-drives/{drive.pk}/donations", {"person_id": donor.pk, "volume_ml": 400})
    assert r.status_code == 403 and not Donation.objects.exists()


def test_void_donation(api, drive, donor, blood_staff, passed, sw_lv11):
    d = services.record_donation(blood_staff, drive, donor, volume_ml=400)
    assert api(sw_lv11).post(f"/api/v1/blood-donations/{d.pk}/void", {"reason": "x"}).status_code == 403
    r = api(blood_staff).post(f"/api/v1/blood-donations/{d.pk}/void", {"reason": "录错"})
    assert r.status_code == 200 and r.json()["voided"] is True


def test_stats_for_staff_and_social_worker_not_outsider(api, drive, donor, blood_staff, passed, sw_lv11, outsider):
    services.record_donation(blood_staff, drive, donor, volume_ml=300)
    body = api(sw_lv11).get(f"/api/v1/blood-drives/{drive.pk}/stats").json()
    assert body["donors"] == 1 and body["units"] == "1.50" and body["volume_ml"] == 300
    assert api(blood_staff).get(f"/api/v1/blood-drives/{drive.pk}/stats").status_code == 200
    assert api(outsider).get(f"/api/v1/blood-drives/{drive.pk}/stats").status_code == 404


def test_social_worker_signs_up_own_residents_only(api, drive, make_person, sw_lv11, hj9, lv11):
    mine, theirs = make_person(lv11), make_person(hj9)
    client = api(sw_lv11)
    url = f"/api/v1/blood-drives/{drive.pk}/signups"
    assert client.post(url, {"person_id": mine.pk, "time_slot": "上午"}).status_code == 201
    assert client.post(url, {"person_id": theirs.pk}).status_code == 400
    bad_slot = client.post(url, {"person_id": mine.pk, "time_slot": "半夜"})
    assert bad_slot.status_code == 400 and bad_slot.json()["detail"][0]["loc"] == ["time_slot"]
    assert [s["person_id"] for s in client.get(url).json()["items"]] == [mine.pk]


def test_signup_list_scoped_for_social_worker(api, drive, make_person, blood_staff, sw_hj9, lv11):
    person = make_person(lv11)
    services.sign_up(blood_staff, drive, person)
    assert api(sw_hj9).get(f"/api/v1/blood-drives/{drive.pk}/signups").json()["items"] == []
    assert len(api(blood_staff).get(f"/api/v1/blood-drives/{drive.pk}/signups").json()["items"]) == 1


def test_stem_cell_signup_api(api, drive, donor, blood_staff, sw_lv11):
    body = {"person_id": donor.pk, "consent": True, "sample_taken": True,
            "relatives": [{"name": "张三", "phone": "13812345678"}, {"name": "李四", "phone": "13912345678"}]}
    assert api(sw_lv11).post(f"/api/v1/blood-drives/{drive.pk}/stem-cell-signups", body).status_code == 403
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/stem-cell-signups", body)
    assert r.status_code == 201, r.content
    r = api(blood_staff).post(f"/api/v1/blood-drives/{drive.pk}/stem-cell-signups",
                              {**body, "relatives": body["relatives"][:1]})
    assert r.status_code == 400


def test_recall_is_the_drive_staffs(api, drive, town_admin, blood_staff, sw_lv11, instructor, make_person, lv11):
    """The recall list is the drive's invitation list: its staff and the town admins (finding 6)."""
    person = make_person(lv11)
    services.record_past_donation(town_admin, person, donated_on=dt.date.today() - dt.timedelta(days=365),
                                  volume_ml=400)
    url = f"/api/v1/blood-drives/{drive.pk}/recall?by={dt.date.today().isoformat()}"
    for user in (town_admin, blood_staff):
        assert [r["person_id"] for r in api(user).get(url).json()["items"]] == [person.pk]
    assert api(sw_lv11).get(url).status_code == 403
    assert api(instructor).get(url).status_code == 404


def test_cancel_signup(api, drive, make_person, blood_staff, sw_hj9, lv11):
    signup = services.sign_up(blood_staff, drive, make_person(lv11))
    assert api(sw_hj9).post(f"/api/v1/blood-signups/{signup.pk}/cancel").status_code == 404
    r = api(blood_staff).post(f"/api/v1/blood-signups/{signup.pk}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
