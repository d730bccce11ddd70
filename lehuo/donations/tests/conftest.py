import datetime as dt

import pytest

from lehuo.donations import services
from lehuo.people.models import Organisation


@pytest.fixture
def charity(town):
    return Organisation.objects.create(town=town, name="上海市慈善基金会长宁区代表处", kind="charity")


@pytest.fixture
def drive(town, charity, town_admin):
    return services.create_drive(town_admin, town, slug="henan-flood-2021", title="驰援河南防汛救灾专项行动",
                                 organiser=charity, starts_on=dt.date(2021, 7, 21), ends_on=dt.date(2021, 8, 31))


@pytest.fixture
def give(drive, town_admin):
    """``give(amount, **kw)`` records a donation through the service as the town admin."""

    def factory(amount="100.00", actor=None, **kwargs):
        kwargs.setdefault("channel", "offline")
        kwargs.setdefault("received_on", dt.date(2021, 7, 25))
        if not any(k in kwargs for k in ("person", "organisation", "donor_name", "anonymous")):
            kwargs["donor_name"] = "热心群众"
        donation, _ = services.record_donation(actor or town_admin, kwargs.pop("drive", drive), amount=amount, **kwargs)
        return donation

    return factory
