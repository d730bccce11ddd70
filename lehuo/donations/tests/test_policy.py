"""Findings of issue 16 in the donations module, each reproduced first."""

import datetime as dt

import pytest

from lehuo.donations import services

pytestmark = pytest.mark.django_db


def _post(api, user, drive, nbh, reference):
    return api(user).post(f"/api/v1/donation-drives/{drive.pk}/donations", {
        "amount": "50.00", "channel": "offline", "received_on": "2021-07-25", "donor_name": "热心群众",
        "neighbourhood_id": nbh.pk, "reference": reference})


def test_a_reference_of_another_neighbourhood_is_not_told(api, drive, sw_lv11, sw_hj9, lv11, hj9):
    """The message for a reference recorded by a neighbourhood the social worker does not see is
    the one for any reference that cannot be recorded: it does not tell that it exists."""
    assert _post(api, sw_hj9, drive, hj9, "HJ-001").status_code == 201
    taken = _post(api, sw_lv11, drive, lv11, "HJ-001")
    invalid = _post(api, sw_lv11, drive, lv11, "HJ\x01002")
    assert taken.status_code == invalid.status_code == 400
    assert taken.json()["message"] == invalid.json()["message"]
    assert "居民区" not in taken.json()["message"]
    assert taken.json()["detail"] == invalid.json()["detail"]


def test_answers_with_personal_data_are_not_stored(api, login, drive, give, town_admin, make_person):
    donation = give(person=make_person())
    for path in (f"/api/v1/donation-drives/{drive.pk}/donations", f"/api/v1/donations/{donation.pk}"):
        assert api(town_admin).get(path)["Cache-Control"] == "no-store", path
    for path in (f"/donations/drives/{drive.pk}/donations/", f"/donations/d/{donation.pk}/",
                 f"/donations/d/{donation.pk}/acknowledgement.pdf"):
        assert "no-store" in login(town_admin).get(path)["Cache-Control"], path


def test_programme_staff_and_viewers_see_figures_not_donors(api, drive, give, make_person, instructor, viewer):
    give(person=make_person(name="张三丰"))
    for user in (instructor, viewer):
        assert api(user).get(f"/api/v1/donation-drives/{drive.pk}/stats").status_code == 200
        assert api(user).get(f"/api/v1/donation-drives/{drive.pk}/donations").json()["items"] == []
        assert api(user).post(f"/api/v1/donation-drives/{drive.pk}/donations", {
            "amount": "1", "channel": "offline", "received_on": "2021-07-25", "donor_name": "x"}).status_code == 403


def test_social_worker_records_only_for_their_neighbourhood(drive, sw_lv11, hj9):
    from lehuo.platform.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        services.record_donation(sw_lv11, drive, amount="10", channel="offline", received_on=dt.date(2021, 7, 25),
                                 donor_name="x", neighbourhood=hj9)
    assert refused.value.field == "neighbourhood_id"
