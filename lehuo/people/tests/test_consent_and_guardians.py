"""Consent (PIPL art. 29, 31): a child under 14 needs a linked guardian's consent."""

import pytest
from django.urls import reverse

from lehuo.people import services
from lehuo.people.models import Consent, GuardianLink
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db


def test_child_consent_without_guardian_is_refused(make_person, town_admin):
    child = make_person(age=9)
    with pytest.raises(ServiceError) as exc:
        services.record_consent(town_admin, child, "暑托班报名")
    assert exc.value.field == "guardian_id"
    assert not Consent.objects.exists()


def test_child_consent_by_an_unlinked_adult_is_refused(make_person, town_admin):
    child, stranger = make_person(age=9), make_person(age=40)
    with pytest.raises(ServiceError, match="监护人"):
        services.record_consent(town_admin, child, "暑托班报名", guardian=stranger)


def test_child_consent_by_linked_guardian_is_recorded_and_logged(make_person, town_admin):
    child, mother = make_person(age=9), make_person(age=38, sex="F")
    services.link_guardian(town_admin, child, mother, "mother")
    consent = services.record_consent(town_admin, child, "暑托班报名", guardian=mother)
    assert consent.given_by == Consent.GUARDIAN
    assert services.has_consent(child, "暑托班报名")
    assert AuditLog.objects.filter(action="consent.give", object_id=str(child.pk)).exists()


def test_adult_gives_own_consent(make_person, town_admin):
    adult = make_person(age=30)
    assert services.record_consent(town_admin, adult, "献血登记").given_by == Consent.SELF


def test_withdrawn_consent_no_longer_counts(make_person, town_admin, login):
    adult = make_person(age=30)
    consent = services.record_consent(town_admin, adult, "献血登记")
    r = login(town_admin).post(reverse("people:consent_withdraw", args=[adult.pk, consent.pk]))
    assert r.status_code == 302
    assert not services.has_consent(adult, "献血登记")


def test_consent_page_shows_guardian_error_on_the_guardian_field(make_person, town_admin, login):
    child = make_person(age=9)
    r = login(town_admin).post(reverse("people:consent_add", args=[child.pk]), {"purpose": "暑托班报名"})
    assert r.status_code == 400
    assert "不满14周岁" in str(r.context["consent_form"].errors["guardian"])


def test_guardian_is_linked_by_id_number_on_the_page(make_person, town_admin, login):
    child, father = make_person(age=9), make_person(age=40)
    r = login(town_admin).post(reverse("people:guardian_add", args=[child.pk]),
                               {"guardian_id_number": father.id_number, "relation": "father"})
    assert r.status_code == 302
    assert GuardianLink.objects.filter(child=child, guardian=father, relation="father").exists()


def test_guardian_outside_scope_is_not_found(make_person, sw_lv11, login, lv11, hj9):
    child, other = make_person(lv11, age=9), make_person(hj9, age=40)
    r = login(sw_lv11).post(reverse("people:guardian_add", args=[child.pk]),
                            {"guardian_id_number": other.id_number, "relation": "father"})
    assert r.status_code == 400
    assert not GuardianLink.objects.exists()


def test_minor_cannot_be_a_guardian(make_person, town_admin):
    child, teen = make_person(age=9), make_person(age=16)
    with pytest.raises(ServiceError, match="18"):
        services.link_guardian(town_admin, child, teen)
