"""Form labels carry no colon: Django's ``label_tag`` appends its ``label_suffix``, which its
own Chinese catalogue leaves as the ASCII ":" ("类型:" beside every other page's plain labels).
Templates write ``<label for="{{ f.id_for_label }}">{{ f.label }}</label>`` instead."""

import pytest
from django.conf import settings
from django.urls import reverse

LEHUO = settings.BASE_DIR / "lehuo"


def test_no_template_uses_label_tag():
    found = [f"{path.relative_to(LEHUO)}:{n}" for path in sorted(LEHUO.rglob("templates/**/*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if "label_tag" in line]
    assert not found, found


@pytest.mark.django_db
def test_a_form_page_shows_plain_labels(login, town_admin):
    body = login(town_admin).get(reverse("visits:new")).content.decode()
    assert "<label for=" in body and ":</label>" not in body
