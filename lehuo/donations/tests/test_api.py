import pytest

from lehuo.donations.models import Donation
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db

URL = "/api/v1/donation-drives/{}/donations"


def body(**kw):
    data = {"donor_name": "热心群众", "amount": "200.00", "channel": "offline", "method": "cash",
            "received_on": "2021-07-25"}
    data.update(kw)
    return data


def test_post_donation_answers_money_as_string_and_logs(api, drive, sw_lv11, lv11):
    r = api(sw_lv11).post(URL.format(drive.pk), body(amount=56510, neighbourhood_id=lv11.pk))
    assert r.status_code == 201, r.content
    assert r.json()["amount"] == "56510.00"
    assert AuditLog.objects.filter(action="donation.record", object_id=str(r.json()["id"])).exists()


def test_amount_accepts_float_without_binary_noise(api, drive, town_admin):
    r = api(town_admin).post(URL.format(drive.pk), body(amount=0.1))
    assert r.status_code == 201, r.content
    from decimal import Decimal

    assert Donation.objects.get().amount == Decimal("0.10")
    assert r.json()["amount"] == "0.10"


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "abc", "NaN", "Infinity", "10000000.01", "1e30", ""])
def test_bad_amount_is_refused_naming_the_field(api, drive, town_admin, amount):
    r = api(town_admin).post(URL.format(drive.pk), body(amount=amount))
    assert r.status_code == 400, r.content
    assert r.json()["detail"][0]["loc"] == ["amount"]
    assert not Donation.objects.exists()


def test_repeat_post_with_same_idempotency_key_creates_one(api, drive, town_admin):
    client = api(town_admin)
    first = client.post(URL.format(drive.pk), body(), headers={"Idempotency-Key": "k-1"})
    second = client.post(URL.format(drive.pk), body(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Donation.objects.count() == 1


def test_repeat_reference_returns_existing_donation(api, drive, town_admin):
    client = api(town_admin)
    first = client.post(URL.format(drive.pk), body(channel="online", method="wechat", reference="WX-001"))
    second = client.post(URL.format(drive.pk), body(channel="online", method="wechat", reference="WX-001", amount="5"))
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["amount"] == "200.00"
    assert Donation.objects.count() == 1


def test_social_worker_records_only_for_own_neighbourhood(api, drive, sw_lv11, lv11, hj9):
    client = api(sw_lv11)
    r = client.post(URL.format(drive.pk), body(neighbourhood_id=hj9.pk))
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["neighbourhood_id"]
    r = client.post(URL.format(drive.pk), body())
    assert r.status_code == 400
    assert not Donation.objects.exists()


def test_social_worker_sees_only_donations_collected_in_own_neighbourhood(api, drive, give, sw_lv11, lv11, hj9):
    mine, theirs = give(neighbourhood=lv11), give(neighbourhood=hj9)
    client = api(sw_lv11)
    ids = [d["id"] for d in client.get(URL.format(drive.pk)).json()["items"]]
    assert ids == [mine.pk]
    assert client.get(f"/api/v1/donations/{theirs.pk}").status_code == 404
    assert client.post(f"/api/v1/donations/{theirs.pk}/void", {"reason": "x"}).status_code == 404


def test_town_admin_sees_all_donations(api, drive, give, town_admin, lv11, hj9):
    give(neighbourhood=lv11), give(neighbourhood=hj9), give()
    assert api(town_admin).get(URL.format(drive.pk)).json()["count"] == 3


@pytest.mark.parametrize("persona", ["viewer", "editor", "instructor", "outsider"])
def test_roles_without_recording_right_cannot_post(api, drive, request, persona):
    r = api(request.getfixturevalue(persona)).post(URL.format(drive.pk), body())
    assert r.status_code in (403, 404)
    assert not Donation.objects.exists()


def test_outsider_gets_404_for_drive_and_stats(api, drive, outsider):
    client = api(outsider)
    assert client.get(f"/api/v1/donation-drives/{drive.pk}").status_code == 404
    assert client.get(f"/api/v1/donation-drives/{drive.pk}/stats").status_code == 404
    assert client.get("/api/v1/donation-drives").status_code == 403


def test_void_needs_reason_and_drops_donation_from_stats(api, drive, give, town_admin):
    d = give("300.00")
    give("50.00")
    client = api(town_admin)
    assert client.post(f"/api/v1/donations/{d.pk}/void", {"reason": " "}).status_code == 400
    r = client.post(f"/api/v1/donations/{d.pk}/void", {"reason": "重复登记"})
    assert r.status_code == 200 and r.json()["voided"] is True
    assert Donation.objects.filter(pk=d.pk).exists()
    s = client.get(f"/api/v1/donation-drives/{drive.pk}/stats").json()
    assert s["total"] == "50.00" and s["donations"] == 1
    assert client.post(f"/api/v1/donations/{d.pk}/void", {"reason": "again"}).status_code == 400


def test_stats_count_a_person_who_gives_twice_once(api, drive, give, make_person, town_admin, sw_lv11):
    p = make_person(tags=["党员"])
    give("10.00", person=p)
    give("20.50", person=p, channel="online", method="wechat")
    s = api(sw_lv11).get(f"/api/v1/donation-drives/{drive.pk}/stats").json()
    assert s["people"] == 1 and s["donations"] == 2 and s["total"] == "30.50"
    assert s["by_tag"]["党员"] == {"people": 1, "total": "30.50"}
    assert s["by_channel"]["online"]["total"] == "20.50"


def test_drive_create_is_town_admin_only(api, town_admin, sw_lv11, charity):
    payload = {"slug": "typhoon-2021", "title": "抗台风", "organiser_id": charity.pk,
               "starts_on": "2021-09-01", "ends_on": "2021-09-30"}
    assert api(sw_lv11).post("/api/v1/donation-drives", payload).status_code == 403
    r = api(town_admin).post("/api/v1/donation-drives", payload)
    assert r.status_code == 201, r.content
    assert r.json()["channels"] == ["online", "offline"]
    bad = api(town_admin).post("/api/v1/donation-drives", {**payload, "slug": "x2", "ends_on": "2021-08-01"})
    assert bad.status_code == 400 and bad.json()["detail"][0]["loc"] == ["ends_on"]


def test_person_out_of_scope_is_refused_as_donor(api, drive, make_person, sw_lv11, lv11, hj9):
    stranger = make_person(hj9)
    r = api(sw_lv11).post(URL.format(drive.pk), body(donor_name="", person_id=stranger.pk, neighbourhood_id=lv11.pk))
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["person_id"]


def test_handover_is_town_admin_only(api, drive, town_admin, sw_lv11):
    payload = {"channel": "offline", "amount": "1000", "handed_on": "2021-08-05", "voucher_number": "HJ-1"}
    assert api(sw_lv11).post(f"/api/v1/donation-drives/{drive.pk}/handovers", payload).status_code == 403
    r = api(town_admin).post(f"/api/v1/donation-drives/{drive.pk}/handovers", payload)
    assert r.status_code == 201 and r.json()["amount"] == "1000.00"


def test_receipt_number_is_recorded_and_logged(api, drive, give, town_admin):
    d = give()
    r = api(town_admin).post(f"/api/v1/donations/{d.pk}/receipt", {"receipt_number": "SH-2021-0001"})
    assert r.status_code == 200 and r.json()["receipt_number"] == "SH-2021-0001"
    assert AuditLog.objects.filter(action="donation.receipt").exists()


def test_list_endpoint_queries_do_not_grow_with_rows(api, drive, give, make_person, town_admin,
                                                     django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(town_admin)
    give(person=make_person())
    client.get(URL.format(drive.pk))
    with CaptureQueriesContext(connection) as few:
        client.get(URL.format(drive.pk))
    for _ in range(15):
        give(person=make_person())
    with django_assert_max_num_queries(len(few)):
        assert client.get(URL.format(drive.pk)).json()["count"] == 16


@pytest.mark.parametrize("amount", [True, None, [1], {"v": 1}])
def test_amount_of_wrong_type_is_refused(api, drive, town_admin, amount):
    r = api(town_admin).post(URL.format(drive.pk), body(amount=amount))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] == "amount"
    assert not Donation.objects.exists()


def test_same_key_with_another_body_is_refused_and_writes_nothing(api, drive, town_admin):
    """As Stripe does: a key is one request; reused for another body it answers 422, it does
    not silently return the first answer (issue 16)."""
    client = api(town_admin)
    first = client.post(URL.format(drive.pk), body(), headers={"Idempotency-Key": "k-2"})
    assert first.status_code == 201
    logs = AuditLog.objects.count()
    other = client.post(URL.format(drive.pk), body(amount="999.00"), headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422, other.content
    assert other.json()["code"] == "idempotency_key_reused"
    assert Donation.objects.count() == 1 and AuditLog.objects.count() == logs
    again = client.post(URL.format(drive.pk), body(), headers={"Idempotency-Key": "k-2"})
    assert again.status_code == 201 and again.json() == first.json()
