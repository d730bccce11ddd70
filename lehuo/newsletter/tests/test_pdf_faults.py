"""Disk full while the print PDF is written: the job fails with a clear message, no partial
or empty PDF is cached, the issue page still works, and a later render succeeds."""

import errno
import os

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from lehuo.newsletter import pdf
from lehuo.newsletter.models import Issue
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db
PDF_DIR = "newsletter/pdf"


def pdf_files(slug: str) -> dict[str, int]:
    """Files in the PDF directory (and its year folders), with their sizes. Names are random
    (lehuo/platform/media.py), so ``clean_pdf_dir`` empties the directory around each test."""
    found: dict[str, int] = {}

    def walk(folder: str) -> None:
        if not default_storage.exists(folder):
            return
        dirs, files = default_storage.listdir(folder)
        for n in files:
            found[f"{folder}/{n}"[len(PDF_DIR) + 1:]] = default_storage.size(f"{folder}/{n}")
        for d in dirs:
            walk(f"{folder}/{d}")

    walk(PDF_DIR)
    return found


@pytest.fixture
def clean_pdf_dir(issue):
    for name in pdf_files(issue.slug):
        default_storage.delete(f"{PDF_DIR}/{name}")
    yield
    for name in pdf_files(issue.slug):
        default_storage.delete(f"{PDF_DIR}/{name}")


@pytest.fixture
def disk_full(monkeypatch):
    """The storage writes the first half of the file, then the disk is full (as a real
    write(2) would fail part-way): a partial file is on disk when the error arrives."""
    calls = []

    def save_half(self, name, content):
        calls.append(name)
        data = content.read()
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(FileSystemStorage, "_save", save_half)
    return calls


def render_as_staff(client, issue, capture) -> Job:
    with capture(execute=True):
        r = client.get(reverse("newsletter:pdf", args=[issue.slug]))
    job = Job.objects.filter(kind="newsletter.pdf").latest("pk")
    assert r.status_code == 302 and r.url == reverse("web:job", args=[job.pk])
    return job


def test_disk_full_fails_the_job_with_a_clear_message(login, editor, issue, article, clean_pdf_dir, disk_full,
                                                      django_capture_on_commit_callbacks):
    job = render_as_staff(login(editor), issue, django_capture_on_commit_callbacks)
    assert disk_full, "the storage write was not reached"
    job.refresh_from_db()
    assert job.status == Job.FAILED
    assert "磁盘空间已满" in job.message and "OSError" not in job.message
    page = login(editor).get(reverse("web:job", args=[job.pk]))
    assert page.status_code == 200 and "磁盘空间已满" in page.content.decode()


def test_disk_full_leaves_no_partial_or_empty_pdf(login, editor, issue, article, clean_pdf_dir, disk_full,
                                                  django_capture_on_commit_callbacks):
    render_as_staff(login(editor), issue, django_capture_on_commit_callbacks)
    assert pdf_files(issue.slug) == {}
    fresh = Issue.objects.get(pk=issue.pk)
    assert not fresh.pdf and not fresh.pdf_hash
    assert pdf.cached_pdf(fresh) is None


def test_disk_full_keeps_the_earlier_pdf_file_and_serves_nothing_stale(editor, issue, article, clean_pdf_dir,
                                                                      monkeypatch):
    from lehuo.newsletter import services

    pdf.build_and_cache(issue)
    before = pdf_files(issue.slug)
    assert len(before) == 1 and min(before.values()) > 0
    services.save_article(editor, issue, article, title="改过的标题")
    monkeypatch.setattr(FileSystemStorage, "_save", lambda self, name, content: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(OSError):
        pdf.build_and_cache(Issue.objects.get(pk=issue.pk))
    assert pdf_files(issue.slug) == before  # nothing new, the old file not deleted first
    assert pdf.cached_pdf(Issue.objects.get(pk=issue.pk)) is None  # old content is not served


def test_issue_page_works_after_disk_full(login, editor, issue, article, clean_pdf_dir, disk_full,
                                          django_capture_on_commit_callbacks):
    render_as_staff(login(editor), issue, django_capture_on_commit_callbacks)
    r = login(editor).get(reverse("newsletter:issue", args=[issue.slug]))
    assert r.status_code == 200 and "这群新泾人为河南献上真挚爱心" in r.content.decode()


def test_render_succeeds_once_space_is_back(login, editor, issue, article, clean_pdf_dir, monkeypatch,
                                           django_capture_on_commit_callbacks):
    client = login(editor)
    original = FileSystemStorage._save
    monkeypatch.setattr(FileSystemStorage, "_save", lambda self, name, content: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    failed = render_as_staff(client, issue, django_capture_on_commit_callbacks)
    failed.refresh_from_db()
    assert failed.status == Job.FAILED
    monkeypatch.setattr(FileSystemStorage, "_save", original)
    job = render_as_staff(client, issue, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Job.DONE
    files = pdf_files(issue.slug)
    assert len(files) == 1 and min(files.values()) > 0
    r = client.get(reverse("newsletter:pdf", args=[issue.slug]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
