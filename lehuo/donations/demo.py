"""Demo data: the 2021 Henan flood relief drive (驰援河南防汛救灾专项行动).

Its records give exactly what the newsletter says: 404 people (307 of them Party members),
56,510.00 yuan, online and offline, from several neighbourhoods, plus a few partner
organisations (counted separately). Some people give twice; one donation is voided and
drops out of every figure. Deterministic (seeded) and idempotent (references are fixed,
so a second run records nothing new).
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from lehuo.people.models import Organisation, Person

from . import services
from .models import Donation, Drive, Handover

SLUG = "henan-flood-2021"
TITLE = "驰援河南防汛救灾专项行动"
ORGANISER = "上海市慈善基金会长宁区代表处"
TOTAL = Decimal("56510.00")
PEOPLE, PARTY_MEMBERS, TWICE = 404, 307, 25
PARTNERS = [("长宁区新泾镇社区党群服务中心", "2000.00"), ("新泾镇社区卫生服务中心", "1500.00"),
            ("天山路街道联建党支部", "1000.00"), ("新泾镇业主委员会联合会", "800.00")]
AMOUNTS = [20, 50, 50, 66, 88, 100, 100, 100, 100, 100, 168, 200, 200, 200, 500]
START, END = dt.date(2021, 7, 21), dt.date(2021, 8, 31)
ADULT_BORN_BEFORE = dt.date(2003, 7, 21)


def _amounts(rng: random.Random, n: int, target: Decimal) -> list[Decimal]:
    """``n`` plausible gifts summing to exactly ``target``."""
    amounts = [Decimal(rng.choice(AMOUNTS)) for _ in range(n)]
    for i in rng.sample(range(n), 12):
        amounts[i] = Decimal(rng.choice(["66.66", "88.88", "52.00", "128.80"]))
    diff = target - sum(amounts)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and amounts[i] < 1000:
            step = min(diff, Decimal(100))
        elif diff < 0 and amounts[i] > 20:
            step = -min(-diff, amounts[i] - 20)
        else:
            continue
        amounts[i] += step
        diff -= step
    return amounts


def load(town, stdout) -> None:
    drive = Drive.objects.filter(slug=SLUG).first()
    if drive is not None and Donation.objects.filter(drive=drive).exists():
        stdout.write(f"donations: {drive.title} already loaded")
        return
    with transaction.atomic():
        _load(town, stdout)


def _load(town, stdout) -> None:
    rng = random.Random(20210721)
    admin = get_user_model().objects.get(username="admin")
    organiser = Organisation.objects.get(town=town, name=ORGANISER)
    drive = Drive.objects.filter(slug=SLUG).first() or services.create_drive(
        admin, town, slug=SLUG, title=TITLE, organiser=organiser, starts_on=START, ends_on=END,
        purpose="支援河南省防汛救灾和灾后重建。线上通过民政部指定的互联网募捐信息平台，线下由各居民区登记现金捐款。",
        platform="腾讯公益", target=Decimal("50000.00"), disclosure_public=True,
    )
    adults = Person.objects.filter(town=town, birth_date__lt=ADULT_BORN_BEFORE, neighbourhood__isnull=False)
    members = list(adults.filter(tags__name="党员").order_by("pk"))
    others = list(adults.exclude(tags__name="党员").order_by("pk"))
    donors = rng.sample(members, PARTY_MEMBERS) + rng.sample(others, PEOPLE - PARTY_MEMBERS + 1)
    voided_donor = donors.pop()  # gives once, by mistake recorded twice: the entry is voided
    rng.shuffle(donors)
    gifts = [(p, 0) for p in donors] + [(p, 1) for p in rng.sample(donors, TWICE)]
    partners = [Organisation.objects.get(town=town, name=name) for name, _ in PARTNERS]
    partner_total = sum(Decimal(a) for _, a in PARTNERS)
    amounts = _amounts(rng, len(gifts), TOTAL - partner_total)

    for n, ((person, _nth), amount) in enumerate(zip(gifts, amounts, strict=True), start=1):
        online = rng.random() < 0.58
        day = START + dt.timedelta(days=rng.randrange(0, 11 if online else 17))
        services.record_donation(
            admin, drive, person=person, amount=amount, received_on=day,
            channel="online" if online else "offline",
            method=rng.choice(["wechat", "wechat", "alipay"]) if online else rng.choice(["cash", "cash", "bank"]),
            reference=f"{'WX' if online else 'XJ'}{day:%Y%m%d}{n:05d}", neighbourhood=person.neighbourhood,
            named_consent=rng.random() < 0.3, source="demo",
        )
    for i, (org, (_, amount)) in enumerate(zip(partners, PARTNERS, strict=True), start=1):
        services.record_donation(admin, drive, organisation=org, amount=amount, channel="offline", method="bank",
                                 received_on=START + dt.timedelta(days=2 + i), reference=f"ORG-{i:03d}",
                                 named_consent=True, source="demo")
    mistake, _ = services.record_donation(
        admin, drive, person=voided_donor, amount=Decimal("200.00"), channel="offline", method="cash",
        received_on=dt.date(2021, 7, 26), reference="XJ-DUP-0001", neighbourhood=voided_donor.neighbourhood,
        source="demo")
    if mistake.voided_at is None:
        services.void_donation(admin, mistake, "重复登记：该笔捐款已由线上渠道入账")
    _handovers(admin, drive)
    stdout.write(f"donations: {drive.title}, {len(gifts) + len(partners) + 1} donations")


def _handovers(admin, drive: Drive) -> None:
    """Online money is handed over in one go; one neighbourhood's cash is still pending."""
    if Handover.objects.filter(drive=drive).exists():
        return
    from .stats import drive_stats

    s = drive_stats(drive)
    services.record_handover(admin, drive, channel="online", amount=s["by_channel"]["online"]["total"],
                             handed_on=dt.date(2021, 8, 10), voucher_number="HJ-2021-0810-01",
                             receipt_number="沪慈捐（2021）第0810号")
    offline = s["by_channel"]["offline"]["total"]
    # The neighbourhood with the smallest cash total has not handed it over yet.
    pending = (Donation.objects.filter(drive=drive, voided_at__isnull=True, channel="offline")
               .exclude(neighbourhood=None).values("neighbourhood").annotate(t=Sum("amount"))
               .order_by("t").values_list("t", flat=True).first()) or Decimal(0)
    services.record_handover(admin, drive, channel="offline", amount=offline - pending,
                             handed_on=dt.date(2021, 8, 12), voucher_number="HJ-2021-0812-01",
                             notes="各居民区现金汇缴（尚有一个居民区未交）")
