"""Kept drive and town figures (lehuo/donations/aggregates.py) equal the figures recomputed from
the gifts after seeded random walks of gifts, imports, voids and tag changes, and under
concurrent writers (PostgreSQL); ``verify_figures`` reports a difference when there is one."""

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from lehuo.donations import aggregates, services, stats
from lehuo.donations.aggregates import Figure
from lehuo.donations.models import Donation
from lehuo.people.models import Organisation, Person, Tag

pytestmark = pytest.mark.django_db

METHODS = {"offline": ["cash", "bank", "wechat", "other"], "online": ["wechat", "alipay", "bank", "other"]}


def a_gift(rng, drive, people, orgs, nbhs) -> dict:
    channel = rng.choice(["offline", "online"])
    donor = rng.random()
    gift = {"amount": f"{rng.randrange(1, 50000) / 100:.2f}", "channel": channel, "method": rng.choice(METHODS[channel]),
            "received_on": dt.date(2021, 7, 21) + dt.timedelta(days=rng.randrange(0, 20)),
            "neighbourhood": rng.choice(nbhs)}
    if donor < 0.6:
        gift["person"] = rng.choice(people)
    elif donor < 0.75:
        gift["organisation"] = rng.choice(orgs)
    elif donor < 0.9:
        gift["donor_name"] = f"外来{rng.randrange(100)}"
    else:
        gift["anonymous"] = True
    return gift


def walk(seed, steps, *, drives, actor, people, orgs, nbhs, tags, check_every=25) -> dict:
    rng = random.Random(seed)
    done = {"gift": 0, "bulk": 0, "void": 0, "tag": 0}
    for step in range(1, steps + 1):
        roll = rng.random()
        drive = rng.choice(drives)
        if roll < 0.45:
            services.record_donation(actor, drive, **a_gift(rng, drive, people, orgs, nbhs))
            done["gift"] += 1
        elif roll < 0.55:
            with transaction.atomic():
                services.record_donations_in_bulk(actor, drive, [a_gift(rng, drive, people, orgs, nbhs)
                                                                 for _ in range(rng.randrange(1, 8))], batch_size=3)
            done["bulk"] += 1
        elif roll < 0.7:
            valid = list(Donation.objects.filter(voided_at__isnull=True).values_list("pk", flat=True))
            if valid:
                services.void_donation(actor, Donation.objects.get(pk=rng.choice(valid)), "录入错误")
                done["void"] += 1
        else:
            person, tag = rng.choice(people), rng.choice(tags)
            how = rng.random()
            with transaction.atomic():
                if how < 0.3:
                    person.tags.add(tag)
                elif how < 0.55:
                    person.tags.remove(tag)
                elif how < 0.7:
                    person.tags.set(rng.sample(tags, rng.randrange(0, len(tags) + 1)))
                elif how < 0.8:
                    person.tags.clear()
                elif how < 0.9:
                    tag.people.add(*rng.sample(people, 3))
                else:
                    tag.people.remove(*rng.sample(people, 3))
            done["tag"] += 1
        if step % check_every == 0:
            assert aggregates.verify() == [], f"after step {step} of seed {seed}"
    return done


@pytest.fixture
def world(town, lv11, hj9, tsxc, town_admin, make_person, drive):
    charity = drive.organiser
    second = services.create_drive(town_admin, town, slug="second-drive", title="第二次募捐", organiser=charity,
                                   starts_on=dt.date(2021, 7, 1), ends_on=dt.date(2021, 12, 31))
    tags = [Tag.objects.get_or_create(town=town, name=n)[0] for n in ("党员", "学生", "居民", "残疾人", "志愿者")]
    people = [make_person(nbh, tags=["居民"]) for nbh in (lv11, hj9, tsxc) for _ in range(4)]
    orgs = [charity] + [Organisation.objects.create(town=town, name=f"单位{i}", kind="employer") for i in range(2)]
    return {"drives": [drive, second], "actor": town_admin, "people": people, "orgs": orgs,
            "nbhs": [lv11, hj9, tsxc, None], "tags": tags}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_walk_keeps_figures_equal_to_recomputed(world, seed):
    done = walk(seed, 150, **world)
    assert all(done.values()), done  # every kind of step happened
    assert aggregates.verify() == []
    drive = world["drives"][0]
    assert stats.drive_stats(drive) == stats.compute_drive_stats(drive)
    assert stats.drive_stats(drive)["donations"] > 0


def test_verify_figures_reports_a_difference_and_rebuild_repairs_it(world, capsys):
    walk(9, 40, **world)
    call_command("verify_figures")
    assert "donations: OK" in capsys.readouterr().out
    drive = world["drives"][0]
    Figure.objects.filter(scope=f"d{drive.pk}", dim="all").update(cents=1)  # a drifted figure
    Figure.objects.filter(scope=f"d{drive.pk}", dim="tag").update(people=99)
    with pytest.raises(CommandError):
        call_command("verify_figures")
    out = capsys.readouterr().out
    assert f"DIFFERENCE donations: donation drive {drive.slug}.total" in out
    assert ".by_tag." in out
    call_command("verify_figures", "--rebuild")
    assert "donations: OK" in capsys.readouterr().out


def test_a_gift_that_skips_the_hook_is_caught(world, monkeypatch):
    """The check detects the failure it is there for: a write path that forgets the figures."""
    monkeypatch.setattr(aggregates, "donations_recorded", lambda donations: None)
    walk(4, 10, **{**world, "check_every": 10**6})
    assert any(".donations:" in d for d in aggregates.verify())


def test_tag_change_moves_a_donors_money_between_tag_rows(world):
    drive, actor, person = world["drives"][0], world["actor"], world["people"][0]
    party = Tag.objects.get(name="党员", town=person.town)
    services.record_donation(actor, drive, person=person, amount="100.00", channel="offline",
                             received_on=dt.date(2021, 7, 25))
    services.record_donation(actor, drive, person=person, amount="50.50", channel="offline",
                             received_on=dt.date(2021, 7, 26))
    assert stats.drive_stats(drive)["by_tag"]["党员"]["people"] == 0
    person.tags.add(party)
    s = stats.drive_stats(drive)["by_tag"]["党员"]
    assert (s["people"], str(s["total"])) == (1, "150.50")
    person.tags.remove(party)
    assert stats.drive_stats(drive)["by_tag"]["党员"]["people"] == 0
    assert aggregates.verify() == []


@pytest.mark.postgres
@pytest.mark.verify_figures
@pytest.mark.django_db(transaction=True)
def test_concurrent_gifts_voids_and_tag_changes_keep_figures_exact(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    people = world["people"][:4]  # few people: gifts and tag changes of the same persons collide
    barrier = threading.Barrier(6)

    def worker(seed):
        try:
            rng = random.Random(seed)
            barrier.wait()
            for _ in range(25):
                drive = rng.choice(world["drives"])
                if seed % 3 == 0:  # tag changer
                    person, tag = Person.objects.get(pk=rng.choice(people).pk), rng.choice(world["tags"])
                    with transaction.atomic():
                        (person.tags.add if rng.random() < 0.5 else person.tags.remove)(tag)
                elif seed % 3 == 1 and rng.random() < 0.3:
                    valid = list(Donation.objects.filter(voided_at__isnull=True).values_list("pk", flat=True))
                    if valid:
                        try:
                            services.void_donation(world["actor"], Donation.objects.get(pk=rng.choice(valid)), "重复")
                        except Exception as exc:  # a void that lost the race to another void
                            assert getattr(exc, "code", "") == "already_void", exc
                else:
                    gift = a_gift(rng, drive, people, world["orgs"], world["nbhs"])
                    services.record_donation(world["actor"], drive, **gift)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(worker, range(6)))
    assert Donation.objects.count() > 40
    assert aggregates.verify() == []
