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


@pytest.mark.parametrize("persona", ["town_admin", "sw_lv11"])
def test_list_export_is_masked_for_every_role_and_logged(request, login, make_person, lv11, persona):
    """One click never exports full ID numbers and phones (issue 16, finding 7)."""
    p = make_person(lv11, phone="13812345678")
    user = request.getfixturevalue(persona)
    r = login(user).get(reverse("people:people_export"))
    row = list(read_rows(r.content))[1]
    assert p.id_number not in row and "13812345678" not in row
    assert p.id_number_masked in row and "138****5678" in row
    assert r["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action="person.export_list")
    assert log.data["revealed"] is False and log.data["rows"] == 1 and log.actor == user


@pytest.mark.parametrize("persona", ["instructor", "viewer", "editor"])
def test_list_export_is_refused_to_roles_outside_the_register(request, login, make_person, lv11, persona):
    make_person(lv11)
    assert login(request.getfixturevalue(persona)).get(reverse("people:people_export")).status_code == 403
    assert not AuditLog.objects.filter(action="person.export_list").exists()


def test_full_export_is_a_town_admin_right(login, make_person, lv11, sw_lv11):
    make_person(lv11)
    c = login(sw_lv11)
    assert c.get(reverse("people:people_export_full")).status_code == 403
    assert c.post(reverse("people:people_export_full"), {"reason": "核对"}).status_code == 403
    assert not AuditLog.objects.filter(action="person.export_list").exists()


def test_full_export_asks_a_reason_then_is_watermarked_and_logged(login, make_person, lv11, town_admin):
    p = make_person(lv11, phone="13812345678", address="新泾路1号")
    c = login(town_admin)
    page = c.get(reverse("people:people_export_full"))
    assert page.status_code == 200 and "reason" in page.context["form"].fields
    refused = c.post(reverse("people:people_export_full"), {"reason": " "})
    assert refused.status_code == 400 and "reason" in refused.context["form"].errors
    assert not AuditLog.objects.filter(action="person.export_list").exists()
    r = c.post(reverse("people:people_export_full"), {"reason": "低保复核"})
    rows = list(read_rows(r.content))
    mark = rows[0][0]
    assert "admin" in mark and "低保复核" in mark  # who and why, on the sheet itself
    assert p.id_number in rows[2] and "13812345678" in rows[2] and "新泾路1号" in rows[2]
    wb = load_workbook(io.BytesIO(r.content))
    assert "低保复核" in wb.active.oddFooter.center.text and "低保复核" in wb.properties.description
    assert r["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action="person.export_list")
    assert log.data["revealed"] is True and log.data["reason"] == "低保复核" and log.data["rows"] == 1
    assert log.data["columns"] == ["id_number", "phone", "address"]
