"""Excel import: a dry-run report naming each bad row and field, then all or nothing."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from lehuo.people.importers import import_people, template_xlsx
from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number, upload, xlsx
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog, Job

pytestmark = pytest.mark.django_db


def good_rows(n=3, start=1):
    return [[f"居民{i}", id_number(seed=i), f"1391234{i:04d}", "绿十一", "党员、志愿者"] for i in range(start, start + n)]


def errors_by_row(result):
    return {(e.row, e.field) for e in result.errors}


def test_clean_file_dry_run_writes_nothing(town, lv11, town_admin):
    result = import_people(town_admin, town, xlsx(good_rows()), commit=False)
    assert result.ok and result.rows == 3
    assert not Person.objects.exists()


def test_clean_file_commit_writes_people_with_tags_and_one_log(town, lv11, town_admin):
    result = import_people(town_admin, town, xlsx(good_rows()), commit=True)
    assert result.ok
    people = Person.objects.order_by("name")
    assert [p.name for p in people] == ["居民1", "居民2", "居民3"]
    assert sorted(t.name for t in people[0].tags.all()) == ["党员", "志愿者"]
    assert people[0].name_initials == "jm1" and people[0].phone_tail == "0001"
    assert people[0].birth_date is not None and people[0].sex == "M"
    assert AuditLog.objects.filter(action="person.import").get().data["created"] == 3


def test_bad_rows_are_reported_by_row_and_field_and_nothing_is_written(town, lv11, town_admin, make_person):
    existing = make_person(lv11)
    rows = good_rows(2) + [
        ["坏校验位", id_number(seed=9)[:-1] + ("0" if id_number(seed=9)[-1] != "0" else "1"), "", "绿十一", ""],
        ["坏日期", "310105199002301230", "", "绿十一", ""],
        ["坏电话", "", "12345", "绿十一", ""],
        ["未知居民区", "", "", "火星", ""],
        ["未知标签", "", "", "绿十一", "宇航员"],
        ["重复", id_number(seed=1), "", "绿十一", ""],  # same as row 2
        ["已登记", existing.id_number, "", "绿十一", ""],
        ["", "", "", "绿十一", ""],
    ]
    result = import_people(town_admin, town, xlsx(rows), commit=True)
    assert not result.ok
    assert errors_by_row(result) == {
        (4, "id_number"), (5, "id_number"), (6, "phone"), (7, "neighbourhood"), (8, "tags"),
        (9, "id_number"), (10, "id_number"), (11, "name"),
    }
    messages = {e.row: e.message for e in result.errors}
    assert "第2行" in messages[9]
    assert "已登记" in messages[10]
    assert Person.objects.count() == 1  # only the one made before
    assert not AuditLog.objects.filter(action="person.import").exists()


def test_wrong_headers_are_refused_naming_the_missing_columns(town, lv11, town_admin):
    with pytest.raises(ServiceError, match="姓名.*居民区|居民区.*姓名") as exc:
        import_people(town_admin, town, xlsx(good_rows(), headers=["名称", "号码", "电话", "小区", "标签"]),
                      commit=True)
    assert exc.value.field == "file"
    assert not Person.objects.exists()


def test_merged_cells_and_empty_rows_are_handled(town, lv11, hj9, town_admin):
    rows = good_rows(1) + [[], [None, None, None, None, None]] + good_rows(1, start=2)
    rows[3][3] = "虹九"
    # Row 3 (first data row after the header on row 2) merged across name and ID: the ID is lost.
    data = xlsx(rows, merge="A3:B3", leading_blank_rows=1)
    result = import_people(town_admin, town, data, commit=True)
    assert errors_by_row(result) == set()  # merged row keeps the name; ID becomes empty, which is allowed
    assert Person.objects.count() == 2


def test_merged_cell_hiding_a_required_value_is_reported(town, lv11, town_admin):
    rows = good_rows(2)
    data = xlsx(rows, merge="C2:D2")  # the neighbourhood of row 2 sits under a merge
    result = import_people(town_admin, town, data, commit=True)
    assert errors_by_row(result) == {(2, "neighbourhood")}
    assert not Person.objects.exists()


def test_csv_in_gbk_with_excel_name_is_sniffed_by_content(town, lv11, town_admin):
    text = f"姓名,证件号码,居民区\n张三,{id_number(seed=3)},绿十一\n"
    result = import_people(town_admin, town, text.encode("gb18030"), commit=True, filename="people.xlsx")
    assert result.ok and Person.objects.get().name == "张三"


def test_social_worker_cannot_import_into_other_neighbourhood(town, lv11, hj9, sw_lv11):
    rows = good_rows(1) + [["外区", "", "", "虹九", ""]]
    result = import_people(sw_lv11, town, xlsx(rows), commit=True)
    assert errors_by_row(result) == {(3, "neighbourhood")}
    assert not Person.objects.exists()


def test_page_flow_dry_run_then_commit(login, town, lv11, town_admin):
    c = login(town_admin)
    r = c.post(reverse("people:people_import"), {"file": upload(xlsx(good_rows()))}, follow=True)
    assert r.status_code == 200
    assert "全部 3 行校验无误" in r.content.decode()
    assert not Person.objects.exists()
    job = Job.objects.get(kind="people.import.check")
    r = c.post(reverse("people:people_import_commit", args=[job.pk]), follow=True)
    assert r.status_code == 200
    assert Person.objects.count() == 3
    job.refresh_from_db()
    assert not job.file  # the upload (with ID numbers) is gone once written


def test_page_report_lists_each_bad_row(login, town, lv11, town_admin):
    rows = good_rows(1) + [["坏电话", "", "12345", "绿十一", ""]]
    r = login(town_admin).post(reverse("people:people_import"), {"file": upload(xlsx(rows))}, follow=True)
    body = r.content.decode()
    assert "未写入任何数据" in body and "手机号码" in body and 'id="commit"' not in body


def test_big_file_goes_through_the_task_with_progress(login, town, lv11, town_admin, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    from lehuo.people.views import imports

    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    c = login(town_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:people_import"), {"file": upload(xlsx(good_rows(5)))})
    job = Job.objects.get(kind="people.import.check")
    assert r.url == reverse("web:job", args=[job.pk])
    assert (job.status, job.progress, job.total) == ("done", 5, 5)
    assert c.get(reverse("web:job", args=[job.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("people:people_import_commit", args=[job.pk]))
    assert Person.objects.count() == 5
    assert Job.objects.get(kind="people.import.commit").status == "done"


def test_the_task_reports_in_the_language_of_whoever_uploaded(login, town, lv11, town_admin, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from django.conf import settings

    from lehuo.people.views import imports

    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    c = login(town_admin)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = good_rows(2)
    rows[1][3] = "nowhere"
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        c.post(reverse("people:people_import"), {"file": upload(xlsx(rows))})
        translation.activate("zh-hans")  # the worker's own language is the site's default
    job = Job.objects.get(kind="people.import.check")
    assert (job.status, job.message) == ("done", "1 row has errors")
    assert [e["label"] for e in job.result["errors"]] == ["Neighbourhood"]


def test_commit_refuses_when_data_changed_since_dry_run(login, town, lv11, town_admin, make_person):
    c = login(town_admin)
    rows = good_rows(2)
    c.post(reverse("people:people_import"), {"file": upload(xlsx(rows))})
    job = Job.objects.get(kind="people.import.check")
    from lehuo.people import services

    services.create_person(town_admin, town, name="抢先", neighbourhood=lv11, id_number=rows[1][1])
    c.post(reverse("people:people_import_commit", args=[job.pk]))
    assert list(Person.objects.values_list("name", flat=True)) == ["抢先"]
    assert Job.objects.get(kind="people.import.commit").status == "failed"


def test_upload_that_is_not_a_table_is_refused(login, town, lv11, town_admin):
    r = login(town_admin).post(reverse("people:people_import"), {"file": upload(b"\x00\x01binary\x00", "a.xlsx")})
    assert r.status_code == 200 and "file" in r.context["form"].errors


def test_template_file_imports_cleanly(town, lv11, hj9, town_admin):
    assert import_people(town_admin, town, template_xlsx(), commit=False).ok


def test_english_template_reads_back_in_either_language(town, lv11, hj9, town_admin):
    """The template downloaded in English (English headers, "Male") imports, whatever the
    language of whoever uploads it; a row error names the column in the reader's language."""
    with translation.override("en"):
        data = template_xlsx()
        headers = next(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert headers[:3] == ("Name", "ID number", "Mobile number")
    assert import_people(town_admin, town, data, commit=False).ok
    with translation.override("en"):
        result = import_people(town_admin, town, xlsx([["王五", "", "", "nowhere", ""]]), commit=False)
        assert [e.as_dict()["label"] for e in result.errors] == ["Neighbourhood"]
