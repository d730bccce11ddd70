import pytest

from lehuo.people.models import Person
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def test_create_person_derives_birth_and_sex(api, town_admin, lv11):
    r = api(town_admin).post("/api/v1/people", {"name": "张龙云", "id_number": VALID_ID, "phone": "13812345678",
                                                "neighbourhood_id": lv11.pk, "tags": ["党员"]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["birth_date"] == "1949-12-31"
    assert body["sex"] == "F"
    assert body["id_number_masked"] == "110105********002X"
    assert body["phone_masked"] == "138****5678"
    assert body["tags"] == ["党员"]
    person = Person.objects.get(pk=body["id"])
    assert person.name_initials == "zly"
    assert AuditLog.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_bad_id_number_names_the_field(api, town_admin, lv11):
    r = api(town_admin).post("/api/v1/people", {"name": "李四", "id_number": "110105194912310021",
                                                "neighbourhood_id": lv11.pk})
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["id_number"]
    assert not Person.objects.exists()


def test_social_worker_gets_404_for_other_neighbourhood(api, make_person, sw_lv11, hj9, lv11):
    mine = make_person(lv11)
    theirs = make_person(hj9)
    client = api(sw_lv11)
    assert client.get(f"/api/v1/people/{mine.pk}").status_code == 200
    assert client.get(f"/api/v1/people/{theirs.pk}").status_code == 404
    ids = [p["id"] for p in client.get("/api/v1/people").json()["items"]]
    assert ids == [mine.pk]
