import io
from decimal import Decimal

import pytest

from lehuo.donations import demo
from lehuo.donations.models import Donation
from lehuo.people.demo import load_core
from lehuo.platform import figures

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_drive_gives_the_newsletter_figures_and_loads_once():
    town = load_core(io.StringIO(), residents=1500)
    demo.load(town, io.StringIO())
    assert figures.resolve("donations:henan-flood-2021:people") == 404
    assert figures.resolve("donations:henan-flood-2021:by_tag.党员.people") == 307
    assert figures.resolve("donations:henan-flood-2021:total") == Decimal("56510.00")
    assert figures.resolve("donations:henan-flood-2021:organisations") >= 3
    assert Donation.objects.filter(voided_at__isnull=False).count() == 1
    assert figures.resolve("donations:henan-flood-2021:by_channel.online.total") > 0
    assert figures.resolve("donations:henan-flood-2021:by_channel.offline.total") > 0
    count = Donation.objects.count()
    demo.load(town, io.StringIO())
    assert Donation.objects.count() == count
