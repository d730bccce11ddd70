"""Shared fixtures: the town, its neighbourhoods, and the named personas (docs/architecture.md, "Tests").

Personas: ``town_admin``, ``sw_lv11`` (social worker of 绿十一), ``sw_hj9`` (虹九),
``instructor``, ``site_head``, ``blood_staff`` (programme staff), ``editor``, ``viewer``,
``parent`` (a resident with a Person record), ``outsider`` (logged in, no role).
"""

import datetime as dt
import itertools
import json
import os
import random
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lehuo.accounts.models import (
    EDITOR,
    PROGRAMME_STAFF,
    SOCIAL_WORKER,
    TOWN_ADMIN,
    VIEWER,
    Membership,
    Neighbourhood,
    Town,
)
from lehuo.accounts.tokens import create_token
from lehuo.people import services
from lehuo.people.demo import make_id_number, make_name
from lehuo.people.models import Tag


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (the dashboard's figures are cached by town id,
    and ids are reused on SQLite after a rollback)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _figures_verified_after_concurrency_tests(request):
    """After every concurrency test (``test_concurrency*.py``) and every test marked
    ``verify_figures``: ``python -m lehuo verify_figures`` finds the kept figures equal to the
    figures recomputed from the records (the fault scripts of bench/ run it in their own
    databases)."""
    wanted = request.node.get_closest_marker("verify_figures") or "test_concurrency" in request.node.path.name
    if not wanted or not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # torn down after this fixture: the data is still there
    yield
    from django.core.management import call_command

    call_command("verify_figures", stdout=open(os.devnull, "w"))  # noqa: SIM115 - raises CommandError on a difference


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """On SQLite the test database is a file (RAM-backed where /dev/shm exists), not
    pytest-django's shared in-memory one: the concurrency tests run real threads, which an
    in-memory database answers with "table is locked" instead of waiting."""
    import os
    import tempfile

    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
        path = os.path.join(folder, f"lehuo-test-{os.getpid()}.sqlite3")
        db.setdefault("TEST", {})["NAME"] = path
        # Django drops the database file; WAL mode leaves its two side files behind.
        request.addfinalizer(lambda: [os.remove(path + s) for s in ("-wal", "-shm") if os.path.exists(path + s)])


TAG_NAMES = ["党员", "学生", "居民", "残疾人", "社工", "志愿者", "五老"]


@pytest.fixture
def town(db):
    town = Town.objects.create(code="310105013", name="新泾镇")
    for i, name in enumerate(TAG_NAMES):
        Tag.objects.create(town=town, name=name, order=i)
    return town


@pytest.fixture
def lv11(town):
    return Neighbourhood.objects.create(town=town, code="lv11", name="绿十一")


@pytest.fixture
def hj9(town):
    return Neighbourhood.objects.create(town=town, code="hj9", name="虹九")


@pytest.fixture
def tsxc(town):
    return Neighbourhood.objects.create(town=town, code="tsxc", name="天山星城")


def _user(username, town, role=None, neighbourhoods=()):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role:
        m = Membership.objects.create(user=user, town=town, role=role)
        if neighbourhoods:
            m.neighbourhoods.set(neighbourhoods)
    return user


@pytest.fixture
def town_admin(town):
    return _user("admin", town, TOWN_ADMIN)


@pytest.fixture
def sw_lv11(town, lv11):
    return _user("sw_lv11", town, SOCIAL_WORKER, [lv11])


@pytest.fixture
def sw_hj9(town, hj9):
    return _user("sw_hj9", town, SOCIAL_WORKER, [hj9])


@pytest.fixture
def instructor(town):
    return _user("instructor", town, PROGRAMME_STAFF)


@pytest.fixture
def site_head(town):
    return _user("site_head", town, PROGRAMME_STAFF)


@pytest.fixture
def blood_staff(town):
    return _user("blood_staff", town, PROGRAMME_STAFF)


@pytest.fixture
def editor(town):
    return _user("editor", town, EDITOR)


@pytest.fixture
def viewer(town):
    return _user("viewer", town, VIEWER)


@pytest.fixture
def outsider(town):
    return _user("outsider", town)


@pytest.fixture
def parent(town, lv11, town_admin):
    user = _user("parent", town)
    person = make_person_in(town, lv11, town_admin, age=35, sex="F", name="王丽华")
    person.account = user
    person.save(update_fields=["account"])
    return user


_counter = itertools.count(1)


def make_person_in(town, neighbourhood, actor, *, age: int = 40, sex: str = "M", name: str | None = None,
                   tags=(), on: dt.date | None = None, phone: str | None = None, **extra):
    """A valid person (ID number derived from age and sex), created through the service."""
    on = on or dt.date.today()
    n = next(_counter)
    rng = random.Random(n)
    birth = dt.date(on.year - age, 1, 1) + dt.timedelta(days=n % 300)
    if birth > on.replace(year=on.year - age):
        birth = birth.replace(year=birth.year - 1)
    return services.create_person(
        actor, town, name=name or make_name(rng), neighbourhood=neighbourhood,
        id_number=make_id_number(rng, birth, sex),
        phone=phone if phone is not None else f"139{n:08d}", tags=tags, **extra,
    )


@pytest.fixture
def make_person(town, lv11, town_admin):
    def factory(neighbourhood=None, **kwargs):
        return make_person_in(town, neighbourhood or lv11, town_admin, **kwargs)

    return factory


class ApiClient:
    """JSON calls with ``Authorization: Bearer``; ``.get/.post/.patch/.put`` return the response."""

    def __init__(self, user):
        self.client = Client()
        self.token = create_token(user) if user is not None else None

    def _headers(self, headers):
        h = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        for key, value in (headers or {}).items():
            h["HTTP_" + key.upper().replace("-", "_")] = value
        return h

    def get(self, path, data=None, headers=None):
        return self.client.get(path, data or {}, **self._headers(headers))

    def _send(self, method, path, body, headers):
        payload = body if isinstance(body, (str, bytes)) else json.dumps(body, default=str)
        return getattr(self.client, method)(path, payload, content_type="application/json", **self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self._send("post", path, body if body is not None else {}, headers)

    def patch(self, path, body=None, headers=None):
        return self._send("patch", path, body or {}, headers)

    def put(self, path, body=None, headers=None):
        return self._send("put", path, body if body is not None else {}, headers)


@pytest.fixture
def api():
    """``api(user)`` gives an ApiClient authenticated as ``user`` (None: anonymous)."""
    return ApiClient


@pytest.fixture
def login():
    """``login(user)`` gives a Django test Client logged in as ``user``."""

    def factory(user):
        c = Client()
        c.force_login(user)
        return c

    return factory


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser): one for the
    run (per test process); each test opens its own pages."""
    import os

    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run `make install` (it installs Debian's chromium) or apt-get install chromium")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


PHONE_VIEWPORT = {"width": 390, "height": 844}
TABLET_VIEWPORT = {"width": 820, "height": 1180}


def browser_login(browser, live_server, username: str, password: str, viewport=None):
    """A new page logged in through the real login form."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


# --- pages in English (issue 14): what Chinese is left outside names and data ---------------------

CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


def chinese_left(html: str, data=()) -> list[str]:
    """The lines of ``html``'s text that still hold Chinese once every value of ``data`` (names,
    places, typed text) is taken out; the language selector's own name is not counted."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text).replace("简体中文", "")
    for value in sorted((str(d) for d in data if d), key=len, reverse=True):
        text = text.replace(value, "")
    return sorted({line.strip() for line in text.splitlines() if CHINESE.search(line)})


def town_data() -> list[str]:
    """Names a page may show: towns, neighbourhoods, tags, people and staff."""
    from lehuo.accounts.models import Neighbourhood, Town
    from lehuo.people.models import Person

    out = [t.name for t in Town.objects.all()] + [n.name for n in Neighbourhood.objects.all()]
    out += [t.name for t in Tag.objects.all()] + [p.name for p in Person.objects.all()]
    return out + [u.get_full_name() for u in get_user_model().objects.all()]


@pytest.fixture
def language_restored():
    """For tests that request pages in English: the thread's language is given back after."""
    from django.utils import translation

    with translation.override(translation.get_language()):
        yield


# --- the PostgreSQL pass runs only what a database can change ----------------------------------

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "django_db_reset_sequences",
               "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config, items):
    """`make test` runs the suite twice, on SQLite then on PostgreSQL. A test that never opens a
    database (the eligibility rules, ID numbers, pinyin, labels, pure helpers) gives the same
    answer on both, so the PostgreSQL pass leaves it out (`LEHUO_ALL_TESTS_ON_POSTGRES=1` keeps it)."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if not on_postgres or os.environ.get("LEHUO_ALL_TESTS_ON_POSTGRES") == "1":
        return
    kept, left_out = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses_db else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
