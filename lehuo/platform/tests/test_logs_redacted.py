"""No ID number or phone in clear in the logs, during create, update and import."""

import logging

import pytest
from django.urls import reverse

from lehuo.people.tests.helpers import id_number, upload, xlsx
from lehuo.platform.logging import RedactPersonalData, redact

pytestmark = pytest.mark.django_db

PHONE = "13911112222"


@pytest.fixture
def all_logs(caplog):
    """Every record at DEBUG from every logger, formatted as the console handler would."""
    caplog.set_level(logging.DEBUG)
    return caplog


def logged_text(caplog) -> str:
    return "\n".join(r.getMessage() + " " + str(r.exc_text or "") for r in caplog.records)


def test_create_update_import_and_errors_log_no_plaintext(all_logs, login, api, town_admin, lv11):
    number, other = id_number(seed=90), id_number(seed=91)
    c = login(town_admin)
    c.post(reverse("people:person_create"), {"name": "日志检查", "neighbourhood": lv11.pk,
                                           "id_number": number, "phone": PHONE})
    from lehuo.people.models import Person

    p = Person.objects.get()
    c.post(reverse("people:person_edit", args=[p.pk]), {"name": "日志检查", "neighbourhood": lv11.pk, "phone": "13933334444"})
    api(town_admin).post("/api/v1/people", {"name": "坏号码", "id_number": number[:-1] + "Z", "phone": "139111122"})
    api(town_admin).post("/api/v1/people", {"name": "重复", "id_number": number, "neighbourhood_id": lv11.pk})
    c.post(reverse("people:people_import"), {"file": upload(xlsx([["导入", other, "13955556666", "绿十一", ""],
                                                                ["重复", other, "13955556666", "绿十一", ""]]))})
    text = logged_text(all_logs)
    assert all_logs.records  # something was logged (requests, tasks...)
    for secret in (number, other, PHONE, "13933334444", "13955556666"):
        assert secret not in text


def test_filter_masks_numbers_that_do_get_logged():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "lookup %s by %s failed",
                               ("11010519491231002X", "13812345678"), None)
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "lookup 110105********002X by 138****5678 failed"


def test_redact_leaves_other_numbers_alone():
    assert redact("order 12345 at 2021-07-28, 187 donors") == "order 12345 at 2021-07-28, 187 donors"
