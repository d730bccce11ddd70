"""Every blood page for a persona that may and one that may not."""

import datetime as dt

import pytest

from lehuo.blood import services
from lehuo.blood.models import Donation, Drive, Screening, SignUp
from lehuo.platform.models import AuditLog

from .conftest import GOOD

pytestmark = pytest.mark.django_db


def test_index_lists_drives_for_staff_not_outsider(login, drive, blood_staff, sw_lv11, outsider, instructor):
    assert drive.title in login(blood_staff).get("/blood/").content.decode()
    assert drive.title in login(sw_lv11).get("/blood/").content.decode()
    assert drive.title not in login(instructor).get("/blood/").content.decode()
    assert login(outsider).get("/blood/").status_code == 403


def test_town_admin_creates_drive_on_page(login, town_admin):
    r = login(town_admin).post("/blood/", {"slug": "new-drive", "title": "新活动", "date": "2021-12-01",
                                           "extra_checks": ["health_code"], "time_slots": "上午, 下午"})
    assert r.status_code == 302
    assert Drive.objects.get(slug="new-drive").time_slots == ["上午", "下午"]


def test_social_worker_cannot_create_drive_on_page(login, sw_lv11):
    r = login(sw_lv11).post("/blood/", {"slug": "x", "title": "x", "date": "2021-12-01"})
    assert r.status_code == 403
    assert not Drive.objects.exists()


def test_drive_detail_and_report(login, drive, blood_staff, sw_lv11, instructor):
    for url in (f"/blood/{drive.slug}/", f"/blood/{drive.slug}/report/"):
        assert login(blood_staff).get(url).status_code == 200
        assert login(sw_lv11).get(url).status_code == 200
        assert login(instructor).get(url).status_code == 404


def test_report_pdf(login, drive, blood_staff, instructor):
    r = login(blood_staff).get(f"/blood/{drive.slug}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert login(instructor).get(f"/blood/{drive.slug}/report.pdf").status_code == 404


def test_invitation_letter_and_delivery(login, drive, blood_staff, sw_lv11, lv11):
    client = login(blood_staff)
    r = client.post(f"/blood/{drive.slug}/invitations/", {"action": "letter", "title": "倡议书", "letter_text": "踊跃献血",
                                                          "sent_on": (drive.date - dt.timedelta(days=60)).isoformat()})
    assert r.status_code == 302
    inv = drive.invitations.get()
    r = client.post(f"/blood/{drive.slug}/invitations/", {"action": "delivery", "invitation": inv.pk,
                                                          "neighbourhood": lv11.pk, "copies": "600", "delivered": "590"})
    assert r.status_code == 302
    assert inv.deliveries.get().delivered == 590
    bad = client.post(f"/blood/{drive.slug}/invitations/", {"action": "delivery", "invitation": inv.pk,
                                                            "neighbourhood": lv11.pk, "copies": "5", "delivered": "9"})
    assert "已送达份数不能多于发放份数" in bad.content.decode()
    pdf = client.get(f"/blood/{drive.slug}/invitations/{inv.pk}.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert login(sw_lv11).post(f"/blood/{drive.slug}/invitations/", {"action": "letter"}).status_code == 403


def test_signups_page_scoped(login, drive, blood_staff, sw_hj9, make_person, lv11):
    person = make_person(lv11)
    services.sign_up(blood_staff, drive, person)
    assert person.name in login(blood_staff).get(f"/blood/{drive.slug}/signups/").content.decode()
    assert person.name not in login(sw_hj9).get(f"/blood/{drive.slug}/signups/").content.decode()
    xlsx = login(blood_staff).get(f"/blood/{drive.slug}/signups/?format=xlsx")
    assert xlsx.content.startswith(b"PK")


def test_staff_sign_up_volunteer_by_id_number(login, drive, blood_staff, make_person, lv11):
    person = make_person(lv11)
    client = login(blood_staff)
    r = client.post(f"/blood/{drive.slug}/signups/", {"id_number": person.id_number, "time_slot": "上午"})
    assert r.status_code == 302
    signup = SignUp.objects.get(drive=drive, person=person)
    assert signup.time_slot == "上午"


@pytest.mark.parametrize("number, message", [
    ("", "请填写证件号码"),
    ("310105199001011234", "校验位错误"),
    ("110101199003077774", "未找到该证件号码对应的居民"),
])
def test_staff_sign_up_by_id_number_refusals(login, drive, blood_staff, number, message):
    r = login(blood_staff).post(f"/blood/{drive.slug}/signups/", {"id_number": number})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not SignUp.objects.exists()


def test_onsite_pages_for_drive_staff_only(login, drive, donor, blood_staff, sw_lv11):
    for url in (f"/blood/{drive.slug}/onsite/", f"/blood/{drive.slug}/onsite/{donor.pk}/", f"/blood/{drive.slug}/queue/"):
        assert login(blood_staff).get(url).status_code == 200
        assert login(sw_lv11).get(url).status_code == 403


def test_onsite_find_checks_in(login, drive, donor, blood_staff):
    r = login(blood_staff).post(f"/blood/{drive.slug}/onsite/", {"id_number": donor.id_number})
    assert r.status_code == 302
    assert SignUp.objects.get(drive=drive, person=donor).queue_number == 1


def test_onsite_unknown_id_offers_registration(login, drive, blood_staff):
    r = login(blood_staff).post(f"/blood/{drive.slug}/onsite/", {"id_number": "11010519491231002X"})
    assert "register-form" in r.content.decode()


def test_onsite_screen_shows_reasons_at_once(login, drive, donor, blood_staff):
    client = login(blood_staff)
    r = client.post(f"/blood/{drive.slug}/onsite/{donor.pk}/screen/", {**GOOD, "systolic": "150"}, follow=True)
    html = r.content.decode()
    assert "暂不宜献血" in html and "收缩压150mmHg" in html and "健康码绿码" in html


def test_onsite_bad_input_shows_error_and_saves_nothing(login, drive, donor, blood_staff):
    r = login(blood_staff).post(f"/blood/{drive.slug}/onsite/{donor.pk}/screen/", {**GOOD, "weight_kg": "500"})
    assert r.status_code == 400 and 'data-field="weight_kg"' in r.content.decode()
    assert not Screening.objects.exists()


def test_onsite_donation_posted_twice_is_recorded_once(login, drive, donor, blood_staff, passed):
    client = login(blood_staff)
    data = {"volume_ml": "400", "token": "tok-1"}
    assert client.post(f"/blood/{drive.slug}/onsite/{donor.pk}/donate/", data).status_code == 302
    assert client.post(f"/blood/{drive.slug}/onsite/{donor.pk}/donate/", data).status_code == 302
    assert Donation.objects.count() == 1


def test_onsite_stem_cell_form(login, drive, donor, blood_staff):
    r = login(blood_staff).post(f"/blood/{drive.slug}/onsite/{donor.pk}/stem-cell/", {
        "rel1_name": "张三", "rel1_phone": "13812345678", "rel2_name": "李四", "rel2_phone": "13912345678",
        "consent": "on", "sample_taken": "on"})
    assert r.status_code == 302
    assert donor.stem_cell_signups.get().sample_taken


def test_social_worker_cannot_read_screening_page(login, blood_staff, sw_lv11, instructor, passed):
    assert login(sw_lv11).get(f"/blood/screenings/{passed.pk}/").status_code == 403
    assert login(instructor).get(f"/blood/screenings/{passed.pk}/").status_code == 404
    assert not AuditLog.objects.filter(action="blood.screening.view").exists()
    assert login(blood_staff).get(f"/blood/screenings/{passed.pk}/").status_code == 200
    assert AuditLog.objects.filter(action="blood.screening.view", actor=blood_staff).count() == 1


def test_recall_page_is_the_drive_staffs(login, drive, town_admin, blood_staff, sw_lv11, outsider, make_person,
                                         lv11):
    person = make_person(lv11)
    services.record_past_donation(town_admin, person, donated_on=dt.date.today() - dt.timedelta(days=365),
                                  volume_ml=400)
    url = f"/blood/{drive.slug}/recall/?by={dt.date.today().isoformat()}"
    assert person.name in login(blood_staff).get(url).content.decode()
    assert login(sw_lv11).get(url).status_code == 403
    assert login(outsider).get(url).status_code == 404
    assert login(town_admin).get(url + "&format=xlsx").content.startswith(b"PK")


def test_figures_and_dashboard(drive, donor, blood_staff, passed):
    from lehuo.blood.stats import dashboard_summary
    from lehuo.platform import figures

    services.record_donation(blood_staff, drive, donor, volume_ml=300)
    assert figures.resolve(f"blood:{drive.slug}:units") == __import__("decimal").Decimal("1.50")
    assert figures.resolve(f"blood:{drive.slug}:donors") == 1
    with pytest.raises(figures.FigureError):
        figures.resolve("blood:nope:donors")
    with pytest.raises(figures.FigureError):
        figures.resolve(f"blood:{drive.slug}:names")
    summary = dashboard_summary(drive.town)
    assert set(summary) == {"title", "url", "figures", "by_neighbourhood", "over_time"}


def test_personal_data_export_includes_blood_records(town_admin, drive, donor, blood_staff, passed):
    from lehuo.people.services import export_person_data

    services.record_donation(blood_staff, drive, donor, volume_ml=400)
    data = export_person_data(town_admin, donor)
    assert data["blood"]["donations"][0]["volume_ml"] == 400


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_signup_list_queries_do_not_grow_with_rows(login, api, drive, blood_staff, make_person):
    client = login(blood_staff)
    url = f"/blood/{drive.slug}/signups/"
    for _ in range(3):
        services.sign_up(blood_staff, drive, make_person())
    few = _queries(client, url)
    for _ in range(12):
        services.sign_up(blood_staff, drive, make_person())
    assert _queries(client, url) == few
    rest = api(blood_staff)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert len(rest.get(f"/api/v1/blood-drives/{drive.pk}/signups").json()["items"]) == 15
    assert len(ctx.captured_queries) <= 9


def test_void_donation_on_page(login, drive, donor, blood_staff, sw_lv11, passed):
    donation = services.record_donation(blood_staff, drive, donor, volume_ml=400)
    assert login(sw_lv11).post(f"/blood/donations/{donation.pk}/void/", {"reason": "x"}).status_code == 403
    r = login(blood_staff).post(f"/blood/donations/{donation.pk}/void/", {"reason": "血袋破损"})
    assert r.status_code == 302
    donation.refresh_from_db()
    assert donation.voided and donation.void_reason == "血袋破损"


def test_resident_signs_up_on_phone(login, parent, drive, outsider):
    client = login(parent)
    assert client.get(f"/blood/{drive.slug}/join/").status_code == 200
    r = client.post(f"/blood/{drive.slug}/join/", {"time_slot": "下午"})
    assert r.status_code == 302
    signup = SignUp.objects.get(drive=drive, person__account=parent)
    assert (signup.source, signup.time_slot) == ("self", "下午")
    # The drive's page is public (date, place, slots); an account not linked to a person
    # cannot sign up from it.
    assert "我要报名" not in login(outsider).get(f"/blood/{drive.slug}/join/").content.decode()
    assert login(outsider).post(f"/blood/{drive.slug}/join/", {"time_slot": "下午"}).status_code == 403


def test_resident_cannot_open_staff_pages(login, parent, drive):
    assert login(parent).get(f"/blood/{drive.slug}/").status_code == 404


def _busy_drive(n, town_admin, blood_staff, town, make_person):
    """A drive with the cases each list column must count right: a cancelled sign-up, a donor
    screened twice, a voided screening and a voided donation, a deferred donor, a stem-cell
    volunteer (and one voided)."""
    import datetime as dt

    drive = services.create_drive(town_admin, town, slug=f"d-{n}", title=f"献血{n}", date=dt.date.today(),
                                  venue="党群服务中心", extra_checks=["health_code"])
    services.assign_staff(town_admin, drive, blood_staff)
    people = [make_person(age=30, sex="M") for _ in range(n + 4)]
    signups = [services.sign_up(blood_staff, drive, p) for p in people]
    services.cancel_signup(blood_staff, signups[0])
    for p in people[1:]:
        screening, _ = services.screen_donor(blood_staff, drive, p, checks={"health_code": True}, **GOOD)
    services.screen_donor(blood_staff, drive, people[1], checks={"health_code": True}, **GOOD)  # twice
    services.void_screening(blood_staff, screening, "录入错误")  # the last person's only screening
    services.screen_donor(blood_staff, drive, people[2], checks={"health_code": True}, **{**GOOD, "weight_kg": "40"})
    gifts = [services.record_donation(blood_staff, drive, p, volume_ml=200 + 100 * (i % 3))
             for i, p in enumerate(people[3:-1])]
    services.void_donation(blood_staff, gifts[0], "录入错误")
    relatives = [{"name": "王一", "phone": "13800138000"}, {"name": "王二", "phone": "13800138001"}]
    kept = services.sign_up_stem_cell(blood_staff, drive, people[1], consent=True, relatives=relatives)
    gone = services.sign_up_stem_cell(blood_staff, drive, people[2], consent=True, relatives=relatives)
    services.void_stem_cell_signup(blood_staff, gone, "重复登记")
    assert kept.pk
    return drive


def test_drive_list_figures_are_the_drive_stats(town_admin, blood_staff, town, make_person):
    from lehuo.blood import stats

    drives = [_busy_drive(n, town_admin, blood_staff, town, make_person) for n in (1, 2, 4)]
    drives.append(services.create_drive(town_admin, town, slug="d-empty", title="空", date=drives[0].date))
    figs = stats.list_figures(drives)
    columns = ("volunteers", "screened", "donors", "units", "stem_cell_signups")
    for drive in drives:
        full = stats.drive_stats(drive)
        assert figs[drive.pk] == {c: full[c] for c in columns}, drive.slug
    assert figs[drives[2].pk]["volunteers"] == 7 and figs[drives[2].pk]["donors"] == 3
    assert figs[drives[-1].pk]["donors"] == 0 and stats.list_figures([]) == {}


def test_drive_list_queries_do_not_grow_with_drives_and_pages(login, town_admin, blood_staff, town, make_person):
    import datetime as dt

    client = login(town_admin)
    _busy_drive(1, town_admin, blood_staff, town, make_person)
    few = _queries(client, "/blood/")
    for n in range(25):
        services.create_drive(town_admin, town, slug=f"x-{n}", title=f"活动{n}", date=dt.date(2021, 1, 1) + dt.timedelta(n))
    assert _queries(client, "/blood/") == few
    first, second = client.get("/blood/").content.decode(), client.get("/blood/?page=2").content.decode()
    assert "1 / 2" in first and "2 / 2" in second
    assert "活动24" in first and "活动0<" in second and "活动0<" not in first
