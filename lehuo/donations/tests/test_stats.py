"""Stats against an independent computation in plain Python, on generated data (hypothesis)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lehuo.donations import services, stats
from lehuo.people.models import Organisation
from lehuo.platform import figures

pytestmark = pytest.mark.django_db

gift = st.fixed_dictionaries({
    "donor": st.integers(min_value=0, max_value=9),  # 0-5 people, 6-7 organisations, 8 outsider, 9 anonymous
    "cents": st.integers(min_value=1, max_value=10_000_000),
    "channel": st.sampled_from(["online", "offline"]),
    "nbh": st.integers(min_value=0, max_value=2),
    "day": st.integers(min_value=0, max_value=5),
    "void": st.booleans(),
})
TAG_SETS = [["党员"], ["党员", "学生"], ["居民"], [], ["残疾人", "党员"], ["学生"]]


class Rollback(Exception):
    pass


def expected(rows, people, orgs):
    valid = [r for r in rows if not r["void"]]
    persons = {r["donor"] for r in valid if r["donor"] < 6}
    by_tag = defaultdict(lambda: {"people": set(), "total": Decimal(0)})
    for r in valid:
        if r["donor"] < 6:
            for tag in TAG_SETS[r["donor"]]:
                by_tag[tag]["people"].add(r["donor"])
                by_tag[tag]["total"] += Decimal(r["cents"]) / 100
    return {
        "people": len(persons),
        "organisations": len({r["donor"] for r in valid if r["donor"] in (6, 7)}),
        "donations": len(valid),
        "total": sum((Decimal(r["cents"]) / 100 for r in valid), Decimal(0)),
        "by_tag": {t: {"people": len(v["people"]), "total": v["total"]} for t, v in by_tag.items()},
        "online": sum((Decimal(r["cents"]) / 100 for r in valid if r["channel"] == "online"), Decimal(0)),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(gift, max_size=25))
def test_stats_match_independent_computation(rows, drive, town, make_person, town_admin, lv11, hj9, tsxc):
    nbhs = [lv11, hj9, tsxc]
    if not hasattr(drive, "cast"):  # fixtures live for the whole test, not per example
        drive.cast = ([make_person(nbhs[i % 3], tags=tags) for i, tags in enumerate(TAG_SETS)],
                      [Organisation.objects.create(town=town, name=f"共建单位{i}", kind="partner") for i in range(2)])
    people, orgs = drive.cast
    try:
        with transaction.atomic():
            for r in rows:
                kw = {}
                if r["donor"] < 6:
                    kw["person"] = people[r["donor"]]
                elif r["donor"] < 8:
                    kw["organisation"] = orgs[r["donor"] - 6]
                elif r["donor"] == 8:
                    kw["donor_name"] = "外来人员"
                else:
                    kw["anonymous"] = True
                d, _ = services.record_donation(
                    town_admin, drive, amount=Decimal(r["cents"]) / 100, channel=r["channel"],
                    method="cash" if r["channel"] == "offline" else "wechat",
                    received_on=dt.date(2021, 7, 21) + dt.timedelta(days=r["day"]), neighbourhood=nbhs[r["nbh"]], **kw)
                if r["void"]:
                    services.void_donation(town_admin, d, "测试作废")
            got = stats.drive_stats(drive)
            want = expected(rows, people, orgs)
            assert got["people"] == want["people"]
            assert got["organisations"] == want["organisations"]
            assert got["donations"] == want["donations"]
            assert got["total"] == want["total"]
            assert got["by_channel"]["online"]["total"] == want["online"]
            for tag, block in want["by_tag"].items():
                assert got["by_tag"][tag] == block
            for tag in set(got["by_tag"]) - set(want["by_tag"]):
                assert got["by_tag"][tag] == {"people": 0, "total": Decimal("0.00")}
            assert sum(b["total"] for b in got["by_neighbourhood"].values()) == want["total"]
            assert sum(b["donations"] for b in got["by_day"].values()) == want["donations"]
            raise Rollback
    except Rollback:
        pass


def test_stats_run_a_fixed_number_of_queries(drive, give, make_person, django_assert_max_num_queries):
    for i in range(30):
        if i % 2:
            give("10.00", person=make_person(tags=["党员"]))
        else:
            give("10.00")
    with django_assert_max_num_queries(8):
        stats.drive_stats(drive)


def test_figure_resolver_digs_into_stats(drive, give, make_person):
    p = make_person(tags=["党员"])
    give("100.00", person=p)
    give("23.45", person=p, channel="online", method="alipay")
    assert figures.resolve("donations:henan-flood-2021:people") == 1
    assert figures.resolve("donations:henan-flood-2021:by_tag.党员.people") == 1
    assert figures.resolve("donations:henan-flood-2021:total") == Decimal("123.45")
    assert figures.resolve("donations:henan-flood-2021:by_channel.online.total") == Decimal("23.45")


@pytest.mark.parametrize("token", ["donations:no-such-drive:people", "donations:henan-flood-2021:nonsense",
                                   "donations:henan-flood-2021:by_tag"])
def test_figure_resolver_refuses_unknown_drive_or_measure(drive, token):
    with pytest.raises(figures.FigureError):
        figures.resolve(token)


def test_dashboard_summary_has_the_contract_keys(drive, give, town, lv11):
    give("100.00", neighbourhood=lv11)
    voided = give("999.00", neighbourhood=lv11)
    services.void_donation(drive.created_by, voided, "录错")
    summary = stats.dashboard_summary(town)
    assert set(summary) == {"title", "url", "figures", "by_neighbourhood", "over_time"}
    assert ("捐款总额（元）", Decimal("100.00")) in summary["figures"]
    assert summary["by_neighbourhood"] == [("绿十一", Decimal("100.00"))]
    assert summary["over_time"] == [("2021-07", Decimal("100.00"))]
