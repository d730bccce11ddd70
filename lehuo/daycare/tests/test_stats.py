"""Figures for the newsletter and the town dashboard: aggregates only."""

import pytest

from lehuo.daycare import services_running
from lehuo.daycare.stats import dashboard_summary
from lehuo.platform import figures

from .conftest import staff_actor, staff_enrol  # noqa: I001,F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(make_child, offering, town_admin):
    offering.capacity = 2
    offering.save()
    rows = []
    for _ in range(3):
        child = make_child()
        rows.append(staff_enrol(offering, child, child.person.guardian_links.get().guardian))
    year = offering.site.year
    services_running.create_course(town_admin, year, name="爱国教育", category="de")
    services_running.create_course(town_admin, year, name="理财课程", category="zhi")
    services_running.create_course(town_admin, year, name="安全教育", category="de")
    services_running.record_arrival(town_admin, rows[0], date=offering.term.starts_on, temperature="36.5")
    services_running.record_arrival(town_admin, rows[1], date=offering.term.starts_on, present=False)
    return rows


def test_figures_resolve_year_measures(filled):
    assert figures.resolve("daycare:2021:sites") == 1
    assert figures.resolve("daycare:2021:places") == 2
    assert figures.resolve("daycare:2021:enrolled") == 2
    assert figures.resolve("daycare:2021:waitlisted") == 1
    assert str(figures.resolve("daycare:2021:fill_rate")) == "1.000"
    assert figures.resolve("daycare:2021:courses") == 3
    assert figures.resolve("daycare:2021:course_categories") == 2
    assert str(figures.resolve("daycare:2021:attendance_rate")) == "0.500"


def test_unknown_year_or_measure_raises_figure_error(filled):
    with pytest.raises(figures.FigureError):
        figures.resolve("daycare:1999:sites")
    with pytest.raises(figures.FigureError):
        figures.resolve("daycare:2021:names")


def test_dashboard_summary_shape(filled, town):
    data = dashboard_summary(town)
    assert set(data) == {"title", "url", "figures", "by_neighbourhood", "over_time"}
    assert ("候补", 1) in data["figures"]
    assert data["by_neighbourhood"] == [("绿十一", 2)]
    assert data["over_time"] == [("第1期", 2)]


def test_personal_data_lists_child_enrolments(filled, town_admin):
    from django.apps import apps

    person = filled[0].child.person
    rows = apps.get_app_config("daycare").contribution("personal_data")(person, town_admin)
    assert rows[0]["status"] == "已录取" and rows[0]["attendance"][0]["present"] is True


@pytest.mark.parametrize("first", ["offering", "other_offering"])
def test_dashboard_neighbourhoods_with_equal_counts_come_in_name_order(request, make_child, town, first):
    """Ties keep one order (by name) whatever order the rows were written in: the restore drill
    compares the dashboard of a restored copy with the live one, and found the tie order differ."""
    second = "other_offering" if first == "offering" else "offering"
    for name in (first, second):
        off = request.getfixturevalue(name)
        child = make_child()
        staff_enrol(off, child, child.person.guardian_links.get().guardian)
    names = [name for name, _n in dashboard_summary(town)["by_neighbourhood"]]
    assert names == sorted(["绿十一", "虹九"])
