"""Bad uploads: every file upload of the product, fed broken, hostile, huge and odd files.

Uploads covered: the people import (``people:people_import``, inline and through the background
job), the donation statement import wizard (upload, column mapping, job, report), newsletter
photos, visit photos and handover vouchers. Every file is made in the test (``uploads.py``).

Every refused case answers below 500 (the page's own pattern: the form again with its error,
or the import report), shows a Chinese message, and writes nothing: the row count of every
table (``table_counts()``) is unchanged except the import's own ``Job`` row (the dry-run
report that carries the message), and no file is left under ``MEDIA_ROOT`` (an import's
upload is kept only while it can still be committed). Accepted cases ("should work") are
checked to work: GBK and BOM CSV, CSV saved by an .xlsx name, a picture with the wrong
extension. Formula and script text is imported as text, then exported neutralised and shown
escaped.
"""

import dataclasses
import datetime as dt
import io
import random
import zipfile
from collections.abc import Callable

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lehuo.donations import services as donation_services
from lehuo.donations.models import Donation, Handover
from lehuo.people.demo import make_id_number
from lehuo.people.models import Organisation, Person
from lehuo.platform.backup import table_counts
from lehuo.platform.models import Job

from . import uploads as u

pytestmark = pytest.mark.django_db

JOB_TABLE = Job._meta.db_table
HEADERS = ["姓名", "证件号码", "手机号码", "居民区", "标签"]


def rid(seed: int, year: int = 1980, sex: str = "M") -> str:
    """A valid ID number, a different birthday per seed (so no two rows share one by chance)."""
    return make_id_number(random.Random(seed), dt.date(year, 1, 1) + dt.timedelta(days=seed), sex, "310105")


def bad_rid(seed: int) -> str:
    valid = rid(seed)
    return valid[:-1] + ("0" if valid[-1] != "0" else "1")


def good(n: int = 2, start: int = 1) -> list[list]:
    return [[f"居民{i}", rid(i), f"1391234{i:04d}", "绿十一", "党员"] for i in range(start, start + n)]


def people_xlsx(rows, headers=HEADERS) -> bytes:
    return u.xlsx([headers, *rows])


# --- the checks every case shares ----------------------------------------------------------------

def files_in(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def snapshot(media):
    def take():
        return table_counts(), files_in(media)
    return take


def page_text(response) -> str:
    return response.content.decode("utf-8", "replace")


def assert_refused(response, before, after, says: tuple[str, ...], written=frozenset()):
    """Below 500, the message on the page, nothing written but ``written`` tables, no file left."""
    assert response.status_code < 500, f"HTTP {response.status_code}"
    page = page_text(response)
    for text in says:
        assert text in page, f"the page does not say {text!r}"
    (counts_before, files_before), (counts_after, files_after) = before, after
    changed = {t: (counts_before.get(t), n) for t, n in counts_after.items()
               if n != counts_before.get(t) and t not in written}
    assert not changed, f"rows written: {changed}"
    assert files_after == files_before, f"files left: {sorted(set(files_after) - set(files_before))}"


@pytest.fixture
def spy(monkeypatch):
    """``spy()`` from the moment the file is built: records which zip members are decompressed,
    and makes reaching calamine a failure (for a bomb, a regression then fails the test
    instead of aborting the process)."""
    import python_calamine

    seen = {"opened": [], "calamine": 0}
    real_open = zipfile.ZipFile.open

    def opened(self, name, *args, **kwargs):
        seen["opened"].append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, *args, **kwargs)

    class NoCalamine:
        @staticmethod
        def from_filelike(*args, **kwargs):
            seen["calamine"] += 1
            raise AssertionError("calamine was given a file the checks should have refused")

    def start():
        monkeypatch.setattr(zipfile.ZipFile, "open", opened)
        monkeypatch.setattr(python_calamine, "CalamineWorkbook", NoCalamine)
        return seen

    return start


# --- people import ------------------------------------------------------------------------------

@pytest.fixture
def people(login, town_admin, lv11, hj9, django_capture_on_commit_callbacks):
    client = login(town_admin)

    def send(data: bytes, name: str = "people.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):  # a big file's job runs here
            response = client.post(reverse("people:people_import"), {"file": u.upload(data, name)})
        while response.status_code == 302:  # to the report, or to the job page
            response = client.get(response.url)
        return response

    send.client = client
    return send


def last_check_job() -> Job | None:
    return Job.objects.filter(kind="people.import.check").order_by("-pk").first()


@dataclasses.dataclass(frozen=True)
class Refused:
    id: str
    make: Callable[[], bytes]
    says: tuple[str, ...]
    name: str = "people.xlsx"
    bomb: bool = False  # refused before calamine (and, for size bombs, before any decompression)
    unopened: bool = False  # refused before any zip member is decompressed


def _truncated() -> bytes:
    data = people_xlsx(good())
    return data[: len(data) // 2]


def _ods() -> bytes:
    return u.zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                     "content.xml": '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:'
                                    'tc:opendocument:xmlns:office:1.0"/>'})


def _claims_2_gb() -> bytes:
    # 20 KB on disk; its sheet says it unpacks to 2 GB: refused from the headers alone.
    data = u.xlsx([HEADERS, *good()], extra={"docProps/thumbnail.bin": u.noise(20_000)})
    return u.with_declared_size(data, "xl/worksheets/sheet1.xml", 2 * 1024 ** 3)


def _ratio_bomb() -> bytes:
    # 10 MB of spaces inside the sheet, ~10 KB compressed: honest sizes, a 1000:1 ratio.
    return u.xlsx(sheet_xml=u.sheet(u.sheet_rows([HEADERS, *good()]) + " " * 10_000_000))


def _longer_than_declared() -> bytes:
    rows = [[f"居民{i}", "", "", "绿十一", ""] for i in range(3000)]
    return u.with_declared_size(u.xlsx([HEADERS, *rows]), "xl/worksheets/sheet1.xml", 2000)


def _span(cells: str) -> bytes:
    return u.xlsx(sheet_xml=u.sheet('<row r="1">' + u.cell("A1", "姓名") + u.cell("B1", "居民区") + "</row>" + cells))


SPAN_BOMBS = {
    # Two cells: A1 and the last cell Excel has. calamine would allocate 17 billion cells.
    "cells_at_A1_and_XFD1048576": '<row r="1048576">' + u.cell("XFD1048576", "x") + "</row>",
    "27_million_cells_A1_to_Z1048576": '<row r="1048576">' + u.cell("Z1048576", "x") + "</row>",
    # No references at all: 20,000 empty cells push the column on, then a row far down.
    "implicit_positions": "<row>" + "<c/>" * 20_000 + "<c t=\"inlineStr\"><is><t>x</t></is></c></row>"
                          + '<row r="900000"><c t="inlineStr"><is><t>x</t></is></c></row>',
    "reference_not_first_attribute": '<row r="1048576"><c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>',
    "prefixed_lowercase_reference": '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                    'r="1048576"><x:c r="xfd1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>',
}

PEOPLE_REFUSED = [
    Refused("truncated_xlsx", _truncated, ("已损坏",)),
    Refused("zip_that_is_not_a_workbook", lambda: u.zip_of({"readme.txt": "你好"}), ("不是 .xlsx",)),
    Refused("docx_named_xlsx", lambda: u.zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
            ("不是 .xlsx",)),
    Refused("ods_named_xlsx", _ods, ("不是 .xlsx",)),
    Refused("xlsb_named_xlsx", lambda: u.zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": u.noise(200)}),
            ("不是 .xlsx",)),
    Refused("sheet_xml_cut_in_half", lambda: u.xlsx(sheet_xml=u.sheet(u.sheet_rows([HEADERS, *good()]))[:300]),
            ("已损坏",)),
    Refused("sheet_xml_mismatched_tags", lambda: u.xlsx(sheet_xml=u.sheet(u.sheet_rows([HEADERS, *good()])).replace("</c>", "</x>", 1)),
            ("已损坏",)),
    Refused("entity_expansion_in_sheet", lambda: u.xlsx(sheet_xml=u.sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
        prolog='<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')),
        ("已损坏",)),
    Refused("zip_claiming_2_GB", _claims_2_gb, ("解压后过大",), bomb=True, unopened=True),
    Refused("compression_ratio_bomb", _ratio_bomb, ("解压后过大",), bomb=True, unopened=True),
    Refused("member_longer_than_declared", _longer_than_declared, ("已损坏",), bomb=True),
    *[Refused(f"span_bomb_{k}", lambda v=v: _span(v), ("表格范围过大",), bomb=True) for k, v in SPAN_BOMBS.items()],
    Refused("data_on_second_sheet_only", lambda: u.xlsx([], more_sheets=[u.sheet(u.sheet_rows([HEADERS, *good()]))]),
            ("表格中没有内容",)),
    Refused("png_named_xlsx", lambda: u.picture("PNG"), ("文件不是 Excel 或 CSV 表格",)),
    Refused("old_xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + u.noise(4000), ("不支持旧版 .xls",)),
    Refused("csv_random_binary", lambda: u.noise(5000), ("文件不是 Excel 或 CSV 表格",), name="people.csv"),
    Refused("csv_undecodable_without_nul", lambda: bytes(range(0x80, 0x100)) * 20, ("编码无法识别",), name="people.csv"),
    Refused("csv_cell_of_200000_characters",
            lambda: u.csv_bytes([["姓名", "居民区", "备注"], ["张三", "绿十一", '"' + "长" * 200_000 + '"']]),
            ("第2行有超长的单元格",), name="people.csv"),
    Refused("csv_nul_after_the_first_4_kb",
            lambda: u.csv_bytes([["姓名", "居民区", "住址"], *[[f"居民{i}", "绿十一", "新泾路"] for i in range(400)],
                                 ["张三", "绿十一", "新泾\x00路"]]),
            ("第402行第C列含有空字符",), name="people.csv"),
    Refused("xlsx_nul_from_escape", lambda: people_xlsx([["张三", "", "", "绿十一", "党_x0000_员"]]),
            ("第2行第E列含有空字符",)),
    Refused("empty_file", lambda: b"", ("所提交的是空文件",)),
    Refused("blank_lines_only", lambda: b"\n\n  \n,,\n", ("表格中没有内容",), name="people.csv"),
    Refused("headers_only", lambda: people_xlsx([]), ("表格中没有数据行",)),
    Refused("wrong_headers", lambda: people_xlsx(good(), headers=["名称", "号码", "电话号", "小区", "标签"]),
            ("表头缺少必需的列：姓名、居民区",)),
    Refused("missing_neighbourhood_column", lambda: people_xlsx([r[:3] for r in good()], headers=HEADERS[:3]),
            ("表头缺少必需的列：居民区",)),
    Refused("duplicated_header", lambda: people_xlsx([["张三", "李四", "绿十一"]], headers=["姓名", "姓名", "居民区"]),
            ("“姓名”、“姓名”都对应“姓名”",)),
    Refused("two_headers_for_one_field",
            lambda: people_xlsx([["张三", "13912345678", "13812345678", "绿十一"]], headers=["姓名", "手机号码", "电话", "居民区"]),
            ("“手机号码”、“电话”都对应“手机号码”",)),
]


@pytest.mark.parametrize("case", PEOPLE_REFUSED, ids=[c.id for c in PEOPLE_REFUSED])
def test_people_import_refuses_file(people, snapshot, spy, case):
    data = case.make()
    seen = spy() if case.bomb else None
    before = snapshot()
    response = people(data, case.name)
    assert_refused(response, before, snapshot(), case.says, written={JOB_TABLE})
    assert not Person.objects.exists()
    if case.bomb:
        assert seen["calamine"] == 0
    if case.unopened:
        assert seen["opened"] == [], "a member was decompressed before the sizes were checked"


@dataclasses.dataclass(frozen=True)
class BadRows:
    id: str
    headers: list
    rows: list
    errors: set  # {(row number, field)}
    says: tuple[str, ...] = ()


PEOPLE_BAD_ROWS = [
    BadRows("id_number_checksum", HEADERS, good(2) + [["坏校验位", bad_rid(9), "", "绿十一", ""]],
            {(4, "id_number")}, ("校验",)),
    BadRows("id_number_letters_and_short", HEADERS, [["字母", "31010519800517ABCD", "", "绿十一", ""], ["太短", "3101051980", "", "绿十一", ""]],
            {(2, "id_number"), (3, "id_number")}),
    BadRows("id_number_twice_in_file", HEADERS, good(1) + [["重复", rid(1), "", "绿十一", ""]], {(3, "id_number")}, ("与第2行",)),
    BadRows("phone_not_a_phone", HEADERS, good(1) + [["坏电话", "", "12345", "绿十一", ""], ["外国", "", "+1 415 555 0100", "绿十一", ""]],
            {(3, "phone"), (4, "phone")}),
    BadRows("impossible_and_future_birth_dates", ["姓名", "居民区", "出生日期"],
            [["二月三十", "绿十一", "2021-02-30"], ["未来", "绿十一", "2999-01-01"], ["远古", "绿十一", "1850-01-01"], ["文字", "绿十一", "去年"]],
            {(2, "birth_date"), (3, "birth_date"), (4, "birth_date"), (5, "birth_date")}),
    BadRows("sex_unknown", ["姓名", "居民区", "性别"], [["张三", "绿十一", "未知"]], {(2, "sex")}, ("性别只能是男或女",)),
    BadRows("control_characters_in_name", HEADERS, [["张\x07三", "", "", "绿十一", ""], ["李\x1b四", "", "", "绿十一", ""]],
            {(2, "name"), (3, "name")}, ("姓名含有不可见字符",)),
    BadRows("unknown_tag_and_neighbourhood", HEADERS, [["张三", "", "", "火星", ""], ["李四", "", "", "绿十一", "宇航员"]],
            {(2, "neighbourhood"), (3, "tags")}),
    BadRows("name_too_long_or_missing", HEADERS, [["长" * 51, "", "", "绿十一", ""], ["", rid(5), "", "绿十一", ""]],
            {(2, "name"), (3, "name")}),
    BadRows("script_in_neighbourhood_is_escaped", HEADERS, [["张三", "", "", "<script>alert(1)</script>", ""]],
            {(2, "neighbourhood")}, ("&lt;script&gt;alert(1)",)),
]


@pytest.mark.parametrize("case", PEOPLE_BAD_ROWS, ids=[c.id for c in PEOPLE_BAD_ROWS])
def test_people_import_names_bad_rows_and_writes_none(people, snapshot, case):
    before = snapshot()
    response = people(people_xlsx(case.rows, headers=case.headers))
    assert_refused(response, before, snapshot(), ("未写入任何数据", *case.says), written={JOB_TABLE})
    result = last_check_job().result
    assert {(e["row"], e["field"]) for e in result["errors"]} == case.errors
    page = page_text(response)
    for row, fname in case.errors:
        label = next(e["label"] for e in result["errors"] if (e["row"], e["field"]) == (row, fname))
        assert f'<td class="num">{row}</td><td>{label}</td>' in page, "the report names the row and the column"
    assert "<script>alert(1)" not in page
    assert not Person.objects.exists(), "not one row is written"


def commit_people(people) -> None:
    job = last_check_job()
    people.client.post(reverse("people:people_import_commit", args=[job.pk]), follow=True)


@dataclasses.dataclass(frozen=True)
class Works:
    id: str
    make: Callable[[], bytes]
    names: list
    name: str = "people.xlsx"


def _csv_people(encoding="utf-8", bom=False, newline="\n") -> bytes:
    return u.csv_bytes([["姓名", "证件号码", "居民区", "住址"], ["张三", rid(3), "绿十一", "新泾路1号"],
                        ["李四", "", "虹九", "天山路2号"]], encoding=encoding, bom=bom, newline=newline)


PEOPLE_WORKS = [
    Works("csv_in_gbk", lambda: _csv_people("gbk"), ["张三", "李四"], name="人员.csv"),
    Works("csv_in_utf8_with_bom", lambda: _csv_people(bom=True), ["张三", "李四"], name="人员.csv"),
    Works("csv_with_old_mac_line_ends", lambda: _csv_people(newline="\r"), ["张三", "李四"], name="人员.csv"),
    Works("csv_named_xlsx_read_by_content", lambda: _csv_people("gb18030"), ["张三", "李四"], name="people.xlsx"),
    Works("huge_declared_dimension_small_data",
          lambda: u.xlsx(sheet_xml=u.sheet(u.sheet_rows([HEADERS, *good(2)]), before='<dimension ref="A1:XFD1048576"/>')),
          ["居民1", "居民2"]),
    Works("three_hundred_sheets_first_is_read",
          lambda: u.xlsx([HEADERS, *good(2)], more_sheets=[u.sheet(u.sheet_rows([["x"]]))] * 299), ["居民1", "居民2"]),
    Works("data_below_and_right_of_A1", lambda: u.xlsx(sheet_xml=u.sheet(u.sheet_rows([[None, None, *HEADERS], [None, None, *good(1)[0]]],
                                                                                    first_row=4))), ["居民1"]),
]


@pytest.mark.parametrize("case", PEOPLE_WORKS, ids=[c.id for c in PEOPLE_WORKS])
def test_people_import_accepts_file(people, case):
    response = people(case.make(), case.name)
    assert response.status_code == 200
    assert f"全部 {len(case.names)} 行校验无误" in page_text(response)
    commit_people(people)
    assert sorted(Person.objects.values_list("name", flat=True)) == sorted(case.names)


FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-1+1", "=1+1"]


def assert_no_live_formula(content: bytes, expected: list[str]) -> None:
    sheet = load_workbook(io.BytesIO(content)).active
    seen = []
    for row in sheet.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f", f"{c.coordinate} is a formula"
            if isinstance(c.value, str):
                assert not c.value.startswith(("=", "+", "-", "@")), f"{c.coordinate} starts like a formula: {c.value}"
                seen.append(c.value)
    for text in expected:
        assert "'" + text in seen, f"{text} is exported as text"


def test_people_import_keeps_formula_text_as_text_and_export_neutralises_it(people):
    rows = [[text, "", "", "绿十一", ""] for text in FORMULAS]
    # A real formula cell too: the reader takes its cached value, never the formula.
    body = u.sheet_rows([HEADERS, *rows]) + ('<row r="7"><c r="A7" t="str"><f>"=HYPERLINK(1)"</f><v>=HYPERLINK(1)</v></c>'
                                              + u.cell("D7", "绿十一") + "</row>")
    response = people(u.xlsx(sheet_xml=u.sheet(body)))
    assert "全部 6 行校验无误" in page_text(response)
    commit_people(people)
    assert sorted(Person.objects.values_list("name", flat=True)) == sorted([*FORMULAS, "=HYPERLINK(1)"])
    export = people.client.get(reverse("people:people_export"))
    assert export.status_code == 200
    assert_no_live_formula(export.content, [*FORMULAS, "=HYPERLINK(1)"])


def test_people_import_keeps_script_as_text_and_pages_escape_it(people):
    name = "<script>alert(1)</script>"
    response = people(people_xlsx([[name, "", "", "绿十一", ""], ['<img src=x onerror="alert(2)">', "", "", "绿十一", ""]]))
    assert "全部 2 行校验无误" in page_text(response)
    commit_people(people)
    page = page_text(people.client.get(reverse("people:people")))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "<img src=x" not in page


@pytest.mark.parametrize("filename", ["a\x00b.xlsx", "<script>alert(1)</script>.xlsx", "照片\u202egpj.xlsx", "名" * 300 + ".xlsx"],
                         ids=["nul", "script", "rtl_override", "300_characters"])
def test_people_import_cleans_the_file_name_it_keeps_and_shows(people, filename):
    response = people(people_xlsx(good(1)), filename)
    assert response.status_code == 200 and "全部 1 行校验无误" in page_text(response)
    kept = last_check_job().params["filename"]
    assert "\x00" not in kept and "\u202e" not in kept and len(kept) <= 100
    assert "<script>alert(1)" not in page_text(response)


def test_people_import_refuses_a_file_over_the_upload_limit(people, snapshot, settings):
    settings.LEHUO_MAX_UPLOAD_BYTES = 64 * 1024
    data = _csv_people() + b"#" * (64 * 1024)
    before = snapshot()
    assert_refused(people(data, "big.csv"), before, snapshot(), ("文件过大（上限 64 KB）",))


def test_people_import_refuses_a_21_mb_file_at_the_real_limit(people, snapshot):
    before = snapshot()
    assert_refused(people(b"a" * (21 * 1024 * 1024), "big.csv"), before, snapshot(), ("文件过大（上限 20 MB）",))


def test_people_import_row_limit(people, snapshot, monkeypatch):
    from lehuo.platform import excel

    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    before = snapshot()
    assert_refused(people(people_xlsx(good(6))), before, snapshot(), ("行数超过上限 5",), written={JOB_TABLE})


def test_people_import_big_file_goes_through_the_job_and_writes_nothing_on_a_bad_row(people, snapshot, monkeypatch):
    from lehuo.people.views import imports

    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    rows = good(40) + [["坏电话", "", "12345", "绿十一", ""]]
    before = snapshot()
    response = people(people_xlsx(rows))
    assert_refused(response, before, snapshot(), ("1 行有错误",), written={JOB_TABLE})
    job = last_check_job()
    assert (job.status, job.progress, job.total) == ("done", 41, 41)
    assert {(e["row"], e["field"]) for e in job.result["errors"]} == {(42, "phone")}


def test_people_import_job_refusing_an_unreadable_file_deletes_the_upload(people, snapshot, monkeypatch):
    from lehuo.people.views import imports

    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    before = snapshot()
    response = people(_truncated())
    assert_refused(response, before, snapshot(), ("已损坏",), written={JOB_TABLE})
    assert last_check_job().status == "failed"
    report = people.client.get(reverse("people:people_import_report", args=[last_check_job().pk]))
    assert "已损坏" in page_text(report)


def test_too_many_files_in_one_request_answers_400_with_a_message(people, snapshot, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    before = snapshot()
    files = [u.upload(b"a,b\n", f"f{i}.csv") for i in range(6)]
    response = people.client.post(reverse("people:people_import"), {"file": files})
    assert response.status_code == 400
    assert_refused(response, before, snapshot(), ("请求无效",))


# --- donation statements and ledgers -----------------------------------------------------------

@pytest.fixture
def drive(town, town_admin):
    charity = Organisation.objects.create(town=town, name="上海市慈善基金会长宁区代表处", kind="charity")
    return donation_services.create_drive(town_admin, town, slug="henan-flood-2021", title="驰援河南防汛救灾专项行动",
                                          organiser=charity, starts_on=dt.date(2021, 7, 21), ends_on=dt.date(2021, 8, 31))


@pytest.fixture
def donations(login, town_admin, drive, lv11, django_capture_on_commit_callbacks):
    """``donations(data, name, kind)``: upload, map the columns (as guessed, unless ``columns``
    gives each column's field), check; the page where it stopped."""
    client = login(town_admin)

    def send(data: bytes, name: str = "台账.csv", kind: str = "offline", columns: list[str] | None = None):
        response = client.post(reverse("donations:import", args=[drive.pk]),
                               {"kind": kind, "neighbourhood": lv11.pk, "file": u.upload(data, name)})
        if response.status_code != 302:
            return response  # refused on the upload page
        job = Job.objects.filter(kind="donations.import.check").latest("pk")
        headers = job.params["headers"]
        chosen = columns if columns is not None else [job.params["mapping"].get(h, "") for h in headers]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("donations:import_mapping", args=[job.pk]),
                                   {f"col_{i}": f for i, f in enumerate(chosen)})
        if response.status_code != 302:
            return response  # refused on the mapping page
        return client.get(reverse("donations:import_report", args=[job.pk]))

    send.client = client
    return send


def last_donation_job() -> Job:
    return Job.objects.filter(kind="donations.import.check").latest("pk")


def commit_donations(donations, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        donations.client.post(reverse("donations:import_commit", args=[last_donation_job().pk]), follow=True)


LEDGER = ["捐赠人", "金额", "日期", "备注"]


def ledger(rows, headers=LEDGER, fmt="csv") -> bytes:
    return u.csv_bytes([headers, *rows]) if fmt == "csv" else u.xlsx([headers, *rows])


DONATIONS_REFUSED = [
    Refused("truncated_xlsx", lambda: ledger([["张三", "100", "2021-07-25", ""]], fmt="xlsx")[:300], ("已损坏",), name="s.xlsx"),
    Refused("zip_claiming_2_GB", lambda: u.with_declared_size(
        ledger([["张三", "100", "2021-07-25", ""]], fmt="xlsx"), "xl/worksheets/sheet1.xml", 2 * 1024 ** 3),
        ("解压后过大",), name="s.xlsx", bomb=True, unopened=True),
    Refused("span_bomb", lambda: _span(SPAN_BOMBS["cells_at_A1_and_XFD1048576"]), ("表格范围过大",), name="s.xlsx", bomb=True),
    Refused("png_named_csv", lambda: u.picture("PNG"), ("文件不是 Excel 或 CSV 表格",)),
    Refused("empty_file", lambda: b"", ("所提交的是空文件",)),
    Refused("1500_columns", lambda: u.csv_bytes([[f"列{i}" for i in range(1500)], ["1"] * 1500]),
            ("表头有 1,500 列，超过上限 200 列",)),
]


@pytest.mark.parametrize("case", DONATIONS_REFUSED, ids=[c.id for c in DONATIONS_REFUSED])
def test_donation_import_upload_refuses_file(donations, snapshot, spy, case):
    data = case.make()
    seen = spy() if case.bomb else None
    before = snapshot()
    response = donations(data, case.name)
    assert response.status_code == 200, "the upload form again"
    assert_refused(response, before, snapshot(), case.says)
    if case.bomb:
        assert seen["calamine"] == 0
    if case.unopened:
        assert seen["opened"] == []


def test_donation_import_refuses_an_oversized_file_before_reading_it(donations, snapshot, settings, monkeypatch):
    from lehuo.donations import importers

    settings.LEHUO_MAX_UPLOAD_BYTES = 32 * 1024
    monkeypatch.setattr(importers, "read_rows", lambda *a, **k: pytest.fail("the oversized file was read"))
    before = snapshot()
    response = donations(ledger([["张三", "100", "2021-07-25", "x" * 40_000]]))
    assert_refused(response, before, snapshot(), ("文件过大（上限 32 KB）",))


DONATIONS_CHECK_REFUSED = [
    BadRows("online_statement_without_reference_column", ["昵称", "金额", "交易时间"], [["张三", "100", "2021-07-25"]],
            {(0, "file")}, ("表头缺少必需的列：流水号",)),
    BadRows("amounts", LEDGER, [["张三", "100", "2021-07-25", ""], ["负数", "-5", "2021-07-25", ""], ["文字", "一百", "2021-07-25", ""],
                                ["三位小数", "1.234", "2021-07-25", ""], ["无穷", "1e400", "2021-07-25", ""], ["空", "", "2021-07-25", ""],
                                ["超限", "99999999999", "2021-07-25", ""]],
            {(3, "amount"), (4, "amount"), (5, "amount"), (6, "amount"), (7, "amount"), (8, "amount")}, ("金额",)),
    BadRows("dates", LEDGER, [["张三", "100", "2021-07-25", ""], ["二月三十", "100", "2021-02-30", ""], ["文字", "100", "昨天", ""],
                              ["未来", "100", "2999-01-01", ""], ["早于募捐", "100", "2020-01-01", ""]],
            {(3, "received_on"), (4, "received_on"), (5, "received_on"), (6, "received_on")}, ("日期",)),
    BadRows("id_numbers_and_methods", ["捐赠人", "金额", "日期", "身份证号码", "支付方式"],
            [["张三", "100", "2021-07-25", bad_rid(4), "现金"], ["李四", "100", "2021-07-25", "", "比特币"]],
            {(2, "id_number"), (3, "method")}),
    BadRows("nul_in_a_cell", LEDGER, [["张三", "100", "2021-07-25", "备\x00注"]], {(0, "file")}, ("第2行第D列含有空字符",)),
    BadRows("headers_only", LEDGER, [], {(0, "file")}, ("表格中没有数据行",)),
]


@pytest.mark.parametrize("case", DONATIONS_CHECK_REFUSED, ids=[c.id for c in DONATIONS_CHECK_REFUSED])
def test_donation_import_check_names_bad_rows_and_writes_none(donations, snapshot, case):
    kind = "online" if case.id.startswith("online") else "offline"
    if any("\x00" in c for r in case.rows for c in r):  # a NUL reaches a cell through the xlsx escape
        data = u.xlsx([case.headers, *[[c.replace("\x00", "_x0000_") for c in r] for r in case.rows]])
    else:
        data = u.csv_bytes([case.headers, *case.rows])
    before = snapshot()
    response = donations(data, "s.xlsx" if data.startswith(b"PK") else "s.csv", kind)
    assert_refused(response, before, snapshot(), case.says, written={JOB_TABLE})
    result = last_donation_job().result
    assert {(e["row"], e["field"]) for e in result["errors"]} == case.errors
    assert "未写入任何数据" in page_text(response)
    assert not Donation.objects.exists()


def test_donation_import_duplicated_header_is_refused_even_when_one_column_is_ignored(donations, snapshot):
    data = u.csv_bytes([["捐赠人", "金额", "金额", "日期"], ["张三", "100", "200", "2021-07-25"]])
    mapping_page = donations(data)  # both columns guessed as the amount: the mapping step says so
    assert mapping_page.status_code == 200 and "“金额”被指定给了多列" in page_text(mapping_page)
    before = snapshot()  # that upload waits for its mapping to be corrected; a second one is mapped
    report = donations(data, columns=["donor_name", "amount", "", "received_on"])
    assert_refused(report, before, snapshot(), ("“金额”、“金额”都对应“金额”", "未写入任何数据"), written={JOB_TABLE})
    assert not Donation.objects.exists()


def test_donation_import_gbk_csv_works(donations, django_capture_on_commit_callbacks):
    data = u.csv_bytes([LEDGER, ["张三", "100.50", "2021/7/25", "现场"], ["李四", "￥200", "2021年07月26日", ""]], encoding="gbk")
    response = donations(data, "台账.csv")
    assert response.status_code == 200 and 'id="commit"' in page_text(response)
    commit_donations(donations, django_capture_on_commit_callbacks)
    assert sorted(Donation.objects.values_list("donor_name", flat=True)) == ["张三", "李四"]


def test_donation_import_stray_cell_far_right_is_not_a_column(donations):
    body = u.sheet_rows([LEDGER, ["张三", "100", "2021-07-25", ""]]) .replace("</row>", u.cell("BDD1", "") + "</row>", 1)
    response = donations(u.xlsx(sheet_xml=u.sheet(body)), "s.xlsx")
    assert last_donation_job().params["headers"] == LEDGER
    assert 'id="commit"' in page_text(response)


def test_donation_import_mapping_is_the_whole_truth(donations, django_capture_on_commit_callbacks):
    headers = ["昵称", "姓名", "金额", "日期"]
    data = u.csv_bytes([headers, ["微信用户", "张三", "100", "2021-07-25"]])
    donations(data, columns=["", "donor_name", "amount", "received_on"])  # 昵称 left out
    commit_donations(donations, django_capture_on_commit_callbacks)
    assert list(Donation.objects.values_list("donor_name", flat=True)) == ["张三"]


def test_donation_import_formula_and_script_donors_are_text_neutralised_and_escaped(donations, django_capture_on_commit_callbacks):
    rows = [[text, "100", "2021-07-25", ""] for text in FORMULAS] + [["<script>alert(1)</script>", "100", "2021-07-25", "<b>x</b>"]]
    response = donations(ledger(rows, fmt="xlsx"), "s.xlsx")
    assert 'id="commit"' in page_text(response)
    commit_donations(donations, django_capture_on_commit_callbacks)
    assert Donation.objects.count() == len(rows)
    drive_pk = Donation.objects.first().drive_id
    export = donations.client.get(reverse("donations:donation_list", args=[drive_pk]), {"format": "xlsx"})
    assert export.status_code == 200
    assert_no_live_formula(export.content, FORMULAS)
    page = page_text(donations.client.get(reverse("donations:donation_list", args=[drive_pk])))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


# --- pictures: newsletter photos, visit photos, handover vouchers ------------------------------

@dataclasses.dataclass(frozen=True)
class Pic:
    id: str
    make: Callable[[], bytes]
    name: str
    says: str = ""  # refused with this message; empty: accepted
    ext: str = ""  # accepted: the stored file's extension (from the content)


HOSTILE_PICTURES = [
    Pic("html_named_jpg", lambda: u.HTML_SCRIPT, "photo.jpg", "文件不是有效的图片"),
    Pic("svg_with_script", lambda: u.SVG_SCRIPT, "photo.svg", "文件不是有效的图片"),
    Pic("png_decompression_bomb_30000x30000", lambda: u.png_claiming(30_000, 30_000), "photo.png", "图片像素过大"),
    Pic("png_in_pillow_warning_zone_10000x10000", lambda: u.png_claiming(10_000, 10_000), "photo.png", "图片像素过大"),
    Pic("png_over_40_megapixels", lambda: u.png_claiming(7_000, 7_000), "photo.png", "图片像素过大"),
    Pic("jpeg_declaring_65000x65000", lambda: u.jpeg_claiming(65_000, 65_000), "photo.jpg", "图片像素过大"),
    Pic("gif_declaring_65535x65535", lambda: u.gif_claiming(65_535, 65_535), "photo.gif", "图片像素过大"),
    Pic("truncated_png", lambda: u.picture("PNG", (200, 200))[:120], "photo.png", "文件不是有效的图片"),
    Pic("pdf_as_photo", u.pdf, "photo.jpg", "文件不是有效的图片"),
    Pic("bmp_not_allowed", lambda: u.picture("BMP"), "photo.bmp", "支持 JPG、PNG、WebP、GIF"),
    Pic("tiff_not_allowed", lambda: u.picture("TIFF"), "photo.tif", "支持 JPG、PNG、WebP、GIF"),
    Pic("eps_never_reaches_ghostscript", lambda: u.EPS, "photo.eps", "支持 JPG、PNG、WebP、GIF"),
    Pic("text_named_png", lambda: "不是照片".encode() * 50, "photo.png", "文件不是有效的图片"),
]
GOOD_PICTURES = [
    Pic("png_named_jpg_stored_as_png", lambda: u.picture("PNG"), "photo.jpg", ext="png"),
    Pic("jpeg_named_html_stored_as_jpg", lambda: u.picture("JPEG"), "photo.html", ext="jpg"),
    Pic("animated_gif_allowed", u.animated_gif, "photo.gif", ext="gif"),
    Pic("webp_allowed", lambda: u.picture("WEBP"), "photo.webp", ext="webp"),
]


@pytest.fixture
def article(town, editor):
    from lehuo.newsletter import services as news

    publication = news.ensure_publication(town)
    issue = news.create_issue(editor, publication, number=8, date=dt.date(2021, 8, 20), slug="2021-08")
    return news.save_article(editor, issue, None, column=publication.columns.first(), title="爱心接力", body="正文")


@pytest.fixture
def newsletter_photo(login, editor, article):
    client = login(editor)
    url = reverse("newsletter:add_photo", args=[article.issue.slug, article.pk])

    def send(data: bytes | None, name: str = "photo.jpg", caption: str = "现场"):
        post = {"caption": caption}
        if data is not None:
            post["image"] = u.upload(data, name)
        return client.post(url, post, follow=True)

    return send


@pytest.mark.parametrize("case", HOSTILE_PICTURES + GOOD_PICTURES, ids=[c.id for c in HOSTILE_PICTURES + GOOD_PICTURES])
def test_newsletter_photo(newsletter_photo, snapshot, article, media, case):
    before = snapshot()
    response = newsletter_photo(case.make(), case.name)
    if case.says:
        assert_refused(response, before, snapshot(), (case.says,))
    else:
        assert response.status_code == 200 and "照片已上传" in page_text(response)
        assert article.photos.get().image.name.endswith("." + case.ext)


@pytest.mark.parametrize(("data", "says"), [(b"", "请选择照片文件"), (None, "请选择照片文件"),
                                            (b"\x89PNG" + b"\x00" * (10 * 1024 * 1024), "照片不能超过10MB")],
                         ids=["empty_file", "no_file", "over_10_MB"])
def test_newsletter_photo_missing_empty_or_too_big(newsletter_photo, snapshot, data, says):
    before = snapshot()
    assert_refused(newsletter_photo(data), before, snapshot(), (says,))


def test_form_body_over_the_memory_limit_answers_400_with_a_message(newsletter_photo, snapshot, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    before = snapshot()
    response = newsletter_photo(u.picture("PNG"), caption="说" * 5000)
    assert response.status_code == 400
    assert_refused(response, before, snapshot(), ("请求无效",))


@pytest.fixture
def visit(town_admin, make_person, lv11):
    from lehuo.visits import services as visits
    from lehuo.visits.models import Visit

    person = make_person(lv11, age=17, sex="F", name="唐钱婷", on=dt.date(2021, 8, 1))
    return visits.record_visit(town_admin, person, date=dt.date(2021, 8, 5), visitors=[("副镇长", "李双珑")],
                               purpose=Visit.CONGRATULATE, household="唐钱婷家", slug="swimmer")


@pytest.fixture
def visit_photo(login, town_admin, visit):
    client = login(town_admin)

    def send(data: bytes | None, name: str = "photo.jpg"):
        post = {"caption": "祝贺"}
        if data is not None:
            post["image"] = u.upload(data, name)
        return client.post(reverse("visits:add_photo", args=[visit.slug]), post, follow=True)

    return send


VISIT_PICTURES = [HOSTILE_PICTURES[0], HOSTILE_PICTURES[1], HOSTILE_PICTURES[2], HOSTILE_PICTURES[5], GOOD_PICTURES[0]]


@pytest.mark.parametrize("case", VISIT_PICTURES, ids=[c.id for c in VISIT_PICTURES])
def test_visit_photo(visit_photo, snapshot, visit, case):
    before = snapshot()
    response = visit_photo(case.make(), case.name)
    if case.says:
        assert_refused(response, before, snapshot(), (case.says,))
    else:
        assert "照片已上传" in page_text(response)
        assert visit.photos.get().image.name.endswith("." + case.ext)


@pytest.mark.parametrize(("data", "says"), [(b"", "所提交的是空文件"), (None, "这个字段是必填项")], ids=["empty_file", "no_file"])
def test_visit_photo_missing_or_empty_says_why(visit_photo, snapshot, data, says):
    before = snapshot()
    assert_refused(visit_photo(data), before, snapshot(), (says,))


def test_visit_photo_over_the_limit_is_refused_by_size(visit_photo, snapshot, monkeypatch):
    from lehuo.visits.forms import PhotoForm

    monkeypatch.setattr(PhotoForm.base_fields["image"], "max_bytes", 1024)
    before = snapshot()
    assert_refused(visit_photo(u.picture("PNG") + b"\x00" * 2048, "photo.png"), before, snapshot(), ("文件过大（上限 1 KB）",))


@pytest.fixture
def voucher(login, town_admin, drive):
    client = login(town_admin)

    def send(data: bytes, name: str):
        return client.post(reverse("donations:reconciliation", args=[drive.pk]), {
            "channel": "offline", "amount": "100", "handed_on": "2021-08-01", "voucher_number": "HJ-1",
            "voucher": u.upload(data, name)}, follow=True)

    return send


VOUCHERS = [
    Pic("html_voucher", lambda: u.HTML_SCRIPT, "凭证.html", "凭证须为 PDF 或图片"),
    Pic("svg_voucher_with_script", lambda: u.SVG_SCRIPT, "凭证.svg", "凭证须为 PDF 或图片"),
    Pic("html_named_pdf", lambda: b"<html><script>alert(1)</script>%PDF-1.4</html>", "凭证.pdf", "凭证须为 PDF 或图片"),
    Pic("png_bomb_voucher", lambda: u.png_claiming(30_000, 30_000), "凭证.png", "图片像素过大"),
    Pic("empty_voucher", lambda: b"", "凭证.pdf", "所提交的是空文件"),
    Pic("pdf_voucher", u.pdf, "凭证.pdf", ext="pdf"),
    Pic("png_named_exe_stored_as_png", lambda: u.picture("PNG"), "凭证.exe", ext="png"),
]


@pytest.mark.parametrize("case", VOUCHERS, ids=[c.id for c in VOUCHERS])
def test_handover_voucher(voucher, snapshot, case):
    before = snapshot()
    response = voucher(case.make(), case.name)
    if case.says:
        assert_refused(response, before, snapshot(), (case.says,))
        assert not Handover.objects.exists()
    else:
        assert "汇缴已登记" in page_text(response)
        assert Handover.objects.get().voucher.name.endswith("." + case.ext)


def test_handover_voucher_over_the_limit_is_refused_by_size(voucher, snapshot, monkeypatch):
    from lehuo.donations.forms import HandoverForm

    monkeypatch.setattr(HandoverForm.base_fields["voucher"], "max_bytes", 1024)
    before = snapshot()
    assert_refused(voucher(u.pdf() + b"%" * 2048, "凭证.pdf"), before, snapshot(), ("文件过大（上限 1 KB）",))


def test_corpus_has_at_least_60_upload_cases():
    listed = (PEOPLE_REFUSED, PEOPLE_BAD_ROWS, PEOPLE_WORKS, DONATIONS_REFUSED, DONATIONS_CHECK_REFUSED,
              HOSTILE_PICTURES, GOOD_PICTURES, VISIT_PICTURES, VOUCHERS)
    assert sum(map(len, listed)) >= 60  # and about 35 single-case tests besides
