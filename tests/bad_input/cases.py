"""The bad-input corpus: hand-written core cases and cases generated from the OpenAPI schema."""

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from lehuo.people.demo import make_id_number

STRICT = "strict"    # wrong by any reading: must answer 4xx
LENIENT = "lenient"  # may be accepted; never 500; if refused, with a message and no write


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    body: object
    strictness: str = STRICT
    field: str = ""
    raw: bool = False  # body is sent as it is (bytes / text), not JSON-encoded


_rng = random.Random(8)
VALID_ID = make_id_number(_rng, dt.date(1990, 3, 7), "M")
BAD_CHECKSUM_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
FUTURE_ID = make_id_number(_rng, dt.date(2099, 1, 1), "F")
ANCIENT_ID = make_id_number(_rng, dt.date(1850, 1, 1), "M")
HUGE = "长" * 1_000_000
NUL = "王\x00小明"
CONTROL = "王\x07\x1b[2J\u202e明"
EMOJI = "王小明😀🎉"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"点我\")"
SCRIPT = "<script>alert(1)</script>"
BIG_INT = 2**70


def _person(**over):
    base = {"name": "王小明", "neighbourhood_id": "{neighbourhood_id}"}
    base.update(over)
    return base


def _core_cases() -> list[Case]:
    people, one = "/api/v1/people", "/api/v1/people/{person_id}"
    nbh, orgs = "/api/v1/neighbourhoods", "/api/v1/organisations"
    c = [
        # --- POST /people
        Case("people-name-missing", "POST", people, {"sex": "M"}, field="name"),
        Case("people-name-empty", "POST", people, _person(name=""), field="name"),
        Case("people-name-blank", "POST", people, _person(name="   "), field="name"),
        Case("people-name-too-long", "POST", people, _person(name="王" * 51), field="name"),
        Case("people-name-huge", "POST", people, _person(name=HUGE), field="name"),
        Case("people-name-nul", "POST", people, _person(name=NUL), field="name"),
        Case("people-name-number", "POST", people, _person(name=12345), field="name"),
        Case("people-name-object", "POST", people, _person(name={"$gt": ""}), field="name"),
        Case("people-name-list", "POST", people, _person(name=["王", "小明"]), field="name"),
        Case("people-name-null", "POST", people, _person(name=None), field="name"),
        Case("people-name-control", "POST", people, _person(name=CONTROL), LENIENT),
        Case("people-name-emoji", "POST", people, _person(name=EMOJI), LENIENT),
        Case("people-name-formula", "POST", people, _person(name=FORMULA), LENIENT),
        Case("people-name-script", "POST", people, _person(name=SCRIPT), LENIENT),
        Case("people-id-bad-checksum", "POST", people, _person(id_number=BAD_CHECKSUM_ID), field="id_number"),
        Case("people-id-letters", "POST", people, _person(id_number="ABCDEFGHIJKLMNOPQR"), field="id_number"),
        Case("people-id-short", "POST", people, _person(id_number="11010119900307"), field="id_number"),
        Case("people-id-future-birth", "POST", people, _person(id_number=FUTURE_ID), field="id_number"),
        Case("people-id-1850", "POST", people, _person(id_number=ANCIENT_ID), field="id_number"),
        Case("people-id-nul", "POST", people, _person(id_number=VALID_ID[:9] + "\x00" + VALID_ID[9:]), field="id_number"),
        Case("people-id-too-long", "POST", people, _person(id_number="1" * 41), field="id_number"),
        Case("people-id-emoji", "POST", people, _person(id_number="😀" * 18), field="id_number"),
        Case("people-id-number-type", "POST", people, _person(id_number=110101199003071234), field="id_number"),
        Case("people-id-formula", "POST", people, _person(id_number="=1+1"), field="id_number"),
        Case("people-phone-short", "POST", people, _person(phone="123"), field="phone"),
        Case("people-phone-letters", "POST", people, _person(phone="call me maybe"), field="phone"),
        Case("people-phone-emoji", "POST", people, _person(phone="📞13900000000"), LENIENT),  # normalised to digits
        Case("people-phone-nul", "POST", people, _person(phone="139\x0000000000"), field="phone"),
        Case("people-phone-too-long", "POST", people, _person(phone="1" * 31), field="phone"),
        Case("people-birth-impossible", "POST", people, _person(birth_date="2021-02-30"), field="birth_date"),
        Case("people-birth-future", "POST", people, _person(birth_date="2999-01-01"), field="birth_date"),
        Case("people-birth-year-0", "POST", people, _person(birth_date="0000-01-01"), field="birth_date"),
        Case("people-birth-1800", "POST", people, _person(birth_date="1800-01-01"), field="birth_date"),
        Case("people-birth-words", "POST", people, _person(birth_date="昨天"), field="birth_date"),
        # A birth date or sex that disagrees with the ID number is refused (docs/domain.md).
        Case("people-birth-vs-id", "POST", people, _person(id_number=VALID_ID, birth_date="1980-01-01"), LENIENT),
        Case("people-sex-unknown", "POST", people, _person(sex="X"), field="sex"),
        Case("people-sex-chinese", "POST", people, _person(sex="男"), field="sex"),
        Case("people-sex-vs-id", "POST", people, _person(id_number=VALID_ID, sex="F"), LENIENT),
        Case("people-nbh-missing-record", "POST", people, _person(neighbourhood_id=987654), field="neighbourhood_id"),
        Case("people-nbh-negative", "POST", people, _person(neighbourhood_id=-1), field="neighbourhood_id"),
        Case("people-nbh-overflow", "POST", people, _person(neighbourhood_id=BIG_INT), field="neighbourhood_id"),
        Case("people-nbh-text", "POST", people, _person(neighbourhood_id="绿十一"), field="neighbourhood_id"),
        Case("people-tags-string", "POST", people, _person(tags="党员"), field="tags"),
        Case("people-tags-numbers", "POST", people, _person(tags=[1, 2]), field="tags"),
        Case("people-tags-null-item", "POST", people, _person(tags=[None]), field="tags"),
        Case("people-tags-too-many", "POST", people, _person(tags=[f"t{i}" for i in range(31)]), field="tags"),
        Case("people-tags-unknown", "POST", people, _person(tags=["不存在的标签"]), LENIENT),
        Case("people-id-type-unknown", "POST", people, _person(id_type="passport-of-mars"), field="id_type"),
        Case("people-address-huge", "POST", people, _person(address=HUGE), field="address"),
        Case("people-body-not-json", "POST", people, "{name: 王", raw=True),
        Case("people-body-array", "POST", people, "[]", raw=True),
        Case("people-body-null", "POST", people, "null", raw=True),
        Case("people-body-deep", "POST", people, "[" * 100_000 + "]" * 100_000, raw=True),
        Case("people-body-bad-utf8", "POST", people, b"{\"name\": \"\xff\xfe\"}", raw=True),
        Case("people-body-over-10mb", "POST", people, '{"name": "' + "x" * (11 * 1024 * 1024) + '"}', raw=True),
        # --- PATCH /people/{id}
        Case("patch-name-empty", "PATCH", one, {"name": ""}, field="name"),
        Case("patch-name-nul", "PATCH", one, {"name": NUL}, field="name"),
        Case("patch-id-bad-checksum", "PATCH", one, {"id_number": BAD_CHECKSUM_ID}, field="id_number"),
        Case("patch-phone-letters", "PATCH", one, {"phone": "abc"}, field="phone"),
        Case("patch-birth-impossible", "PATCH", one, {"birth_date": "2021-13-01"}, field="birth_date"),
        Case("patch-nbh-missing-record", "PATCH", one, {"neighbourhood_id": 987654}, field="neighbourhood_id"),
        Case("patch-tags-string", "PATCH", one, {"tags": "党员"}, field="tags"),
        Case("patch-body-array", "PATCH", one, "[1]", raw=True),
        Case("patch-missing-person", "PATCH", "/api/v1/people/987654", {"name": "王"}),
        Case("patch-overflow-person", "PATCH", f"/api/v1/people/{BIG_INT}", {"name": "王"}),
        # --- GET /people, /people/{id}
        Case("get-person-overflow", "GET", f"/api/v1/people/{BIG_INT}", {}),
        Case("get-person-missing", "GET", "/api/v1/people/987654", {}),
        Case("list-page-zero", "GET", people, {"page": 0}),
        Case("list-page-negative", "GET", people, {"page": -1}),
        Case("list-page-text", "GET", people, {"page": "abc"}),
        Case("list-page-overflow", "GET", people, {"page": BIG_INT}),
        Case("list-sort-evil", "GET", people, {"sort": "name; DROP TABLE people_person"}),
        Case("list-nbh-text", "GET", people, {"neighbourhood_id": "abc"}),
        Case("list-nbh-overflow", "GET", people, {"neighbourhood_id": BIG_INT}, LENIENT),
        Case("list-q-nul", "GET", people, {"q": "王\x00"}, LENIENT),
        Case("list-q-huge", "GET", people, {"q": "王" * 5000}, LENIENT),
        Case("list-q-like-wildcards", "GET", people, {"q": "%_%\\"}, LENIENT),
        Case("list-tag-nul", "GET", people, {"tag": "党\x00员"}, LENIENT),
        # --- POST /neighbourhoods
        Case("nbh-code-missing", "POST", nbh, {"name": "新区"}, field="code"),
        Case("nbh-code-empty", "POST", nbh, {"code": "", "name": "新区"}, field="code"),
        Case("nbh-code-too-long", "POST", nbh, {"code": "x" * 21, "name": "新区"}, field="code"),
        Case("nbh-code-duplicate", "POST", nbh, {"code": "lv11", "name": "又一个绿十一"}, field="code"),
        Case("nbh-code-nul", "POST", nbh, {"code": "a\x00b", "name": "新区"}, field="code"),
        Case("nbh-name-huge", "POST", nbh, {"code": "new", "name": HUGE}, field="name"),
        Case("nbh-households-negative", "POST", nbh, {"code": "new", "name": "新区", "households": -1},
             field="households"),
        Case("nbh-households-text", "POST", nbh, {"code": "new", "name": "新区", "households": "很多"},
             field="households"),
        Case("nbh-households-overflow", "POST", nbh, {"code": "new", "name": "新区", "households": BIG_INT},
             field="households"),
        Case("nbh-households-fraction", "POST", nbh, {"code": "new", "name": "新区", "households": 1.5},
             field="households"),
        # --- POST /organisations
        Case("org-name-missing", "POST", orgs, {"kind": "school"}, field="name"),
        Case("org-name-empty", "POST", orgs, {"name": ""}, field="name"),
        Case("org-name-too-long", "POST", orgs, {"name": "单" * 101}, field="name"),
        Case("org-name-nul", "POST", orgs, {"name": "新泾\x00中学"}, field="name"),
        Case("org-kind-unknown", "POST", orgs, {"name": "某单位", "kind": "spaceship"}, field="kind"),
        Case("org-nbh-missing-record", "POST", orgs, {"name": "某单位", "neighbourhood_id": 987654},
             field="neighbourhood_id"),
        Case("org-phone-letters", "POST", orgs, {"name": "某单位", "contact_phone": "not a phone"},
             field="contact_phone"),
        Case("org-name-script", "POST", orgs, {"name": SCRIPT}, LENIENT),
        Case("org-body-not-json", "POST", orgs, "name=x", raw=True),
    ]
    return c


CORE_CASES = _core_cases()


# --- findings of the schema fuzzer (tests/fuzz), one case each so they stay fixed -------------
# Paths name the schema's own placeholders ({cohort_id}, {drive_id}...), filled with the records
# of tests/fuzz/world.py. Every answer is also checked against the published schema: status
# documented, JSON when JSON is declared, body valid (formats included).

def _fuzz_cases() -> list[Case]:
    article, cohort = "/api/v1/newsletter/articles/{article_id}", "/api/v1/cohorts/{cohort_id}"
    return [
        # Error answers were not in the schema at all: every 4xx was an "undocumented status".
        Case("fuzz-404-documented", "GET", "/api/v1/cohorts/987654", {}),
        Case("fuzz-422-documented", "GET", "/api/v1/donation-drives", {"page": "abc"}, field="page"),
        Case("fuzz-400-documented", "POST", "/api/v1/neighbourhoods", {"code": "lv11", "name": "又一个绿十一"},
             field="code"),
        # Same-named schemas of two modules: the schema described donation drives, donations and
        # cohort enrolments with the blood drive's, blood donation's and day-care enrolment's fields.
        Case("fuzz-donation-drive-own-schema", "GET", "/api/v1/donation-drives/{drive_id}", {}, LENIENT),
        Case("fuzz-donation-own-schema", "GET", "/api/v1/donations/{donation_id}", {}, LENIENT),
        Case("fuzz-blood-drive-own-schema", "GET", "/api/v1/blood-drives/{drive_id}", {}, LENIENT),
        Case("fuzz-cohort-enrolments-own-schema", "GET", cohort + "/enrolments", {}, LENIENT),
        Case("fuzz-donation-void-own-body", "POST", "/api/v1/donations/{donation_id}/void", {"reason": "录入错误"},
             LENIENT),
        # "14:00:00" is not a JSON Schema "time" (RFC 3339 wants an offset); an offset sent in
        # was taken and compared with a naive time (TypeError, 500).
        Case("fuzz-cohort-times-match-schema", "GET", cohort, {}, LENIENT),
        Case("fuzz-cohort-time-with-offset", "PATCH", cohort, {"start_time": "10:00:00Z"}, field="start_time"),
        Case("fuzz-session-move-time-with-offset", "POST", "/api/v1/sessions/{session_id}/move",
             {"date": "2021-08-11", "reason": "调课", "start_time": "10:00:00+05:00"}, field="start_time"),
        # An article's order past its PositiveSmallIntegerField: IntegrityError, 500.
        Case("fuzz-article-order-negative", "PATCH", article, {"order": -1016355}, field="order"),
        Case("fuzz-article-order-past-smallint", "PATCH", article, {"order": 40000}, field="order"),
        Case("fuzz-new-article-order-negative", "POST", "/api/v1/newsletter/articles",
             {"issue_id": "{issue_id}", "column": "乐活·温情", "title": "标题", "order": -1}, field="order"),
        # An issue number past PostgreSQL's integer: 500 there.
        Case("fuzz-issue-number-past-integer", "POST", "/api/v1/newsletter/issues",
             {"number": 12753147514, "published_on": "2021-09-20"}, field="number"),
        # A path whose id is not a number matched no route: the site's HTML 404 page.
        Case("fuzz-id-not-a-number-get", "GET", "/api/v1/people/true", {}),
        Case("fuzz-id-not-a-number-post", "POST", "/api/v1/donations/false/void", {"reason": "录入错误"}),
        Case("fuzz-no-such-path", "PATCH", "/api/v1/no-such-thing/1", {"name": "王"}),
        # pydantic's lax mode: a number read as a Unix-time date, false / true as 0 / 1.
        Case("fuzz-nbh-households-false", "POST", "/api/v1/neighbourhoods",
             {"code": "new", "name": "新区", "households": False}, field="households"),
        Case("fuzz-blood-drive-target-false", "POST", "/api/v1/blood-drives",
             {"slug": "d-new", "title": "献血", "date": "2021-09-01", "target_donors": False}, field="target_donors"),
        Case("fuzz-person-birth-date-number", "POST", "/api/v1/people", {"name": "王小明", "birth_date": 0},
             field="birth_date"),
        Case("fuzz-issue-date-number", "POST", "/api/v1/newsletter/issues", {"number": 9, "published_on": 0},
             field="published_on"),
        Case("fuzz-recall-date-number", "GET", "/api/v1/blood-recall", {"by": "0"}, field="by"),
        Case("fuzz-donation-person-true", "POST", "/api/v1/donation-drives/{drive_id}/donations",
             {"person_id": True, "amount": "10.00", "channel": "offline", "received_on": "2021-07-25"},
             field="person_id"),
        # A body that is no object: ninja took it for "no body", and cancelled the enrolment.
        Case("fuzz-cancel-body-false", "POST", "/api/v1/daycare/enrolments/{enrolment_id}/cancel", "false", raw=True),
        Case("fuzz-cancel-body-empty-list", "POST", "/api/v1/daycare/enrolments/{enrolment_id}/cancel", "[]",
             raw=True),
        Case("fuzz-cancel-body-number", "POST", "/api/v1/daycare/enrolments/{enrolment_id}/cancel", "1.7976931348623157e+308",
             raw=True),
        # A page whose offset overflows 64 bits (SQLite "datatype mismatch", 500).
        Case("fuzz-page-offset-overflow", "GET", "/api/v1/cohorts", {"page": 1926962813581543936}, field="page"),
        Case("fuzz-page-offset-overflow-people", "GET", "/api/v1/people", {"page": 10**18}, field="page"),
    ]


FUZZ_CASES = _fuzz_cases()


# --- generated from the OpenAPI schema -------------------------------------------------------

@lru_cache(maxsize=1)
def openapi() -> dict:
    from lehuo.api.urls import api

    return api.get_openapi_schema()


def _deref(schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi()["components"]["schemas"][name]
    return schema


def _prop_info(prop: dict) -> dict:
    """type, format, maxLength, nullable, enum, pattern of one property (anyOf flattened)."""
    prop = _deref(prop)
    options = [_deref(p) for p in prop.get("anyOf", prop.get("oneOf", []))] or [prop]
    nullable = any(o.get("type") == "null" for o in options)
    real = [o for o in options if o.get("type") != "null"] or [{}]
    types = {o.get("type") for o in real}
    info = dict(real[0])
    info["nullable"] = nullable
    info["types"] = types
    if {"number", "string"} <= types:
        info["type"] = "decimal"
    return info


def _body_schema(op: dict) -> dict | None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    return _deref(content["schema"])


def body_operations() -> list[tuple[str, str]]:
    out = []
    for path, ops in openapi()["paths"].items():
        for method, op in ops.items():
            if method in ("post", "patch", "put") and _body_schema(op) is not None:
                out.append((method.upper(), path))
    return out


def _sample(info: dict):
    kind, fmt = info.get("type"), info.get("format")
    if "enum" in info:
        return info["enum"][0]
    if kind == "string" and fmt == "date":
        return "2021-08-10"
    if kind == "string" and fmt == "date-time":
        return "2021-08-10T09:00:00+08:00"
    if kind == "string" and fmt == "time":
        return "09:00:00"
    if kind == "string":
        return "测试"[: info.get("maxLength", 10)] or "x"
    if kind == "integer":
        return max(1, info.get("minimum", 1))
    if kind in ("number", "decimal"):
        return "10.00"
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return "测试"


AMOUNT_WORDS = ("amount", "total", "target", "fee", "price")


def _mutations(name: str, info: dict) -> list[tuple[str, object, str]]:
    kind, fmt = info.get("type"), info.get("format")
    scalar = kind in ("string", "integer", "number", "decimal", "boolean")
    out: list[tuple[str, object, str]] = []
    if scalar:
        out += [("object", {"$ne": None}, STRICT), ("list", [1, 2], STRICT)]
    if kind == "string" and fmt in ("date", "date-time"):
        out += [("impossible-date", "2021-02-30", STRICT), ("year-0", "0000-01-01", STRICT),
                ("year-10000", "10000-01-01", STRICT), ("words", "下周二", STRICT)]
    elif kind == "string" and fmt == "time":
        out += [("hour-25", "25:00", STRICT), ("words", "上午", STRICT)]
    elif kind == "string" and "enum" in info:
        out += [("not-a-choice", "no-such-choice", STRICT), ("nul", "\x00", STRICT)]
    elif kind == "string":
        out += [("nul", NUL, STRICT), ("emoji", EMOJI, LENIENT), ("control", CONTROL, LENIENT),
                ("formula", FORMULA, LENIENT), ("script", SCRIPT, LENIENT)]
        if "maxLength" in info:
            out.append(("past-max-length", "长" * (info["maxLength"] + 1), STRICT))
        else:
            out.append(("huge", "长" * 200_000, LENIENT))
    elif kind == "integer":
        out += [("text", "十二", STRICT), ("fraction", 1.5, STRICT), ("overflow", BIG_INT, STRICT),
                ("negative", -1, LENIENT)]
    elif kind in ("number", "decimal"):
        money = any(w in name for w in AMOUNT_WORDS)
        out += [("nan", "NaN", STRICT), ("infinity", "Infinity", STRICT), ("text", "五十", STRICT),
                ("huge-exponent", "1e400", STRICT)]
        out += [("negative", "-100.00", STRICT if money else LENIENT),
                ("over-precise", "10.005", STRICT if money else LENIENT),
                ("too-many-digits", "123456789012345678901234.00", STRICT if money else LENIENT)]
    elif kind == "boolean":
        out += [("text", "也许", STRICT), ("number-2", 2, STRICT)]
    elif kind == "array":
        out += [("string-not-list", "甲,乙", STRICT), ("ten-thousand-items", [{}] * 10_000, LENIENT)]
    return out


def schema_cases(method: str, path: str):
    op = openapi()["paths"][path][method.lower()]
    schema = _body_schema(op)
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    infos = {name: _prop_info(p) for name, p in props.items()}
    base = {name: _sample(infos[name]) for name in props if name in required}
    for name, info in infos.items():
        for label, value, strictness in _mutations(name, info):
            yield Case(f"{name}-{label}", method, path, {**base, name: value}, strictness, name)
        if name in required:
            yield Case(f"{name}-missing", method, path, {k: v for k, v in base.items() if k != name}, STRICT, name)
            if not info["nullable"]:
                yield Case(f"{name}-null", method, path, {**base, name: None}, STRICT, name)
    for label, body in [("body-not-json", '{"a": '), ("body-array", "[]"), ("body-string", '"x"'),
                        ("body-deep", "[" * 50_000 + "]" * 50_000), ("body-bad-utf8", b'{"a": "\xff"}')]:
        yield Case(label, method, path, body, STRICT, "", raw=True)


# --- query strings of every GET ---------------------------------------------------------------

def get_operations() -> list[tuple[str, str]]:
    return [("GET", path) for path, ops in openapi()["paths"].items() if "get" in ops]


def query_cases(path: str):
    """Bad values for each declared query parameter, plus paging past any sane range."""
    op = openapi()["paths"][path]["get"]
    for param in op.get("parameters", []):
        if param.get("in") != "query":
            continue
        name, info = param["name"], _prop_info(param.get("schema", {}))
        kind, fmt = info.get("type"), info.get("format")
        if kind == "integer":
            values = [("text", "十二", STRICT), ("fraction", "1.5", STRICT), ("overflow", str(BIG_INT), LENIENT)]
        elif kind == "string" and fmt == "date":
            values = [("impossible-date", "2021-02-30", STRICT), ("year-10000", "10000-01-01", STRICT)]
        elif kind == "boolean":
            values = [("text", "也许", STRICT)]
        elif kind == "string":
            values = [("script", SCRIPT, LENIENT), ("long", "王" * 3000, LENIENT), ("control", CONTROL, LENIENT)]
        else:
            continue
        for label, value, strictness in values:
            yield Case(f"{name}-{label}", "GET", path, {name: value}, strictness, name)
