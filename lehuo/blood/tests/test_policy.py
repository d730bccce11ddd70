"""Findings of issue 16 in the blood module, each reproduced first: the recall list (finding 6),
small health counts, Cache-Control on personal data."""

import pytest

from lehuo.blood import services, stats
from lehuo.platform import figures
from lehuo.platform.errors import NotFound

from .conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_donor(drive, make_person, blood_staff):
    """A donor who gave at ``drive`` (so they are on the town's recall lists later)."""
    person = make_person(age=30, sex="M")
    services.screen_donor(blood_staff, drive, person, checks={"health_code": True}, **GOOD)
    services.record_donation(blood_staff, drive, person, volume_ml=300)
    return person


def test_recall_list_only_for_drive_staff_and_town_admins(login, api, drive, past_donor, town_admin, blood_staff,
                                                          instructor, site_head, sw_lv11, viewer):
    """Finding 6: programme staff not assigned to the drive read the donor recall list."""
    url = f"/blood/{drive.slug}/recall/?by=2099-01-01"
    for user in (town_admin, blood_staff):
        r = login(user).get(url)
        assert r.status_code == 200, user
        assert past_donor.name in r.content.decode()
        assert "no-store" in r["Cache-Control"]
        assert api(user).get(f"/api/v1/blood-drives/{drive.pk}/recall", {"by": "2099-01-01"}).status_code == 200
    for user in (instructor, site_head):  # programme staff, not this drive's
        assert login(user).get(url).status_code == 404
        assert api(user).get(f"/api/v1/blood-drives/{drive.pk}/recall").status_code == 404
        with pytest.raises(NotFound):
            services.recall_for(user, drive)
    for user in (sw_lv11, viewer):  # see the drive, may not run it
        assert login(user).get(url).status_code == 403
        assert past_donor.name not in login(user).get(url).content.decode()


@pytest.fixture
def one_deferred(drive, make_person, blood_staff):
    person = make_person(age=30, sex="F")
    screening, decision = services.screen_donor(blood_staff, drive, person, checks={"health_code": True},
                                                **{**GOOD, "weight_kg": "40"})
    assert not decision.eligible
    return person


def test_small_health_counts_show_as_under_five_without_health_access(api, login, drive, one_deferred, viewer,
                                                                      sw_lv11, editor, blood_staff, town_admin):
    for user in (viewer, sw_lv11, editor):
        body = api(user).get(f"/api/v1/blood-drives/{drive.pk}/stats").json()
        assert body["deferred"] == "<5"
        assert set(body["by_reason"].values()) == {"<5"}
        page = login(user).get(f"/blood/{drive.slug}/report/").content.decode()
        assert "&lt;5" in page
    for user in (blood_staff, town_admin):
        body = api(user).get(f"/api/v1/blood-drives/{drive.pk}/stats").json()
        assert body["deferred"] == 1
        assert 1 in body["by_reason"].values()


def test_small_health_counts_are_never_newsletter_figures(drive, one_deferred):
    reason = next(iter(stats.drive_stats(drive)["by_reason"]))
    for measure in ("deferred", f"by_reason.{reason}"):
        with pytest.raises(figures.NotPublishable):
            figures.resolve(f"blood:{drive.slug}:{measure}")
    assert figures.resolve(f"blood:{drive.slug}:screened") == 1  # not health counts: published as they are


def test_answers_with_personal_data_are_not_stored(api, login, drive, past_donor, blood_staff):
    for path in (f"/api/v1/blood-drives/{drive.pk}/signups", f"/api/v1/blood-drives/{drive.pk}/donations"):
        assert api(blood_staff).get(path)["Cache-Control"] == "no-store", path
    for path in (f"/blood/{drive.slug}/signups/", f"/blood/{drive.slug}/onsite/{past_donor.pk}/",
                 f"/blood/{drive.slug}/queue/"):
        assert "no-store" in login(blood_staff).get(path)["Cache-Control"], path


def test_social_worker_signs_up_own_neighbourhoods_people_by_id_number(login, drive, sw_lv11, make_person, lv11,
                                                                        hj9):
    from lehuo.blood.models import SignUp

    mine, theirs = make_person(lv11, age=30), make_person(hj9, age=30)
    client = login(sw_lv11)
    assert client.post(f"/blood/{drive.slug}/signups/", {"id_number": mine.id_number}).status_code == 302
    assert SignUp.objects.filter(drive=drive, person=mine).exists()
    r = client.post(f"/blood/{drive.slug}/signups/", {"id_number": theirs.id_number})
    absent = client.post(f"/blood/{drive.slug}/signups/", {"id_number": "11010519491231002X"})
    assert r.status_code == 200 and not SignUp.objects.filter(person=theirs).exists()
    # The same answer as for a number nobody holds: it does not tell that the person exists.
    assert "未找到该证件号码对应的居民" in r.content.decode() and "未找到该证件号码对应的居民" in absent.content.decode()


def test_recall_by_a_date_before_someones_first_gift(drive, past_donor, town_admin):
    """The crawl found it: a recall date before a donor's first donation answered 500."""
    import datetime as dt

    assert services.recall_for(town_admin, drive, dt.date(2000, 1, 1)) == []
