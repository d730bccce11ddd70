"""One set of rules for a person's record, every refusal at once, the same messages wherever a
person is registered: the API, the pages, the Excel import and the modules."""

import datetime as dt

import pytest

from lehuo.blood import services as blood_services
from lehuo.people import importers, services
from lehuo.people.models import Person
from lehuo.platform.errors import ServiceError

from .helpers import id_number, xlsx

pytestmark = pytest.mark.django_db

BAD = {
    "name": "",
    "id_number": "310105198005176351",  # wrong check character
    "phone": "12345",
    "address": "路" * 201,
    "tags": ["没有这个标签"],
}


def fields_of(exc: ServiceError) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.errors}


def test_every_bad_field_is_reported_at_once(town, lv11, town_admin):
    with pytest.raises(ServiceError) as caught:
        services.create_person(town_admin, town, neighbourhood=lv11, **BAD)
    found = fields_of(caught.value)
    assert set(found) == {"name", "id_number", "phone", "address", "tags"}
    assert "校验位" in found["id_number"] and "没有这个标签" in found["tags"]
    assert not Person.objects.exists()


def test_api_answers_every_field_error_in_one_response(api, town, lv11, town_admin):
    body = {**BAD, "address": "路" * 200, "neighbourhood_id": lv11.pk, "name": " "}  # lengths are the schema's (422)
    r = api(town_admin).post("/api/v1/people", body)
    assert r.status_code == 400
    assert {d["loc"][0] for d in r.json()["detail"]} == {"name", "id_number", "phone", "tags"}
    assert not Person.objects.exists()


@pytest.mark.parametrize("birth_date", ["", "not-a-date"])
def test_page_shows_every_field_error_next_to_its_field(login, town, lv11, town_admin, birth_date):
    r = login(town_admin).post("/people/new/", {"name": "", "id_number": BAD["id_number"], "phone": "12345",
                                                "neighbourhood": lv11.pk, "birth_date": birth_date})
    assert r.status_code == 200
    form = r.context["form"]
    expected = {"name", "id_number", "phone"} | ({"birth_date"} if birth_date else set())
    assert set(form.errors) == expected
    assert not Person.objects.exists()


def test_import_row_gets_the_same_messages_as_the_api(town, lv11, town_admin):
    try:
        services.create_person(town_admin, town, name="王五", neighbourhood=lv11, id_number=BAD["id_number"],
                               phone="12345")
    except ServiceError as exc:
        api_messages = fields_of(exc)
    table = importers.read_people_table(xlsx([["王五", BAD["id_number"], "12345", "绿十一", ""]]))
    result = importers.check_people(town_admin, town, table)
    row_messages = {e.field: e.message for e in result.errors}
    assert row_messages == api_messages


@pytest.mark.parametrize("values, field", [
    ({"sex": "F"}, "sex"),  # the ID number says male
    ({"birth_date": dt.date(1981, 5, 17)}, "birth_date"),  # the ID number says 1980-05-17
])
def test_sex_and_birth_date_must_agree_with_the_id_number(town, lv11, town_admin, values, field):
    with pytest.raises(ServiceError) as caught:
        services.create_person(town_admin, town, name="赵六", neighbourhood=lv11,
                               id_number=id_number(1980, 5, 17, "M"), **values)
    assert field in fields_of(caught.value)


def test_update_of_the_phone_keeps_what_the_id_number_states(town, lv11, town_admin):
    p = services.create_person(town_admin, town, name="孙七", neighbourhood=lv11, id_number=id_number(1980, 5, 17, "M"))
    services.update_person(town_admin, p, phone="13912345678")
    p.refresh_from_db()
    assert (p.sex, p.birth_date, p.phone_tail) == ("M", dt.date(1980, 5, 17), "5678")
    with pytest.raises(ServiceError) as caught:
        services.update_person(town_admin, p, sex="F")
    assert "sex" in fields_of(caught.value)


def test_duplicate_id_number_is_refused_with_the_other_errors(town, lv11, town_admin):
    number = id_number(1975, 3, 2, "F")
    services.create_person(town_admin, town, name="周八", neighbourhood=lv11, id_number=number)
    with pytest.raises(ServiceError) as caught:
        services.create_person(town_admin, town, name="", neighbourhood=lv11, id_number=number)
    assert set(fields_of(caught.value)) == {"name", "id_number"}
    assert Person.objects.count() == 1


def test_social_worker_registers_only_in_own_neighbourhood(town, hj9, sw_lv11):
    with pytest.raises(ServiceError) as caught:
        services.create_person(sw_lv11, town, name="吴九", neighbourhood=hj9, phone="12")
    assert set(fields_of(caught.value)) == {"neighbourhood_id", "phone"}


def test_walk_in_donor_needs_an_id_number_and_gets_every_error(town, town_admin, blood_staff):
    drive = blood_services.create_drive(town_admin, town, slug="d", title="献血", date=dt.date.today(), venue="中心")
    blood_services.assign_staff(town_admin, drive, blood_staff)
    with pytest.raises(ServiceError) as caught:
        blood_services.register_donor(blood_staff, drive, id_number="", name="", phone="123")
    assert set(fields_of(caught.value)) == {"id_number", "name", "phone"}
    donor = blood_services.register_donor(blood_staff, drive, id_number=id_number(1990, 1, 2, "F"), name="郑十")
    assert (donor.sex, donor.birth_date, donor.neighbourhood) == ("F", dt.date(1990, 1, 2), None)


def test_unknown_field_is_a_programming_error(town, town_admin):
    with pytest.raises(TypeError):
        services.create_person(town_admin, town, name="x", nickname="y")
