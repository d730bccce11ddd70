"""Excel export of a filtered list: formulas neutralised, masked unless the role may reveal, logged."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lehuo.platform.excel import read_rows, safe_cell, write_xlsx
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db

INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(1)", "=HYPERLINK(\"http://x\",\"y\")", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_like_text_is_written_as_text(text):
    wb = load_workbook(io.BytesIO(write_xlsx(["姓名"], [[text]])))
    cell = wb.active["A2"]
    assert cell.data_type == "s"  # a string cell, never a formula ("f")
    assert cell.value.startswith("'") and cell.value[1:].strip() == text.strip()  # XML turns \r into \n


@pytest.mark.parametrize("value", ["张三", "13812345678", 42, None])
def test_ordinary_values_are_untouched(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(1)"])
def test_people_export_neutralises_names_that_look_like_formulas(login, make_person, town_admin, name):
    make_person(name=name)
    r = login(town_admin).get(reverse("people:people_export"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    cell = wb.active["A2"]
    assert cell.data_type == "s" and cell.value == "'" + name


def test_export_follows_the_list_filters(login, make_person, town_admin, lv11, hj9):
    make_person(lv11, name="张一", tags=["党员"])
    make_person(lv11, name="李二")
    make_person(hj9, name="王三", tags=["党员"])
    r = login(town_admin).get(reverse("people:people_export"), {"tag": "党员", "neighbourhood": lv11.pk})
    names = [row[0] for row in read_rows(r.content)][1:]
    assert names == ["张一"]


def test_export_is_full_for_revealing_roles_and_logged(login, make_person, sw_lv11, lv11):
    p = make_person(lv11, phone="13812345678")
    r = login(sw_lv11).get(reverse("people:people_export"))
    row = list(read_rows(r.content))[1]
    assert p.id_number in row and "13812345678" in row
    log = AuditLog.objects.get(action="person.export_list")
    assert log.data["revealed"] is True and log.data["rows"] == 1 and log.actor == sw_lv11


def test_export_is_masked_for_programme_staff(login, make_person, instructor, lv11, monkeypatch):
    from lehuo.accounts import scoping
    from lehuo.people.models import Person

    p = make_person(lv11, phone="13812345678")
    hook = lambda user: __import__("django.db.models", fromlist=["Q"]).Q(pk=p.pk)  # noqa: E731
    monkeypatch.setattr(scoping, "_person_scope_hooks", lambda: [hook])
    r = login(instructor).get(reverse("people:people_export"))
    row = list(read_rows(r.content))[1]
    assert p.id_number not in row and "13812345678" not in row
    assert p.id_number_masked in row and "138****5678" in row
    assert Person.objects.count() == 1
    assert AuditLog.objects.get(action="person.export_list").data["revealed"] is False
