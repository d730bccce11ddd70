"""Setting up the programme: the setup page (year, terms, sites, site heads, offerings) and
editing an offering (``update_offering``: the capacity race rule, promotion on growth)."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lehuo.accounts.models import TOWN_ADMIN, Membership, Neighbourhood, Town
from lehuo.accounts.permissions import may
from lehuo.daycare import services_running
from lehuo.daycare.models import Enrolment, Offering, Site, Term, Year
from lehuo.platform import notify
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog

from .conftest import OPENED, staff_actor, staff_enrol  # noqa: I001,F401

pytestmark = pytest.mark.django_db

SETUP = reverse("daycare:setup")


def _written() -> tuple[int, ...]:
    """Row counts of everything the setup pages write (to prove an error wrote nothing)."""
    return (Year.objects.count(), Term.objects.count(), Site.objects.count(), Offering.objects.count(),
            AuditLog.objects.count())


def _post_urls(year: int = 2021) -> dict[str, str]:
    return {
        "year": reverse("daycare:setup_year"),
        "default_terms": reverse("daycare:setup_default_terms", args=[year]),
        "term": reverse("daycare:setup_term", args=[year]),
        "site": reverse("daycare:setup_site", args=[year]),
        "site_head": reverse("daycare:setup_site_head", args=[year]),
        "offering": reverse("daycare:setup_offering", args=[year]),
    }


def _enrol(make_child, offering, n: int) -> list[Enrolment]:
    rows = []
    for _ in range(n):
        child = make_child()
        rows.append(staff_enrol(offering, child, child.person.guardian_links.get().guardian))
    return rows


def _edit(offering, **changes) -> dict:
    data = {"capacity": offering.capacity, "fee": str(offering.fee),
            "opens_at": timezone.localtime(offering.opens_at).strftime("%Y-%m-%dT%H:%M")}
    data.update(changes)
    return data


@pytest.fixture
def other_town_admin(db):
    town = Town.objects.create(code="310105014", name="程家桥街道")
    user = get_user_model().objects.create_user(username="admin_cjq", password="pw")
    Membership.objects.create(user=user, town=town, role=TOWN_ADMIN)
    return user


@pytest.fixture
def empty_year(town):
    return Year.objects.create(town=town, year=2023)


# --- who may ---------------------------------------------------------------------------------

def test_town_admin_sees_the_years_terms_sites_and_offerings(login, town_admin, offering, other_site):
    page = login(town_admin).get(SETUP, {"year": 2021}).content.decode()
    assert "第1期" in page and "2021-07-05" in page and "2021-08-13" in page
    assert "绿十一活动室" in page and "虹九活动室" in page
    assert reverse("daycare:offering_edit", args=[offering.pk]) in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_setup_page_costs_the_same_queries_for_more_sites(login, town_admin, offering, lv11, site_head):
    c = login(town_admin)
    _queries(c, SETUP)  # warm the per-process caches (content types)
    few = _queries(c, SETUP)
    for i in range(5):
        s = services_running.create_site(town_admin, offering.site.year, name=f"点{i}", neighbourhood=lv11,
                                         head_user=site_head)
        services_running.create_offering(town_admin, s, offering.term, opens_at=OPENED)
    assert _queries(c, SETUP) == few


@pytest.mark.parametrize("persona", ["site_head", "sw_lv11", "editor", "viewer", "outsider", "parent"])
def test_setup_page_is_forbidden_to_everyone_but_town_admins(request, login, year, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get(SETUP).status_code == 403


@pytest.mark.parametrize("form", list(_post_urls()))
def test_setup_forms_are_forbidden_to_a_site_head_and_write_nothing(login, assigned_site_head, offering, lv11, form):
    before = _written()
    r = login(assigned_site_head).post(_post_urls()[form], {
        "year": "2022", "number": "3", "starts_on": "2021-08-16", "ends_on": "2021-08-20", "name": "新点",
        "neighbourhood": lv11.pk, "min_volunteers": "3", "min_security": "2"})
    assert r.status_code == 403
    assert _written() == before


def test_anonymous_is_sent_to_login_from_setup_pages(client, offering):
    for url in [SETUP, reverse("daycare:offering_edit", args=[offering.pk])]:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    r = client.post(_post_urls()["term"], {"number": "3"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert Term.objects.count() == 2


def test_admin_of_another_town_gets_404_for_this_towns_year(login, other_town_admin, terms):
    r = login(other_town_admin).post(_post_urls()["term"], {"number": "3", "starts_on": "2021-08-16",
                                                           "ends_on": "2021-08-20"})
    assert r.status_code == 404
    assert Term.objects.count() == 2


def test_admin_of_another_town_does_not_see_this_towns_years(login, other_town_admin, year):
    page = login(other_town_admin).get(SETUP).content.decode()
    assert "2021年爱心暑托班" not in page
    assert "尚未建立暑托班年度" in page


def test_offering_edit_page_opens_for_town_admin(login, town_admin, offering):
    r = login(town_admin).get(reverse("daycare:offering_edit", args=[offering.pk]))
    assert r.status_code == 200
    assert 'value="35"' in r.content.decode() and 'value="2021-06-20T09:00"' in r.content.decode()


@pytest.mark.parametrize("persona, status", [("assigned_site_head", 403), ("sw_lv11", 403), ("outsider", 404),
                                             ("parent", 404)])
def test_offering_edit_is_forbidden_to_those_who_may_not_manage(request, login, offering, persona, status):
    """403 for staff who see the offering; 404 for those who do not (whether it exists is not told)."""
    user = request.getfixturevalue(persona)
    url = reverse("daycare:offering_edit", args=[offering.pk])
    c = login(user)
    assert c.get(url).status_code == status
    assert c.post(url, _edit(offering, capacity="40")).status_code == status
    offering.refresh_from_db()
    assert offering.capacity == 35


@pytest.mark.parametrize("persona", ["site_head", "other_town_admin"])
def test_offering_edit_is_404_outside_the_users_sites(request, login, offering, persona):
    """An unassigned site head and another town's admin cannot even learn the offering exists."""
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse("daycare:offering_edit", args=[offering.pk])).status_code == 404


# --- links -----------------------------------------------------------------------------------

def test_programme_page_links_to_setup_for_town_admin(login, town_admin, offering):
    assert SETUP in login(town_admin).get(reverse("daycare:index")).content.decode()


def test_programme_page_has_no_setup_link_for_site_head(login, assigned_site_head, offering):
    assert SETUP not in login(assigned_site_head).get(reverse("daycare:index")).content.decode()


def test_offering_page_links_to_edit_for_town_admin_only(login, town_admin, assigned_site_head, offering):
    url, edit = reverse("daycare:offering", args=[offering.pk]), reverse("daycare:offering_edit", args=[offering.pk])
    assert edit in login(town_admin).get(url).content.decode()
    assert edit not in login(assigned_site_head).get(url).content.decode()


# --- year and default terms ------------------------------------------------------------------

@pytest.mark.parametrize("year, expected", [
    (2021, [(1, dt.date(2021, 7, 5), dt.date(2021, 7, 23)), (2, dt.date(2021, 7, 26), dt.date(2021, 8, 13))]),
    (2023, [(1, dt.date(2023, 7, 3), dt.date(2023, 7, 21)), (2, dt.date(2023, 7, 24), dt.date(2023, 8, 11))]),
    (2025, [(1, dt.date(2025, 7, 7), dt.date(2025, 7, 25)), (2, dt.date(2025, 7, 28), dt.date(2025, 8, 15))]),
])
def test_default_terms_are_two_three_week_terms_from_the_first_monday_of_july(year, expected):
    assert services_running.default_term_dates(year) == expected


def test_admin_creates_a_year_with_the_default_terms(login, town_admin, town):
    r = login(town_admin).post(_post_urls()["year"], {"year": "2023", "title": "", "default_terms": "on"})
    year = Year.objects.get(town=town, year=2023)
    assert r.status_code == 302 and r["Location"] == f"{SETUP}?year=2023"
    assert [(t.number, t.starts_on, t.ends_on) for t in year.terms.all()] == services_running.default_term_dates(2023)
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "daycare.year.create", "daycare.term.create", "daycare.term.create"]


def test_year_created_without_terms_offers_the_default_terms(login, town_admin, town):
    c = login(town_admin)
    c.post(_post_urls()["year"], {"year": "2023"})
    assert not Term.objects.exists()
    page = c.get(SETUP, {"year": 2023}).content.decode()
    assert "2023-07-03" in page and "2023-08-11" in page
    assert reverse("daycare:setup_default_terms", args=[2023]) in page


def test_default_terms_button_creates_both_terms(login, town_admin, empty_year):
    r = login(town_admin).post(_post_urls(2023)["default_terms"])
    assert r.status_code == 302
    assert list(empty_year.terms.values_list("starts_on", flat=True)) == [dt.date(2023, 7, 3), dt.date(2023, 7, 24)]


def test_default_terms_are_refused_once_the_year_has_a_term(town_admin, year, terms):
    with pytest.raises(ServiceError) as exc:
        services_running.create_default_terms(town_admin, year)
    assert exc.value.message == "本年度已有期，请逐期添加"
    assert year.terms.count() == 2


def test_proposal_is_not_shown_once_the_year_has_terms(login, town_admin, terms):
    page = login(town_admin).get(SETUP, {"year": 2021}).content.decode()
    assert reverse("daycare:setup_default_terms", args=[2021]) not in page


def test_duplicate_year_is_refused_on_the_year_field(login, town_admin, year):
    before = _written()
    r = login(town_admin).post(_post_urls()["year"], {"year": "2021", "default_terms": "on"})
    assert r.status_code == 200
    assert r.context["year_form"].errors == {"year": ["2021年度已存在"]}
    assert _written() == before


@pytest.mark.parametrize("value, message", [("1999", "年度须在2014-2100之间"), ("abc", "年度格式不正确"),
                                            ("", "请填写年度")])
def test_bad_year_is_refused_with_a_message(login, town_admin, town, value, message):
    r = login(town_admin).post(_post_urls()["year"], {"year": value})
    assert r.context["year_form"].errors["year"] == [message]
    assert not Year.objects.exists() and not AuditLog.objects.exists()


# --- terms -----------------------------------------------------------------------------------

def test_admin_adds_a_term(login, town_admin, terms):
    r = login(town_admin).post(_post_urls()["term"], {"number": "3", "starts_on": "2021-08-16",
                                                     "ends_on": "2021-08-27"})
    assert r.status_code == 302 and r["Location"].endswith("?year=2021#terms")
    term = Term.objects.get(number=3)
    assert (term.starts_on, term.ends_on) == (dt.date(2021, 8, 16), dt.date(2021, 8, 27))
    log = AuditLog.objects.get(action="daycare.term.create")
    assert log.data["after"]["starts_on"] == "2021-08-16" and log.actor == town_admin


@pytest.mark.parametrize("data, field, message", [
    ({"number": "3", "starts_on": "2021-08-27", "ends_on": "2021-08-16"}, "ends_on", "结束日期不能早于开始日期"),
    ({"number": "3", "starts_on": "2022-07-04", "ends_on": "2022-07-22"}, "starts_on", "开始日期须在2021年内"),
    ({"number": "3", "starts_on": "2021-12-20", "ends_on": "2022-01-07"}, "ends_on", "结束日期须在2021年内"),
    ({"number": "2", "starts_on": "2021-08-16", "ends_on": "2021-08-27"}, "number", "第2期已存在"),
    ({"number": "3", "starts_on": "2021-08-09", "ends_on": "2021-08-20"}, "starts_on",
     "日期与2021年第2期（07/26-08/13）重叠"),
    ({"number": "0", "starts_on": "2021-08-16", "ends_on": "2021-08-27"}, "number", "期数须在1-9之间"),
    ({"number": "3", "starts_on": "2021-08-16", "ends_on": ""}, "ends_on", "请填写结束日期"),
])
def test_bad_term_is_refused_on_its_field(login, town_admin, terms, data, field, message):
    before = _written()
    r = login(town_admin).post(_post_urls()["term"], data)
    assert r.status_code == 200
    assert r.context["term_form"].errors[field] == [message]
    assert _written() == before


# --- sites and their heads -------------------------------------------------------------------

def _site_data(nbh, **changes) -> dict:
    data = {"name": "天山星城会所", "neighbourhood": nbh.pk, "address": "天山路1号", "head_name": "李老师",
            "head_user": "", "min_volunteers": "3", "min_security": "2"}
    data.update(changes)
    return data


def test_site_form_starts_with_3_volunteers_and_2_security(login, town_admin, year):
    form = login(town_admin).get(SETUP).context["site_form"]
    assert (form["min_volunteers"].value(), form["min_security"].value()) == (3, 2)


def test_admin_adds_a_site_and_its_head_who_may_then_run_it(login, town_admin, year, tsxc, site_head):
    r = login(town_admin).post(_post_urls()["site"], _site_data(tsxc, head_user=site_head.pk))
    assert r.status_code == 302
    site = Site.objects.get(name="天山星城会所")
    assert (site.neighbourhood, site.address, site.head_name, site.min_volunteers, site.min_security) == (
        tsxc, "天山路1号", "李老师", 3, 2)
    assert may(get_user_model().objects.get(pk=site_head.pk), "daycare.site.run", site)
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "daycare.site.create", "daycare.site.assign"]


def test_head_user_choices_are_the_towns_programme_staff_only(login, town_admin, year, site_head, sw_lv11,
                                                               other_town_admin):
    choices = list(login(town_admin).get(SETUP).context["site_form"].fields["head_user"].queryset)
    assert choices == [site_head]


def test_site_head_who_is_not_programme_staff_is_refused(login, town_admin, year, tsxc, sw_lv11):
    before = _written()
    r = login(town_admin).post(_post_urls()["site"], _site_data(tsxc, head_user=sw_lv11.pk))
    assert r.context["site_form"].errors["head_user"] == ["请选择负责人账号"]
    assert _written() == before


def test_assign_site_head_refuses_a_user_who_is_not_programme_staff(town_admin, site, sw_lv11):
    with pytest.raises(ServiceError) as exc:
        services_running.assign_site_head(town_admin, site, sw_lv11)
    assert exc.value.field == "head_user"
    assert not may(sw_lv11, "daycare.site.run", site)


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "绿十一活动室"}, "name", "同名办班点已存在"),
    ({"name": "  "}, "name", "请填写办班点名称"),
    ({"name": "点" * 101}, "name", "办班点名称不能超过100个字"),
    ({"neighbourhood": ""}, "neighbourhood", "请选择居民区"),
    ({"min_volunteers": "-1"}, "min_volunteers", "最少志愿者人数须在0-50之间"),
    ({"min_security": "x"}, "min_security", "最少安保人数格式不正确"),
])
def test_bad_site_is_refused_on_its_field(login, town_admin, site, lv11, changes, field, message):
    before = _written()
    r = login(town_admin).post(_post_urls()["site"], _site_data(lv11, **changes))
    assert r.status_code == 200
    assert r.context["site_form"].errors[field] == [message]
    assert _written() == before


def test_neighbourhood_of_another_town_is_refused(login, town_admin, year, other_town_admin):
    elsewhere = Neighbourhood.objects.create(town=Town.objects.get(code="310105014"), code="cjq1", name="程一")
    r = login(town_admin).post(_post_urls()["site"], _site_data(elsewhere))
    assert r.context["site_form"].errors["neighbourhood"] == ["请选择居民区"]
    assert not Site.objects.exists()


def test_create_site_refuses_a_neighbourhood_of_another_town(town_admin, year, other_town_admin):
    elsewhere = Neighbourhood.objects.create(town=Town.objects.get(code="310105014"), code="cjq1", name="程一")
    with pytest.raises(ServiceError) as exc:
        services_running.create_site(town_admin, year, name="程一会所", neighbourhood=elsewhere)
    assert exc.value.field == "neighbourhood_id"


def test_admin_assigns_a_head_to_an_existing_site(login, town_admin, site, site_head):
    r = login(town_admin).post(_post_urls()["site_head"], {"site": site.pk, "head_user": site_head.pk})
    assert r.status_code == 302
    assert may(get_user_model().objects.get(pk=site_head.pk), "daycare.site.run", site)
    assert AuditLog.objects.get(action="daycare.site.assign").data == {"user": site_head.pk, "duty": "办班点负责人"}
    assert "site_head" in login(town_admin).get(SETUP).content.decode()


def test_assigning_the_same_head_twice_writes_one_row(town_admin, site, site_head):
    services_running.assign_site_head(town_admin, site, site_head)
    services_running.assign_site_head(town_admin, site, site_head)
    assert AuditLog.objects.filter(action="daycare.site.assign").count() == 1


# --- opening an offering ---------------------------------------------------------------------

def _offering_data(site, term, **changes) -> dict:
    data = {"site": site.pk, "term": term.pk, "capacity": "35", "fee": "600.00", "opens_at": "2021-06-20T09:00"}
    data.update(changes)
    return data


def test_offering_form_starts_with_the_default_capacity_and_fee(login, town_admin, site, terms, settings):
    settings.LEHUO_RULES = {**settings.LEHUO_RULES, "daycare": {**settings.LEHUO_RULES["daycare"],
                                                                "default_capacity": 40}}
    form = login(town_admin).get(SETUP).context["offering_form"]
    assert (form["capacity"].value(), form["fee"].value()) == (40, "600.00")


def test_admin_opens_an_offering(login, town_admin, site, terms):
    r = login(town_admin).post(_post_urls()["offering"], _offering_data(site, terms[1]))
    assert r.status_code == 302 and r["Location"].endswith("#offerings")
    o = Offering.objects.get(site=site, term=terms[1])
    assert (o.capacity, o.fee, o.taken) == (35, Decimal("600.00"), 0)
    assert o.opens_at == timezone.make_aware(dt.datetime(2021, 6, 20, 9, 0))
    assert AuditLog.objects.get(action="daycare.offering.create").data["after"]["fee"] == "600.00"


@pytest.mark.parametrize("changes, field, message", [
    ({"capacity": "0"}, "capacity", "名额须在1-500之间"),
    ({"capacity": "501"}, "capacity", "名额须在1-500之间"),
    ({"capacity": ""}, "capacity", "请填写名额"),
    ({"fee": "-1"}, "fee", "费用须在0-100000元之间"),
    ({"fee": "600.001"}, "fee", "费用最多保留两位小数（到分）"),
    ({"fee": "abc"}, "fee", "费用格式不正确"),
    ({"opens_at": "2021-07-27T09:00"}, "opens_at", "报名开始时间须早于开班日期（2021-07-26）"),
    ({"opens_at": "2021-07-26T08:00"}, "opens_at", "报名开始时间须早于开班日期（2021-07-26）"),
    ({"opens_at": "2021-06-20T08:59"}, "opens_at", "报名开始时间不得早于当天09:00"),
    ({"opens_at": "2021-06-20T03:30"}, "opens_at", "报名开始时间不得早于当天09:00"),
    ({"opens_at": "明天"}, "opens_at", "报名开始时间格式不正确"),
])
def test_bad_offering_is_refused_on_its_field(login, town_admin, site, terms, changes, field, message):
    before = _written()
    r = login(town_admin).post(_post_urls()["offering"], _offering_data(site, terms[1], **changes))
    assert r.status_code == 200
    assert r.context["offering_form"].errors[field] == [message]
    assert _written() == before


def test_second_offering_of_a_site_in_a_term_is_refused(login, town_admin, offering, site, terms):
    before = _written()
    r = login(town_admin).post(_post_urls()["offering"], _offering_data(site, terms[0]))
    assert r.context["offering_form"].errors["term"] == ["该办班点本期已开班"]
    assert _written() == before


# --- editing an offering ---------------------------------------------------------------------

def test_admin_edits_capacity_fee_and_opening_time(login, town_admin, offering):
    r = login(town_admin).post(reverse("daycare:offering_edit", args=[offering.pk]),
                               _edit(offering, capacity="40", fee="550.50", opens_at="2021-06-21T10:00"))
    assert r["Location"] == reverse("daycare:offering", args=[offering.pk])
    offering.refresh_from_db()
    assert (offering.capacity, offering.fee) == (40, Decimal("550.50"))
    assert offering.opens_at == timezone.make_aware(dt.datetime(2021, 6, 21, 10, 0))


def test_offering_update_is_audited_with_before_and_after(town_admin, offering):
    services_running.update_offering(town_admin, offering, capacity=40, fee=Decimal("550.00"), opens_at=OPENED)
    log = AuditLog.objects.get(action="daycare.offering.update")
    assert (log.data["before"]["capacity"], log.data["after"]["capacity"]) == (35, 40)
    assert (log.data["before"]["fee"], log.data["after"]["fee"]) == ("600.00", "550.00")
    assert log.actor == town_admin and log.data["promoted"] == []


def test_unchanged_offering_writes_no_audit_row(town_admin, offering):
    services_running.update_offering(town_admin, offering, capacity=35, fee="600.00", opens_at=OPENED)
    assert not AuditLog.objects.filter(action="daycare.offering.update").exists()


def test_capacity_below_confirmed_places_is_refused_on_the_page(login, town_admin, offering, make_child):
    _enrol(make_child, offering, 3)
    audit = AuditLog.objects.count()
    r = login(town_admin).post(reverse("daycare:offering_edit", args=[offering.pk]),
                               _edit(offering, capacity="2", fee="1.00"))
    assert r.status_code == 200
    assert r.context["form"].errors["capacity"] == ["名额不能少于已录取的3人"]
    offering.refresh_from_db()
    assert (offering.capacity, offering.fee) == (35, Decimal("600.00"))
    assert AuditLog.objects.count() == audit


def test_capacity_down_to_exactly_the_confirmed_places_is_allowed(town_admin, offering, make_child):
    _enrol(make_child, offering, 3)
    services_running.update_offering(town_admin, offering, capacity=3, fee="600.00", opens_at=OPENED)
    assert (offering.capacity, offering.places_left) == (3, 0)


@pytest.mark.parametrize("changes, field", [({"capacity": "0"}, "capacity"), ({"capacity": "501"}, "capacity"),
                                            ({"fee": "600.001"}, "fee"), ({"fee": "-0.01"}, "fee"),
                                            ({"opens_at": "2021-07-05T09:00"}, "opens_at")])
def test_bad_offering_edit_is_refused_and_changes_nothing(login, town_admin, offering, changes, field):
    r = login(town_admin).post(reverse("daycare:offering_edit", args=[offering.pk]), _edit(offering, **changes))
    assert r.status_code == 200 and field in r.context["form"].errors
    offering.refresh_from_db()
    assert (offering.capacity, offering.fee, offering.opens_at) == (35, Decimal("600.00"), OPENED)
    assert not AuditLog.objects.filter(action="daycare.offering.update").exists()


def test_update_refuses_on_the_databases_count_not_the_callers_stale_copy(town_admin, offering, make_child):
    """The caller read ``taken`` = 0; three places were claimed since. The conditional UPDATE
    decides on the row as it is now."""
    stale = Offering.objects.select_related("term").get(pk=offering.pk)
    _enrol(make_child, offering, 3)
    assert stale.taken == 0
    with pytest.raises(ServiceError) as exc:
        services_running.update_offering(town_admin, stale, capacity=2, fee="600.00", opens_at=OPENED)
    assert exc.value.field == "capacity"
    assert Offering.objects.values_list("capacity", "taken").get(pk=offering.pk) == (35, 3)


def test_capacity_change_is_one_update_conditional_on_taken(town_admin, offering):
    with CaptureQueriesContext(connection) as queries:
        services_running.update_offering(town_admin, offering, capacity=40, fee="600.00", opens_at=OPENED)
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"capacity"' in q["sql"]]
    assert len(updates) == 1
    assert '"taken" <=' in updates[0].split("WHERE", 1)[1]


def test_capacity_growth_promotes_the_first_waiting_children_and_tells_them(
        town_admin, offering, make_child, django_capture_on_commit_callbacks):
    Offering.objects.filter(pk=offering.pk).update(capacity=2)
    offering.refresh_from_db()
    rows = _enrol(make_child, offering, 5)  # 2 confirmed, waiting 1-3
    notify.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services_running.update_offering(town_admin, offering, capacity=4, fee="600.00", opens_at=OPENED)
    assert [e.position for e in promoted] == [1, 2]
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in rows] == ["confirmed"] * 4 + ["waitlisted"]
    assert (offering.capacity, offering.taken) == (4, 4)
    assert [phone for phone, _ in notify.outbox] == [rows[2].guardian.phone, rows[3].guardian.phone]
    assert "已由候补转为正式录取" in notify.outbox[0][1]
    assert AuditLog.objects.filter(action="daycare.promote").count() == 2
    assert AuditLog.objects.get(action="daycare.offering.update").data["promoted"] == [rows[2].pk, rows[3].pk]


def test_capacity_growth_beyond_the_waiting_list_leaves_free_places(town_admin, offering, make_child):
    Offering.objects.filter(pk=offering.pk).update(capacity=1)
    offering.refresh_from_db()
    _enrol(make_child, offering, 2)  # 1 confirmed, 1 waiting
    promoted = services_running.update_offering(town_admin, offering, capacity=10, fee="600.00", opens_at=OPENED)
    assert len(promoted) == 1
    assert (offering.taken, offering.places_left) == (2, 8)
    assert not Enrolment.objects.filter(status=Enrolment.WAITLISTED).exists()


def test_edit_page_says_who_was_promoted(login, town_admin, offering, make_child):
    Offering.objects.filter(pk=offering.pk).update(capacity=1)
    offering.refresh_from_db()
    _enrol(make_child, offering, 3)
    c = login(town_admin)
    r = c.post(reverse("daycare:offering_edit", args=[offering.pk]), _edit(offering, capacity="3"), follow=True)
    assert "候补第1、2位已转为录取并短信通知监护人" in r.content.decode()


def test_failed_capacity_change_promotes_nobody(town_admin, offering, make_child):
    Offering.objects.filter(pk=offering.pk).update(capacity=2)
    offering.refresh_from_db()
    _enrol(make_child, offering, 3)
    with pytest.raises(ServiceError):
        services_running.update_offering(town_admin, offering, capacity=1, fee="600.00", opens_at=OPENED)
    assert Enrolment.objects.filter(status=Enrolment.WAITLISTED).count() == 1
    assert not AuditLog.objects.filter(action="daycare.promote").exists()


@pytest.mark.django_db(transaction=True)
def test_capacity_cut_waits_for_an_enrolment_in_flight_and_counts_its_place(town_admin, offering, make_child):
    """An enrolment has claimed a place but not committed; a cut to the places confirmed before
    it must wait for it and then be refused, not overbook (nor fail on the CHECK constraint)."""
    Offering.objects.filter(pk=offering.pk).update(capacity=2)
    first, second = make_child(), make_child()
    staff_enrol(Offering.objects.get(pk=offering.pk), first,
                         first.person.guardian_links.get().guardian)
    offering = Offering.objects.select_related("term").get(pk=offering.pk)  # taken 1 of 2
    claimed, commit, outcome = threading.Event(), threading.Event(), {}

    def enrol():
        try:
            with transaction.atomic():
                staff_enrol(offering, second, second.person.guardian_links.get().guardian)
                claimed.set()
                commit.wait(10)
        finally:
            connection.close()

    def cut():
        try:
            services_running.update_offering(town_admin, offering, capacity=1, fee="600.00", opens_at=OPENED)
            outcome["result"] = "updated"
        except Exception as exc:  # asserted on below
            outcome["result"] = exc
        finally:
            connection.close()

    enroller = threading.Thread(target=enrol)
    enroller.start()
    assert claimed.wait(10)
    cutter = threading.Thread(target=cut)
    cutter.start()
    time.sleep(0.3)  # the cut is now waiting on the enrolment's row lock
    commit.set()
    enroller.join(15)
    cutter.join(15)
    assert isinstance(outcome["result"], ServiceError) and outcome["result"].field == "capacity"
    assert Offering.objects.values_list("capacity", "taken").get(pk=offering.pk) == (2, 2)
