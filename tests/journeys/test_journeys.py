"""Each staff journey through the pages in a real browser (issue 14, "Show"), in Chinese and in
English; in English every page visited shows no Chinese outside names and data."""

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook, load_workbook

from conftest import PHONE_VIEWPORT, TABLET_VIEWPORT, _user
from lehuo.accounts.models import EDITOR, Neighbourhood, Town
from lehuo.blood import services as blood
from lehuo.blood.models import Donation
from lehuo.daycare.models import Arrival
from lehuo.daycare.tests.conftest import staff_enrol
from lehuo.lib.identity import mask_name
from lehuo.people.importers import PEOPLE_COLUMNS
from lehuo.people.models import Person, Tag
from lehuo.people.tests.helpers import id_number
from lehuo.training import services as training
from lehuo.training.models import Attendance

from .conftest import check_english

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGS = ["zh-hans", "en"]


def town_data() -> list[str]:
    """Names every page may show: the town, its neighbourhoods and tags, staff and residents."""
    out = [t.name for t in Town.objects.all()] + [n.name for n in Neighbourhood.objects.all()]
    out += [t.name for t in Tag.objects.all()] + [p.name for p in Person.objects.all()]
    out += [u.get_full_name() for u in get_user_model().objects.all()]
    return out + [mask_name(name) for name in out]  # lists show some names masked (赵*血)


def box(page, selector):
    b = page.locator(selector).first.bounding_box()
    return b["width"], b["height"]


# --- training -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_instructor_takes_attendance_on_a_phone(open_as, cohort, make_person, town_admin, lang):
    people = [make_person(name="李明华"), make_person(name="王芳")]
    for p in people:
        training.enrol(town_admin, cohort, p)
    session = cohort.sessions.order_by("date").first()
    data = town_data() + [str(cohort), cohort.programme.title, cohort.programme.studio.name,
                          cohort.programme.studio.leader_name, cohort.programme.studio.philosophy,
                          *cohort.programme.topics, cohort.venue, session.topic]
    page = open_as("instructor", lang, PHONE_VIEWPORT)
    page.goto(f"{page.base}/training/cohorts/{cohort.pk}/")
    check_english(page, lang, data)
    link = f'a[href="/training/sessions/{session.pk}/"]'
    w, h = box(page, link)
    assert w >= 44 and h >= 44, f"the attendance link is {w}x{h} px on a phone"
    w, h = box(page, "#logout")
    assert w >= 44 and h >= 44, f"退出 is {w}x{h} px on a phone"
    page.click(link)
    page.wait_for_load_state("networkidle")
    check_english(page, lang, data)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(f'li[data-person="{people[0].pk}"] label:has(input[value="present"])').click()
    page.locator(f'li[data-person="{people[1].pk}"] label:has(input[value="late"])').click()
    page.click("#save-attendance")
    page.wait_for_load_state("networkidle")
    check_english(page, lang, data)
    got = {a.person_id: a.status for a in Attendance.objects.filter(session=session)}
    assert got == {people[0].pk: "present", people[1].pk: "late"}


# --- blood ----------------------------------------------------------------------------------

def _figures(page) -> list[str]:
    return page.locator(".figures .figure").all_inner_texts()


@pytest.mark.parametrize("lang", LANGS)
def test_blood_staff_sign_up_screen_and_record_a_donation(open_as, drive, make_person, lang):
    passes, fails = make_person(age=30, sex="M", name="赵献血"), make_person(age=40, sex="F", name="钱暂缓")
    data = town_data() + [drive.title, drive.venue, *drive.time_slots]
    page = open_as("blood_staff", lang, TABLET_VIEWPORT)
    page.goto(f"{page.base}/blood/{drive.slug}/")
    check_english(page, lang, data)
    before = _figures(page)
    assert before[:4] == ["0", "0", "0", "0"]  # volunteers, screened, deferred, donors
    for person in (passes, fails):  # signed up by ID number on the sign-ups page
        page.goto(f"{page.base}/blood/{drive.slug}/signups/")
        page.fill("#s-id", person.id_number)
        page.select_option("#s-slot", drive.time_slots[0])
        page.click("form.toolbar button.primary")
        page.wait_for_load_state("networkidle")
        assert person.name in page.inner_text("main")
        check_english(page, lang, data)
    for person, systolic in ((passes, "120"), (fails, "185")):
        page.goto(f"{page.base}/blood/{drive.slug}/onsite/")
        page.fill("#id_number", person.id_number)
        page.click("#find-form button")
        page.wait_for_selector("#screen-form")
        check_english(page, lang, data)
        for field, value in (("weight_kg", "62"), ("systolic", systolic), ("diastolic", "80"), ("pulse", "72"),
                             ("temperature_c", "36.6")):
            page.fill(f"#{field}", value)
        page.check("#check_health_code")
        page.click("#screen-form button")
        page.wait_for_selector("#decision")
        check_english(page, lang, data)
        if person is passes:
            assert page.locator("#decision.ok").count() == 1
            page.check("input[name=volume_ml][value='300']")
            page.fill("#bag", "B0001")
            page.click("#donate-form button")
            page.wait_for_selector("#donation-done")
            assert re.search(r"1\.50 ?U", page.inner_text("#donation-done"))  # 1.50U, 1.50 U in English
        else:
            assert page.locator("#decision.no").count() == 1
            assert "185" in page.inner_text("#decision")
    page.goto(f"{page.base}/blood/{drive.slug}/")
    check_english(page, lang, data)
    assert _figures(page)[:6] == ["2", "2", "1", "1", "1.50", "300"]
    assert Donation.objects.get().person_id == passes.pk


# --- newsletter -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_editor_writes_live_figures_another_publishes_web_and_pdf_show_them(open_as, town, drive, issue,
                                                                             make_person, blood_staff, lang):
    donor = make_person(age=30)
    blood.screen_donor(blood_staff, drive, donor, weight_kg="60", systolic=120, diastolic=80, pulse=72,
                       temperature_c="36.6", checks={"health_code": True})
    blood.record_donation(blood_staff, drive, donor, volume_ml=400, bag_number="B0002")
    _user("editor2", town, EDITOR)
    title = "献血季：新泾人热血传递"
    typed = ["本次献血共", "人，献血", "毫升。"]  # the article's own words
    data = town_data() + typed + [title, issue.publication.name, drive.title, *[c.name for c in issue.publication.columns.all()]]
    page = open_as("editor", lang)
    page.goto(f"{page.base}/newsletter/{issue.slug}/articles/new/")
    check_english(page, lang, data)
    page.select_option("#id_column", index=1)
    page.fill("#id_title", title)
    page.fill("#id_body", "本次献血共 [[blood:d-today:donors]] 人，献血 [[blood:d-today:volume_ml]] 毫升。")
    page.locator("#id_body").press("End")  # the live preview follows the typing (keyup)
    page.wait_for_function("document.querySelector('#nl-preview').innerText.includes('400')")
    page.click("form.nl-editor-form button.primary")
    page.wait_for_load_state("networkidle")
    check_english(page, lang, data)
    page.goto(f"{page.base}/newsletter/{issue.slug}/edit/")
    page.click(f'form[action="/newsletter/{issue.slug}/submit/"] button')
    page.wait_for_load_state("networkidle")
    check_english(page, lang, data)

    other = open_as("editor2", lang)
    other.on("dialog", lambda d: d.accept())
    other.goto(f"{other.base}/newsletter/{issue.slug}/edit/")
    other.click(f'form[action="/newsletter/{issue.slug}/publish/"] button')
    other.wait_for_load_state("networkidle")
    issue.refresh_from_db()
    assert issue.status == "published"
    other.goto(f"{other.base}/newsletter/{issue.slug}/")
    body = other.inner_text("main")
    assert "本次献血共 1 人，献血 400 毫升" in body
    # Rendered on publication (served at once), or by a background job whose page opens it.
    pdf = other.request.get(f"{other.base}/newsletter/{issue.slug}.pdf", max_redirects=0)
    if not pdf.headers.get("content-type", "").startswith("application/pdf"):
        other.goto(f"{other.base}/newsletter/{issue.slug}.pdf")
        other.wait_for_selector("#job-result")
        check_english(other, lang, data)
        assert other.locator("progress").get_attribute("value") == "100"
        pdf = other.request.get(other.base + other.get_attribute("#job-result", "href"))
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True).stdout
        assert re.search(r"本次献血共\s*1\s*人，献血\s*400\s*毫升", text.decode()), text.decode()[:500]


# --- people ---------------------------------------------------------------------------------

def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号码", "手机号码", "居民区", "标签"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(page, content: bytes):
    page.goto(f"{page.base}/people/import/")
    page.set_input_files("#id_file", files=[{"name": "居民.xlsx", "buffer": content,
                                              "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("form[enctype] button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", LANGS)
def test_town_admin_imports_residents_fixes_a_bad_row_and_exports(open_as, town, lv11, town_admin, lang):
    good = [["孙一", id_number(1960, seed=1), "13912340001", "绿十一", "党员"],
            ["孙二", id_number(1970, seed=2), "13912340002", "绿十一", ""],
            ["孙三", id_number(1980, sex="F", seed=3), "13912340003", "绿十一", ""]]
    bad = [row[:] for row in good]
    bad[1][1] = bad[1][1][:-1] + ("0" if bad[1][1][-1] != "0" else "1")  # wrong check character
    # the spreadsheet's own column names (Chinese by design) and the tag separator to type are data
    columns = [name for names in PEOPLE_COLUMNS.values() for name in names] + ["“、”", "、"]
    data = town_data() + ["孙一", "孙二", "孙三", "居民.xlsx"] + columns
    page = open_as("admin", lang)
    page.goto(f"{page.base}/people/import/")
    check_english(page, lang, data)
    _upload(page, _xlsx(bad))
    assert page.locator("#commit").count() == 0  # nothing can be imported while a row is wrong
    assert "3" in page.inner_text("table.errors") or page.locator("table.errors tr").count() >= 2
    check_english(page, lang, data)
    assert not Person.objects.exists()
    _upload(page, _xlsx(good))
    check_english(page, lang, data)
    page.click("#commit")
    page.wait_for_load_state("networkidle")
    done = page.inner_text("#import-done")
    assert re.search(r"3", done), done
    check_english(page, lang, data)
    assert Person.objects.count() == 3
    with page.expect_download() as got:
        page.click("#export-masked")
    download = got.value
    assert download.suggested_filename.endswith(".xlsx")
    page.wait_for_function("document.querySelector('#export-status').innerText.includes('.xlsx')")
    check_english(page, lang, data + [download.suggested_filename])
    rows = list(load_workbook(io.BytesIO(download.path().read_bytes())).active.iter_rows(values_only=True))
    assert any("孙一" in [str(c) for c in row] for row in rows)
    assert not any(good[0][1] in [str(c) for c in row] for row in rows)  # masked
    page.goto(f"{page.base}/people/export-full/")
    page.fill("#id_reason", "区民政局核对名单")
    with page.expect_download() as got:
        page.click("form[data-download] button[type=submit]")
    full = got.value
    page.wait_for_function("document.querySelector('#export-status').innerText.includes('.xlsx')")
    status = page.inner_text("#export-status")
    check_english(page, lang, data + [full.suggested_filename])
    assert ("完整个人信息" in status) if lang != "en" else ("full personal data" in status)
    rows = list(load_workbook(io.BytesIO(full.path().read_bytes())).active.iter_rows(values_only=True))
    assert any(good[0][1] in [str(c) for c in row] for row in rows)  # whole ID numbers


# --- day-care -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_site_head_runs_a_day(open_as, assigned_site_head, offering, make_child, lang):
    children = []
    for name in ("周小宝", "吴小贝"):
        child = make_child(name=name)
        guardian = child.person.guardian_links.get().guardian
        staff_enrol(offering, child, guardian)
        children.append(child)
    day = offering.term.starts_on
    data = town_data() + [offering.site.name, offering.site.address, str(offering.term), offering.site.year.title]
    page = open_as("site_head", lang, PHONE_VIEWPORT)
    page.goto(f"{page.base}/daycare/offerings/{offering.pk}/attendance/?date={day:%Y-%m-%d}")
    check_english(page, lang, data)
    for child, temperature in zip(children, ("36.5", "37.9"), strict=True):  # arrivals, temperature
        row = page.locator("tr", has_text=child.person.name)
        row.locator("input[name=temperature]").fill(temperature)
        row.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
    assert page.locator("tr.dc-fever", has_text="吴小贝").count() == 1
    check_english(page, lang, data)
    row = page.locator("tr", has_text="周小宝")  # pick-up
    row.locator("input[name=picked_up_by]").fill("周奶奶")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    check_english(page, lang, data + ["周奶奶"])
    got = {a.enrolment.child_id: (str(a.temperature), a.picked_up_by) for a in Arrival.objects.all()}
    assert got == {children[0].pk: ("36.5", "周奶奶"), children[1].pk: ("37.9", "")}
    assert dt.date(2021, 7, 5) == day
