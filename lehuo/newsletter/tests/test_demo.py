"""The demo issue 2021-08 over the demo records of donations, blood and training
(loaded once for this module)."""

import datetime as dt
import io
import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse

from lehuo.newsletter import pdf, services
from lehuo.newsletter.models import Article, Issue

from .test_pdf import check_pdf

MODULES = ["donations", "blood", "training", "newsletter"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():  # one commit: much faster than one per module on a file database
            call_command("demo", only=MODULES, residents=3000, stdout=io.StringIO())
        issue = Issue.objects.get(slug="2021-08")
    yield issue
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()


@pytest.fixture
def editor_user(demo, db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="editor")


def test_rendering_the_demo_issue_states_404_307_56510_187_367_and_25(demo, editor_user, login):
    html = login(editor_user).get(reverse("newsletter:issue", args=["2021-08"])).content.decode()
    for value in ("404", "307", "56510", "187", "367", "25"):
        assert f'<span class="fig">{value}</span>' in html, value
    assert "新泾镇共有" in html and "乐活·体育" in html and "3分54秒13" in html


def test_demo_issue_has_four_columns_and_six_articles(demo, db):
    assert list(demo.articles.values_list("column__name", flat=True).distinct().order_by("column__order")) == [
        "乐活·家园", "乐活·温情", "乐活·青春", "乐活·体育"]
    assert demo.articles.count() == 6
    assert Article.objects.filter(issue=demo, kicker="育人才 强自治 创特色").exists()


def test_demo_issue_is_published_with_frozen_figures(demo, db):
    assert not services.figure_errors(services.issue_figures(demo))
    assert demo.status == Issue.PUBLISHED
    frozen = dict(demo.frozen_figures.values_list("token", "value"))
    assert frozen["donations:henan-flood-2021:people"] == "404"
    assert frozen["donations:henan-flood-2021:total"] == "56510"
    assert frozen["blood:2021-07-28:units"] == "367"
    assert frozen["training:xinjing-studio-3:starts_on_cn"] == "8月10日"
    assert frozen["training:xinjing-studio-3:weekdays_cn"] == "每周二、周五"
    assert frozen["training:xinjing-studio-3:neighbourhoods_cn"] == "绿十一、天山星城、双流、虹九"


def test_one_more_donation_changes_the_draft_and_flags_the_published_copy(demo, editor_user, login):
    from django.contrib.auth import get_user_model

    from lehuo.accounts.models import Neighbourhood
    from lehuo.donations import services as donations
    from lehuo.donations.models import Drive
    from lehuo.people.models import Person
    from lehuo.people.services import create_person

    assert demo.is_published
    pub = demo.publication
    draft = services.create_issue(editor_user, pub, number=9, date=dt.date(2021, 9, 20), slug="2021-09")
    services.save_article(editor_user, draft, None, column=pub.columns.first(), title="续报",
                          body="参与捐款[[donations:henan-flood-2021:people]]人")
    admin = get_user_model().objects.get(username="admin")
    drive = Drive.objects.get(slug="henan-flood-2021")
    nbh = Neighbourhood.objects.get(code="xj")
    donor = create_person(admin, demo.publication.town, name="新捐款人", neighbourhood=nbh)
    assert not Person.objects.filter(pk=donor.pk, donations__isnull=False).exists()
    donations.record_donation(admin, drive, amount="100", channel=drive.channels[0], received_on=dt.date(2021, 8, 10),
                              person=donor, neighbourhood=nbh)
    client = login(editor_user)
    assert '<span class="fig">405</span>' in client.get(reverse("newsletter:issue", args=["2021-09"])).content.decode()
    html = client.get(reverse("newsletter:issue", args=["2021-08"])).content.decode()
    assert "发布时 404，现为 405" in html
    assert "发布时 56510，现为 56610" in html


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils missing")
def test_demo_issue_pdf_has_pages_cjk_font_and_all_text(demo, db, tmp_path):
    result = check_pdf(pdf.render_issue_pdf(demo), tmp_path,
                       ["乐活新泾", "育人才强自治创特色", "新泾镇零距离工作室开课", "新泾镇共有404人", "党员307人",
                        "56510元", "187名", "367份", "入库25名", "爱心暑托班结业仪式", "奥运赛场上的唐钱婷",
                        "镇领导来到唐钱婷家中祝贺", "3分54秒13"])
    assert result["pages"] >= 3
    assert f"共{result['pages']}页" in result["text"]
