"""The same journeys in English (issue 14, point 5): service errors, import reports, job
messages, export headers and file names follow the reader's language."""

import io

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from openpyxl import load_workbook

from lehuo.donations import importers, services, tasks
from lehuo.platform.errors import ServiceError
from lehuo.platform.jobs import seal, with_language
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_service_error_in_english(drive, town_admin):
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        services.parse_amount("abc")
    assert exc.value.message == "Invalid amount"
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        services.parse_amount("20000000")
    assert exc.value.message.startswith("The amount exceeds the limit of ") and exc.value.message.endswith(" yuan")
    with pytest.raises(ServiceError, match="金额格式不正确"):  # Chinese stays the default
        services.parse_amount("abc")


def test_entry_form_shows_the_service_error_in_english(login, drive, town_admin, lv11):
    client = english(login(town_admin))
    r = client.post(f"/donations/drives/{drive.pk}/donations/new/", {
        "neighbourhood": lv11.pk, "donor_kind": "outsider", "donor_name": "Li", "amount": "0",
        "channel": "offline", "method": "cash", "received_on": "2021-07-25"})
    html = r.content.decode()
    assert "The amount must be greater than 0" in html and "金额必须大于0" not in html


def test_export_headers_follow_the_reader(login, drive, give, town_admin):
    give(donor_name="王五")
    client = english(login(town_admin))
    r = client.get(f"/donations/drives/{drive.pk}/donations/?format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["Date", "Donor", "Type", "Amount"] and "Status" in heads
    assert "donations.xlsx" in r["Content-Disposition"]
    r = login(town_admin).get(f"/donations/drives/{drive.pk}/donations/?format=xlsx")
    assert [c.value for c in load_workbook(io.BytesIO(r.content)).active[1]][:2] == ["日期", "捐赠人"]


def test_import_report_and_job_message_in_the_starters_language(drive, town_admin):
    data = b"Date,Amount,Donor\n2021-07-25,abc,Li\n2021-07-25,100,Wang\n"
    with translation.override("en"):
        job = Job.objects.create(kind=tasks.CHECK, created_by=town_admin, params=with_language({
            "drive": drive.pk, "kind": "offline", "filename": "s.csv", "headers": ["Date", "Amount", "Donor"],
            "mapping": importers.guess_mapping(["Date", "Amount", "Donor"])}))
    job.file.save(f"{job.pk}-donations.bin", ContentFile(seal(data)), save=True)
    tasks.run_import(job.pk)  # as the worker runs it: in the default language
    job.refresh_from_db()
    assert job.message == "1 row has errors"
    [error] = job.result["errors"]
    assert (error["row"], error["label"], error["message"]) == (2, "Amount", "Invalid amount")


def test_english_headers_are_recognised_and_missing_columns_named_in_english(drive):
    assert importers.guess_mapping(["Transaction ID", "Amount", "Date"]) == {
        "Transaction ID": "reference", "Amount": "amount", "Date": "received_on"}
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        importers.read_statement(b"Donor,Notes\nLi,hi\n", "online", "s.csv")
    assert exc.value.message.startswith("The header lacks required columns: Transaction no., Amount, Date")



def _chinese_left(html: str, *data: str) -> list[str]:
    """The Chinese left in the body of ``html`` once names and data are taken out."""
    import re

    body = html.split("<body>")[1]
    for value in data:
        body = body.replace(value, "")
    return re.findall(r"[\u4e00-\u9fff]+", body)


def test_letter_of_thanks_and_disclosure_print_in_english(drive, give, town_admin):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from lehuo.donations import public

    d = give(donor_name="Li Ming", named_consent=True)
    drive.disclosure_public = True
    drive.save()
    with translation.override("en"):
        context = public.acknowledgement(town_admin, d)
        letter = render_to_string("donations/ack_print.html", context)
        _drive, rows, s = public.disclosure(None, drive.pk)
        disclosure = render_to_string("donations/disclosure_print.html", {
            "drive": drive, "rows": rows, "s": s, "handovers": s["handovers"], "today": timezone.localdate()})
    assert "Letter of Thanks" in letter and "Dear Li Ming," in letter and '"Page " counter(page)' in letter
    data = (drive.title, drive.organiser.name, drive.town.name, context["handler"])
    assert _chinese_left(letter, *data) == []
    assert "Li Ming" in disclosure and "yuan handed over to the charity" in disclosure
    assert _chinese_left(disclosure, *data) == []
