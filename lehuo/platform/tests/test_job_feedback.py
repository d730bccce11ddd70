"""What a waiting page says when a job ends: its count matches its bar, and a PDF opens."""

import pytest
from django.urls import reverse

from lehuo.platform import jobs
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db


def test_a_finished_job_counts_all_its_steps_and_its_bar_matches(town_admin):
    job = Job.objects.create(kind="newsletter.pdf", created_by=town_admin)
    jobs.report(job, 3, 4, "排版")
    job.refresh_from_db()
    assert (job.progress, job.total, job.percent) == (3, 4, 75)
    jobs.finish(job, {"next_url": "/newsletter/2026-12.pdf"}, "PDF 已生成")
    job.refresh_from_db()
    assert (job.progress, job.total, job.percent) == (4, 4, 100)


def test_a_failed_job_bar_stops_where_it_failed(town_admin):
    job = Job.objects.create(kind="newsletter.pdf", created_by=town_admin)
    jobs.report(job, 2, 4, "排版")
    jobs.finish(job, message="生成失败", failed=True)
    job.refresh_from_db()
    assert (job.progress, job.percent) == (2, 50)


def test_done_pdf_job_page_opens_the_pdf(login, town_admin):
    job = Job.objects.create(kind="newsletter.pdf", created_by=town_admin)
    jobs.report(job, 3, 4, "排版")
    jobs.finish(job, {"next_url": "/newsletter/2026-12.pdf"}, "PDF 已生成")
    html = login(town_admin).get(reverse("web:job", args=[job.pk])).content.decode()
    assert "4 / 4" in html and 'value="100"' in html
    assert 'id="job-result" href="/newsletter/2026-12.pdf"' in html and "打开 PDF" in html


def test_running_job_bar_matches_its_count(login, town_admin):
    job = Job.objects.create(kind="newsletter.pdf", created_by=town_admin)
    jobs.report(job, 3, 4, "排版")
    html = login(town_admin).get(reverse("web:job", args=[job.pk])).content.decode()
    assert "3 / 4" in html and 'value="75"' in html
