"""Role x endpoint: who reaches a 虹九 resident, on pages and the API (404 outside scope)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PERSONAS = ["town_admin", "sw_hj9", "sw_lv11", "instructor", "viewer", "editor", "outsider", "parent", None]

# Expected status for each persona; None = anonymous (pages redirect to the login form).
# Roles that may not see the resident in the register get 404 for any page about them (whether
# the record exists is not told); roles that see them but may not do this get 403.
NOT_SEEN = {"sw_lv11": 404, "instructor": 404, "viewer": 404, "editor": 404, "outsider": 404, "parent": 404}
PAGES = {
    "person": {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 302},
    "person_edit": {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 302},
    "person_erase": {"town_admin": 200, "sw_hj9": 403, **NOT_SEEN, None: 302},
    "person_data_json": {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 302},
}
POSTS = {
    "person_reveal": {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 302},
}
API_GET = {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 401}
API_REVEAL = {"town_admin": 200, "sw_hj9": 200, **NOT_SEEN, None: 401}


@pytest.fixture
def resident(make_person, hj9):
    return make_person(hj9, name="虹九居民", phone="13912345678")


def client_for(request, persona):
    if persona is None:
        return Client()
    c = Client()
    c.force_login(request.getfixturevalue(persona))
    return c


def _url(name, person):
    if name == "person_data_json":
        return reverse("people:person_data", args=[person.pk, "json"])
    return reverse(f"people:{name}", args=[person.pk])


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_person_page_access(request, resident, page, persona):
    r = client_for(request, persona).get(_url(page, resident))
    assert r.status_code == PAGES[page][persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_reveal_access(request, resident, persona):
    r = client_for(request, persona).post(_url("person_reveal", resident))
    assert r.status_code == POSTS["person_reveal"][persona]
    if r.status_code == 200:
        assert b"13912345678" in r.content
    else:
        assert b"13912345678" not in r.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_people_list_shows_resident_only_in_scope(request, resident, persona):
    r = client_for(request, persona).get(reverse("people:people"))
    if persona in ("town_admin", "sw_hj9"):
        assert r.status_code == 200 and "虹九居民" in r.content.decode()
    elif persona == "sw_lv11":
        assert r.status_code == 200 and "虹九居民" not in r.content.decode()
    else:  # programme staff reach people through their programmes, not the register
        assert r.status_code == (302 if persona is None else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_people_export_contains_resident_only_in_scope(request, resident, persona):
    r = client_for(request, persona).get(reverse("people:people_export"))
    if persona in ("town_admin", "sw_hj9", "sw_lv11"):
        from lehuo.platform.excel import read_rows

        names = [row[0] for row in read_rows(r.content)][1:]
        assert ("虹九居民" in names) == (persona in ("town_admin", "sw_hj9"))
    else:
        assert r.status_code == (302 if persona is None else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_person_access(api, request, resident, persona):
    user = request.getfixturevalue(persona) if persona else None
    client = api(user)
    assert client.get(f"/api/v1/people/{resident.pk}").status_code == API_GET[persona]
    assert client.post(f"/api/v1/people/{resident.pk}/reveal").status_code == API_REVEAL[persona]
    patched = client.patch(f"/api/v1/people/{resident.pk}", {"name": "改名"})
    assert patched.status_code == (200 if persona in ("town_admin", "sw_hj9") else API_GET[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_people_list_gives_nothing_outside_scope(api, request, resident, persona):
    user = request.getfixturevalue(persona) if persona else None
    r = api(user).get("/api/v1/people")
    if persona in ("town_admin", "sw_hj9"):
        assert [p["id"] for p in r.json()["items"]] == [resident.pk]
    elif r.status_code == 200:
        assert r.json()["items"] == []
    else:
        assert r.status_code in (401, 403)


@pytest.mark.parametrize("persona,status", [("town_admin", 200), ("sw_lv11", 403), ("viewer", 403), (None, 302)])
def test_audit_page_is_for_town_admins(request, persona, status):
    r = client_for(request, persona).get(reverse("web:audit"))
    assert r.status_code == status


@pytest.mark.parametrize("persona,status", [("town_admin", 200), ("sw_lv11", 200), ("instructor", 403),
                                            ("viewer", 403), ("outsider", 403), (None, 302)])
def test_import_page_is_for_people_writers(request, persona, status):
    r = client_for(request, persona).get(reverse("people:people_import"))
    assert r.status_code == status


def test_social_worker_cannot_create_person_in_other_neighbourhood(login, sw_lv11, hj9):
    r = login(sw_lv11).post(reverse("people:person_create"), {"name": "越界", "neighbourhood": hj9.pk})
    assert r.status_code == 200
    assert "neighbourhood" in r.context["form"].errors
