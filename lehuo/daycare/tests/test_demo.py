"""The demo loads the 2021 programme and is idempotent."""

import io

import pytest

from lehuo.daycare import demo
from lehuo.daycare.models import Enrolment, Lesson
from lehuo.people.demo import load_core
from lehuo.platform import figures


@pytest.mark.django_db
def test_demo_loads_2021_with_waiting_list_and_is_idempotent():
    out = io.StringIO()
    town = load_core(out, residents=500)
    demo.load(town, out)
    counts = (Enrolment.objects.count(), Lesson.objects.count())
    assert figures.resolve("daycare:2021:sites") == 4
    assert figures.resolve("daycare:2021:offerings") == 8
    assert figures.resolve("daycare:2021:course_categories") == 6
    assert Enrolment.objects.filter(child__person__guardian_links__guardian__account__username="parent",
                                    status=Enrolment.CONFIRMED).exists()
    demo.load(town, out)
    assert (Enrolment.objects.count(), Lesson.objects.count()) == counts
