import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lehuo.platform.errors import ServiceError
from lehuo.training import services
from lehuo.training.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(cohort, make_person, town_admin, instructor):
    good, poor = make_person(name="李明华"), make_person(name="王芳")
    for p in (good, poor):
        services.enrol(town_admin, cohort, p)
    for i, s in enumerate(cohort.sessions.all()[:10]):
        services.record_attendance(instructor, s, [
            {"person_id": good.pk, "status": "present" if i != 3 else "absent"},
            {"person_id": poor.pk, "status": "present" if i < 5 else "absent"},
        ])
    return {"good": good, "poor": poor}


def test_certificate_only_for_those_who_met_the_rule(cohort, finished, instructor):
    issued, skipped = services.issue_certificates(instructor, cohort, on=dt.date(2022, 2, 15))
    assert (issued, skipped) == (1, 1)
    cert = Certificate.objects.get()
    assert cert.enrolment.person == finished["good"]
    assert cert.number == f"XJPX-2021-{cohort.pk:03d}-001"
    assert (cert.hours, str(cert.attendance_rate)) == (18, "0.900")
    poor = cohort.enrolments.get(person=finished["poor"])
    with pytest.raises(ServiceError) as exc:
        services.issue_certificate(instructor, poor)
    assert "50.0%" in exc.value.message and "80%" in exc.value.message


def test_certificate_pdf_and_public_verification(cohort, finished, instructor, login, client):
    services.issue_certificates(instructor, cohort)
    cert = Certificate.objects.get()
    r = login(instructor).get(f"/training/enrolments/{cert.enrolment_id}/certificate.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    page = client.get(f"/training/verify/{cert.code}/").content.decode()  # no login needed
    assert cert.number in page and "真实有效" in page and "李*华" in page and "李明华" not in page
    assert client.get("/training/verify/not-a-code/").status_code == 404


def test_certificate_pdf_text_has_cjk(cohort, finished, instructor):
    from lehuo.platform.pdf import render_pdf

    services.issue_certificates(instructor, cohort)
    cert = Certificate.objects.get()
    pdf = render_pdf("training/certificate_pdf.html", {
        "cert": cert, "enrolment": cert.enrolment, "cohort": cohort, "studio": cohort.programme.studio,
        "verify_url": "http://x/", "qr": ""})
    inflated = _inflate(pdf)
    assert b"Noto-Sans-CJK" in inflated or b"NotoSansCJK" in inflated  # CJK font embedded: renders anywhere


def _inflate(pdf: bytes) -> bytes:
    """The PDF with its compressed streams expanded (font names live in object streams)."""
    import re
    import zlib

    out = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end():match.end() + 2_000_000]))
        except zlib.error:
            continue
    return b"".join(out)


def test_excel_export_of_people_and_sessions(cohort, finished, instructor, login):
    c = login(instructor)
    people = load_workbook(io.BytesIO(c.get(f"/training/cohorts/{cohort.pk}/export.xlsx").content))
    rows = list(people.active.values)
    assert rows[0][:3] == ("姓名", "居民区", "已上课次")
    assert {r[0]: r[7] for r in rows[1:]} == {"李明华": 0.9, "王芳": 0.5}
    sessions = load_workbook(io.BytesIO(c.get(f"/training/cohorts/{cohort.pk}/export.xlsx?sheet=sessions").content))
    srows = list(sessions.active.values)
    assert srows[0][0] == "日期" and len(srows) == 1 + cohort.sessions.count()


def test_training_record_across_programmes(cohort, finished, make_cohort, town_admin, instructor, login):
    later = make_cohort(number=4, starts_on=dt.date(2022, 3, 1), ends_on=dt.date(2022, 3, 31))
    services.enrol(town_admin, later, finished["good"])
    services.record_attendance(town_admin, later.sessions.first(), [{"person_id": finished["good"].pk, "status": "late"}])
    services.issue_certificates(instructor, cohort)
    body = login(town_admin).get(f"/training/people/{finished['good'].pk}/").content.decode()
    assert "累计学时 <strong>20.0</strong>" in body
    assert "2022年 2.0 小时" in body and "2021年 18.0 小时" in body
    assert f"XJPX-2021-{cohort.pk:03d}-001" in body
