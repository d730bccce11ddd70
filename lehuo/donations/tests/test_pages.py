import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lehuo.donations import services
from lehuo.donations.models import Donation
from lehuo.people.models import Organisation
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db


def test_index_lists_drives_for_staff_not_outsider(login, drive, town_admin, outsider):
    r = login(town_admin).get("/donations/")
    assert r.status_code == 200 and drive.title in r.content.decode()
    assert login(outsider).get("/donations/").status_code == 403


def test_overview_shows_figures_and_svg_chart(login, drive, give, make_person, sw_lv11, lv11, outsider):
    p = make_person(tags=["党员"])
    give("100.00", person=p, neighbourhood=lv11)
    give("50.00", person=p, neighbourhood=lv11)
    voided = give("999.00", neighbourhood=lv11)
    services.void_donation(drive.created_by, voided, "录错")
    r = login(sw_lv11).get(f"/donations/drives/{drive.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="fig-people">1<' in html and 'id="fig-total">150.00<' in html
    assert "<svg" in html and "绿十一" in html
    assert login(outsider).get(f"/donations/drives/{drive.pk}/").status_code == 404  # not told it exists


def test_list_shows_social_worker_only_own_neighbourhood(login, drive, give, sw_lv11, lv11, hj9):
    give(donor_name="绿十一捐款人", neighbourhood=lv11)
    give(donor_name="虹九捐款人", neighbourhood=hj9)
    html = login(sw_lv11).get(f"/donations/drives/{drive.pk}/donations/").content.decode()
    assert "绿十一捐款人" in html and "虹九捐款人" not in html


def test_list_filters_by_channel_and_search(login, drive, give, town_admin):
    give(donor_name="线下甲")
    give(donor_name="线上乙", channel="online", method="wechat", reference="WX9")
    client = login(town_admin)
    html = client.get(f"/donations/drives/{drive.pk}/donations/?channel=online").content.decode()
    assert "线上乙" in html and "线下甲" not in html
    html = client.get(f"/donations/drives/{drive.pk}/donations/?q=WX9").content.decode()
    assert "线上乙" in html and "线下甲" not in html


def test_export_neutralises_formula_in_donor_name(login, drive, give, town_admin):
    give(donor_name='=HYPERLINK("http://evil.example","点我")')
    r = login(town_admin).get(f"/donations/drives/{drive.pk}/donations/?format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    cell = ws.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    assert AuditLog.objects.filter(action="donation.export.list").exists()


def test_entry_form_records_cash_for_own_neighbourhood(login, drive, make_person, sw_lv11, lv11):
    p = make_person(lv11)
    r = login(sw_lv11).post(f"/donations/drives/{drive.pk}/donations/new/", {
        "neighbourhood": lv11.pk, "donor_kind": "person", "id_number": p.id_number, "amount": "200",
        "method": "cash", "received_on": "2021-07-25", "reference": "LV11-001"})
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Donation.objects.get()
    assert (d.person, d.neighbourhood, d.channel, d.source) == (p, lv11, "offline", "form")


def test_entry_form_refuses_other_neighbourhood(login, drive, sw_lv11, hj9):
    r = login(sw_lv11).post(f"/donations/drives/{drive.pk}/donations/new/", {
        "neighbourhood": hj9.pk, "donor_kind": "outsider", "donor_name": "某人", "amount": "200",
        "method": "cash", "received_on": "2021-07-25"})
    assert r.status_code == 200 and 'id="error-neighbourhood"' in r.content.decode()
    assert not Donation.objects.exists()


def test_entry_form_names_unknown_resident(login, drive, sw_lv11, lv11):
    r = login(sw_lv11).post(f"/donations/drives/{drive.pk}/donations/new/", {
        "neighbourhood": lv11.pk, "donor_kind": "person", "donor_name": "查无此人", "phone": "13900000000",
        "amount": "200", "method": "cash", "received_on": "2021-07-25"})
    assert 'id="error-id_number"' in r.content.decode()


def test_entry_form_forbidden_for_viewer(login, drive, viewer):
    assert login(viewer).get(f"/donations/drives/{drive.pk}/donations/new/").status_code == 403


def test_detail_void_and_receipt_in_scope_only(login, drive, give, sw_lv11, lv11, hj9):
    mine, theirs = give(neighbourhood=lv11), give(neighbourhood=hj9)
    client = login(sw_lv11)
    assert client.get(f"/donations/d/{mine.pk}/").status_code == 200
    assert client.get(f"/donations/d/{theirs.pk}/").status_code == 404
    assert client.post(f"/donations/d/{theirs.pk}/void/", {"reason": "x"}).status_code == 404
    client.post(f"/donations/d/{mine.pk}/receipt/", {"receipt_number": "SH-1"})
    client.post(f"/donations/d/{mine.pk}/void/", {"reason": "重复登记"})
    mine.refresh_from_db()
    assert mine.receipt_number == "SH-1" and mine.void_reason == "重复登记" and mine.voided_at


def test_acknowledgement_pdf_in_scope_only(login, drive, give, sw_lv11, lv11, hj9):
    mine, theirs = give(neighbourhood=lv11), give(neighbourhood=hj9)
    r = login(sw_lv11).get(f"/donations/d/{mine.pk}/acknowledgement.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert login(sw_lv11).get(f"/donations/d/{theirs.pk}/acknowledgement.pdf").status_code == 404


def test_disclosure_names_only_with_consent(login, drive, give, make_person, town_admin):
    """Charity Law: a donor's name only with their consent, otherwise 爱心人士 (not a masked name)."""
    give(person=make_person(name="张龙云"))
    give(person=make_person(name="李明"), named_consent=True)
    give(donor_name="王小二")
    give(organisation=Organisation.objects.create(town=drive.town, name="新泾中学", kind="school"))
    html = login(town_admin).get(f"/donations/drives/{drive.pk}/disclosure/").content.decode()
    assert "张龙云" not in html and "张*云" not in html and "王*二" not in html
    assert "李明" in html and "新泾中学" in html and html.count("爱心人士") >= 2
    ws = load_workbook(io.BytesIO(login(town_admin).get(
        f"/donations/drives/{drive.pk}/disclosure/?format=xlsx").content)).active
    names = {ws.cell(row=i, column=2).value for i in range(2, 6)}
    assert names == {"爱心人士", "李明", "新泾中学"}
    pdf = login(town_admin).get(f"/donations/drives/{drive.pk}/disclosure/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_disclosure_public_only_when_drive_says_so(client, login, drive, outsider):
    assert login(outsider).get(f"/donations/drives/{drive.pk}/disclosure/").status_code == 404
    assert client.get(f"/donations/drives/{drive.pk}/disclosure/").status_code == 404
    drive.disclosure_public = True
    drive.save()
    assert client.get(f"/donations/drives/{drive.pk}/disclosure/").status_code == 200


def test_reconciliation_highlights_differences_for_town_admin(login, drive, give, town_admin, sw_lv11):
    give("300.00")
    give("200.00", channel="online", method="wechat", reference="WX1")
    services.record_handover(town_admin, drive, channel="online", amount="200.00", handed_on="2021-08-01")
    html = login(town_admin).get(f"/donations/drives/{drive.pk}/reconciliation/").content.decode()
    assert 'class="diff" id="row-offline"' in html and 'class="" id="row-online"' in html
    assert login(sw_lv11).get(f"/donations/drives/{drive.pk}/reconciliation/").status_code == 403


def test_reconciliation_form_records_handover(login, drive, town_admin):
    r = login(town_admin).post(f"/donations/drives/{drive.pk}/reconciliation/", {
        "channel": "offline", "amount": "100", "handed_on": "2021-08-01", "voucher_number": "HJ-1"})
    assert r.status_code == 302
    assert drive.handovers.get().amount == 100


def test_drive_create_page_for_town_admin_only(login, town_admin, sw_lv11, charity):
    assert login(sw_lv11).get("/donations/drives/new/").status_code == 403
    r = login(town_admin).post("/donations/drives/new/", {
        "slug": "typhoon-2021", "title": "抗击台风", "organiser": charity.pk, "starts_on": "2021-09-01",
        "ends_on": "2021-09-30", "accepts_online": "on", "accepts_offline": "on"})
    assert r.status_code == 302


def test_import_wizard_upload_map_check_commit(login, drive, town_admin, django_capture_on_commit_callbacks):
    client = login(town_admin)
    csv = "单号,付款方,金额,交易时间\nWX1,甲,10.50,2021-07-22\nWX2,乙,20,2021-07-23\n".encode()
    r = client.post(f"/donations/drives/{drive.pk}/import/", {
        "kind": "online", "file": SimpleUploadedFile("s.csv", csv)})
    assert r.status_code == 302
    mapping_url = r["Location"]
    page = client.get(mapping_url).content.decode()
    assert "单号" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(mapping_url, {"col_0": "reference", "col_1": "donor_name", "col_2": "amount",
                                      "col_3": "received_on"})
    job_id = int(mapping_url.rstrip("/").split("/")[-2])
    report = client.get(f"/donations/import/{job_id}/").content.decode()
    assert 'id="rows-new">2<' in report and 'id="commit"' in report
    assert not Donation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/donations/import/{job_id}/commit/")
    assert Donation.objects.count() == 2
    assert client.post(f"/donations/import/{job_id}/commit/").status_code == 302
    assert Donation.objects.count() == 2


def test_a_commit_whose_worker_died_can_be_submitted_again(login, drive, town_admin,
                                                           django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from lehuo.platform.models import Job

    client = login(town_admin)
    csv = "单号,付款方,金额,交易时间\nWX1,甲,10.50,2021-07-22\n".encode()
    mapping_url = client.post(f"/donations/drives/{drive.pk}/import/", {
        "kind": "online", "file": SimpleUploadedFile("s.csv", csv)})["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(mapping_url, {"col_0": "reference", "col_1": "donor_name", "col_2": "amount",
                                  "col_3": "received_on"})
    job_id = int(mapping_url.rstrip("/").split("/")[-2])
    # a commit job left "running" by a killed worker, 10 minutes ago: still blocks a second commit
    dead = Job.objects.create(kind="donations.import.commit", status=Job.RUNNING, created_by=town_admin,
                              params={"source_job": job_id})
    ten_minutes_ago = timezone.now() - dt.timedelta(minutes=10)
    Job.objects.filter(pk=dead.pk).update(created_at=ten_minutes_ago, queued_at=ten_minutes_ago)
    client.post(f"/donations/import/{job_id}/commit/")
    assert not Donation.objects.exists()
    # an hour later it is stale (its transaction rolled back with the worker): commit again
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=dead.pk).update(created_at=an_hour_ago, queued_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/donations/import/{job_id}/commit/")
    assert Donation.objects.count() == 1


def test_import_wizard_forbidden_for_viewer_and_other_users_job(login, drive, viewer, town_admin, sw_lv11, lv11):
    assert login(viewer).get(f"/donations/drives/{drive.pk}/import/").status_code == 403
    r = login(sw_lv11).post(f"/donations/drives/{drive.pk}/import/", {
        "kind": "offline", "neighbourhood": lv11.pk,
        "file": SimpleUploadedFile("l.csv", "姓名,金额,日期\n甲,1,2021-07-22\n".encode())})
    assert r.status_code == 302
    assert login(town_admin).get(r["Location"]).status_code == 404


def test_list_page_queries_do_not_grow_with_rows(login, drive, give, make_person, town_admin,
                                                 django_assert_max_num_queries):
    client = login(town_admin)
    for _ in range(3):
        give(person=make_person())
    client.get(f"/donations/drives/{drive.pk}/donations/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/donations/drives/{drive.pk}/donations/")
    for _ in range(20):
        give(person=make_person())
    with django_assert_max_num_queries(len(few)):
        client.get(f"/donations/drives/{drive.pk}/donations/")
