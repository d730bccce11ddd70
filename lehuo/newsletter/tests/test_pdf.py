"""Print PDF: pages, an embedded CJK font, no missing glyphs; background job and cache."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from lehuo.newsletter import pdf, services
from lehuo.platform.models import Job

from .conftest import jpeg_bytes, publish

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils (pdffonts, pdftotext) missing")


def poppler(tool: str, content: bytes, tmp_path, *args) -> str:
    path = tmp_path / "issue.pdf"
    path.write_bytes(content)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                          capture_output=True, text=True, check=True).stdout


def check_pdf(content: bytes, tmp_path, phrases) -> dict:
    """Pages, fonts and text of a PDF, asserting the CJK font is embedded and every
    character of ``phrases`` came out as text (a missing glyph would not)."""
    assert content.startswith(b"%PDF")
    info = poppler("pdfinfo", content, tmp_path)
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    fonts = poppler("pdffonts", content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace(" ", "").replace("-", "")]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded
    assert "Type 3" not in fonts
    text = poppler("pdftotext", content, tmp_path, "-layout")
    flat = "".join(text.split())
    for phrase in phrases:
        assert phrase in flat, phrase
    assert "\ufffd" not in text
    return {"pages": pages, "text": flat}


@needs_poppler
def test_issue_pdf_has_pages_cjk_font_and_no_missing_glyphs(editor, issue, article, tmp_path):
    services.add_photo(editor, article, jpeg_bytes((400, 260)), "捐款现场")
    publish(editor, issue)
    result = check_pdf(pdf.render_issue_pdf(issue), tmp_path,
                       ["乐活新泾", "乐活·温情", "风雨同舟共渡难关", "新泾镇共有404人参与捐款", "党员307人", "56510元", "捐款现场"])
    assert result["pages"] >= 1 and "第1页/共" in result["text"]


def test_pdf_is_a_background_job_with_progress_then_cached(login, editor, issue, article, django_capture_on_commit_callbacks):
    client = login(editor)
    url = reverse("newsletter:pdf", args=[issue.slug])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get(url)
    job = Job.objects.get(kind="newsletter.pdf")
    assert r.status_code == 302 and r.url == reverse("web:job", args=[job.pk])
    assert job.status == Job.DONE and job.progress == 4 and job.total == 4  # all its steps, as its bar shows
    assert job.result["next_url"] == url
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert Job.objects.count() == 1  # served from the cache
    services.save_article(editor, issue, article, title="改过的标题")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 302  # the issue changed: rendered again
    assert Job.objects.count() == 2


def test_pdf_cache_follows_live_figures_of_a_draft(editor, issue, article, fake_figures):
    pdf.build_and_cache(issue)
    assert pdf.cached_pdf(issue) is not None
    fake_figures.values["drive"]["people"] = 405
    assert pdf.cached_pdf(issue) is None


def test_published_pdf_is_rendered_once_and_readers_never_trigger_renders(client, login, parent, editor, issue,
                                                                        article, django_capture_on_commit_callbacks):
    """Finding 8 (issue 16) and issue 17: anyone fetches a published issue's PDF; it is rendered
    once in the background, and repeated requests by the public start no more renders."""
    url = reverse("newsletter:pdf", args=[issue.slug])
    assert login(parent).get(url).status_code == 404
    assert client.get(url).status_code == 404  # a draft
    publish(editor, issue)
    # Nobody has rendered it yet (published through the service, not the page): the first
    # reader queues one render and is told to come back; the next ones queue nothing.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.get(url)
        again = [client.get(url)["Content-Type"] for _ in range(5)]
    assert first.status_code == 200 and first["Retry-After"] and "正在生成" in first.content.decode()
    assert "no-store" in first["Cache-Control"] and not any("pdf" in t for t in again)
    assert Job.objects.filter(kind="newsletter.pdf").count() == 1 and len(queued) == 1
    queued[0]()  # the worker runs it
    r = client.get(url)
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and "public" in r["Cache-Control"]
    assert login(parent).get(url).status_code == 200
    assert Job.objects.filter(kind="newsletter.pdf").count() == 1


def test_publishing_through_the_page_renders_the_pdf(login, editor, issue, article,
                                                    django_capture_on_commit_callbacks):
    from .conftest import second_editor

    services.submit_issue(editor, issue)
    with django_capture_on_commit_callbacks(execute=True):
        r = login(second_editor(issue.publication.town)).post(reverse("newsletter:publish", args=[issue.slug]))
    assert r.status_code == 302
    issue.refresh_from_db()
    assert issue.status == "published" and pdf.cached_pdf(issue) is not None


def test_dashboard_pdf_for_staff(login, viewer, parent):
    r = login(viewer).get(reverse("newsletter:dashboard_pdf"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert login(parent).get(reverse("newsletter:dashboard_pdf")).status_code == 403
