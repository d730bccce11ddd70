"""Issue 17: a social worker (or any resident) sees their own training record and certificates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from lehuo.training import services
from lehuo.training.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(cohort, make_person, town_admin, sw_lv11, hj9):
    """The social worker of 绿十一 is on the register (living in 虹九) and took the course."""
    person = make_person(hj9, name="周社工")
    person.account = sw_lv11
    person.save(update_fields=["account"])
    enrolment = services.enrol(town_admin, cohort, person)
    Certificate.objects.create(enrolment=enrolment, number="XJ-2021-001", code="c0de", issued_on=dt.date(2021, 9, 30),
                               hours=Decimal("16.0"), attendance_rate=Decimal("0.9"), issued_by=town_admin)
    return person, enrolment


def test_social_worker_sees_own_record_and_certificate(login, sw_lv11, trainee):
    person, enrolment = trainee
    client = login(sw_lv11)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("training:mine") in home  # a tile on their workbench
    page = client.get(reverse("training:mine"))
    body = page.content.decode()
    assert page.status_code == 200 and "零距离工作室第3期" in body and "XJ-2021-001" in body
    pdf = client.get(reverse("training:certificate_pdf", args=[enrolment.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Their own record through the record page and the API too (outside their neighbourhood).
    assert client.get(reverse("training:person_record", args=[person.pk])).status_code == 200


def test_someone_elses_certificate_stays_closed(login, instructor, sw_hj9, outsider, trainee, make_person, cohort,
                                                town_admin):
    _person, enrolment = trainee
    assert login(outsider).get(reverse("training:certificate_pdf", args=[enrolment.pk])).status_code == 404
    assert login(outsider).get(reverse("training:mine")).status_code == 200  # no record linked: says so
    assert "还没有关联人员信息" in login(outsider).get(reverse("training:mine")).content.decode()
