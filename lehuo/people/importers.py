"""Excel / CSV import of people: check every row first (dry run), then write all or nothing.

``check_people`` validates a table and returns the rows ready to write plus one error per
bad field ("第5行 证件号码：校验位错误"). ``import_people`` checks again (the database may have
changed since the dry run) and, only when no row fails, writes everything in one
transaction with ``bulk_create`` in batches. Every row goes through the register's rules
(``validation.PersonRules``, as ``create_person``): a row refused here is a row the API and
the pages would refuse, with the same messages.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.accounts.permissions import require
from lehuo.platform.audit import log_action
from lehuo.platform.bulk import insert_rows, row_of
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import Table, read_table, write_xlsx

from .models import Person
from .validation import LABELS, PersonRules

# field -> header names a file may use (the first one is the Chinese template's). Data the
# importer recognises, not text shown as UI: spreadsheets in use carry these Chinese headers.
# The column's label in every language of the site (the template's header in that language,
# ``FIELD_LABELS``) is accepted too (``accepted_columns``).
PEOPLE_COLUMNS: dict[str, list[str]] = {
    "name": ["姓名", "名字", "name"],  # not-ui: header names recognised in files
    "id_number": ["证件号码", "身份证号码", "身份证号", "身份证", "id_number", "id"],  # not-ui: header names
    "phone": ["手机号码", "电话", "手机", "联系电话", "phone", "mobile"],  # not-ui: header names
    "neighbourhood": ["居民区", "居委会", "所属居民区", "neighbourhood"],  # not-ui: header names
    "tags": ["标签", "tags"],  # not-ui: header names recognised in files
    "sex": ["性别", "sex"],  # not-ui: header names recognised in files
    "birth_date": ["出生日期", "birth_date", "birthday"],  # not-ui: header names recognised in files
    "address": ["住址", "地址", "address"],  # not-ui: header names recognised in files
    "notes": ["备注", "notes"],  # not-ui: header names recognised in files
}
REQUIRED = ["name", "neighbourhood"]
# What the template, the report and the error messages call each column (translated).
FIELD_LABELS = {f: LABELS[f] for f in PEOPLE_COLUMNS} | {"file": gettext_lazy("文件")}
BATCH = 2000
MAX_REPORTED_ERRORS = 2000


@dataclass
class RowError:
    row: int
    field: str
    message: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "label": self.label, "message": self.message}


@dataclass
class CheckResult:
    rows: int = 0
    people: list[tuple[dict, list[int]]] = field(default_factory=list)  # (new person's row, tag ids)
    errors: list[RowError] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    unmapped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    def report(self) -> dict:
        """What the dry-run page shows (JSON-safe, no personal data beyond row numbers)."""
        return {
            "rows": self.rows,
            "good_rows": self.rows - len(self.bad_rows),
            "bad_rows": len(self.bad_rows),
            "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]],
            "errors_total": len(self.errors),
            "unmapped": self.unmapped,
        }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


class _Checker:
    """Per-file state: the register's rules prepared once, duplicates remembered across rows."""

    def __init__(self, actor, town: Town, today: dt.date | None = None):
        self.town = town
        self.rules = PersonRules(actor, town, today=today)
        self.neighbourhoods: dict[str, Neighbourhood] = {}
        for nbh in Neighbourhood.objects.filter(town=town):
            self.neighbourhoods[nbh.name] = nbh
            self.neighbourhoods.setdefault(nbh.code.lower(), nbh)
        self.seen_ids: dict[str, int] = {}  # id hash -> first row with it

    def person(self, number: int, rec: dict, errors: list[RowError]) -> tuple[dict, list[int]] | None:
        """The row as the new person's values (by attribute name, as ``bulk.insert_rows`` takes
        them: ``town_id``) and its tag ids, or None with its errors added."""
        found: list[tuple[str, str]] = []
        nbh_text = _text(rec.get("neighbourhood"))
        nbh = self.neighbourhoods.get(nbh_text) or self.neighbourhoods.get(nbh_text.lower())
        if not nbh_text:
            found.append(("neighbourhood", _("居民区不能为空")))
        elif nbh is None:
            found.append(("neighbourhood", _("未知居民区“%(name)s”") % {"name": nbh_text[:20]}))
        values = {field: _text(rec.get(field)) for field in ("name", "id_number", "phone", "sex", "address", "tags",
                                                               "notes")}
        values.update(birth_date=rec.get("birth_date"), neighbourhood=nbh)
        try:
            cleaned = self.rules.check(values, check_duplicate=False)
        except ServiceError as exc:
            found.extend((e["field"], e["message"]) for e in exc.errors)
            cleaned = None
        if cleaned is not None and cleaned["id_hash"]:
            first = self.seen_ids.setdefault(cleaned["id_hash"], number)
            if first != number:
                found.append(("id_number", _("与第%(row)d行的证件号码重复") % {"row": first}))
        for field_name, message in found:
            # The register's fields are named as the API names them; the file's as its columns.
            errors.append(RowError(number, "neighbourhood" if field_name == "neighbourhood_id" else field_name, message))
        if found or cleaned is None:
            return None
        tags = cleaned.pop("tags")
        # The row for insert_rows (no Person instance per row: 100,000 of them cost seconds).
        return row_of(Person, {"town": self.town, **cleaned}), [t.pk for t in tags]


def import_town_for(actor) -> Town:
    """The town whose people the actor may import (403 for roles that may not)."""
    from lehuo.accounts.services import town_for

    require(actor, "people.import")  # 403 for a role that imports nowhere, before asking for a town
    town = town_for(actor)
    require(actor, "people.import", town)
    return town


def check_people(actor, town: Town, table: Table, progress: Callable[[int, int], None] | None = None,
                 today: dt.date | None = None) -> CheckResult:
    """Validate every row of ``table``; nothing is written."""
    require(actor, "people.import", town)
    checker = _Checker(actor, town, today)
    result = CheckResult(rows=len(table.rows), unmapped=table.unmapped)
    total = len(table.rows)
    for i, (number, rec) in enumerate(table.rows, start=1):
        before = len(result.errors)
        built = checker.person(number, rec, result.errors)
        if len(result.errors) > before:
            result.bad_rows.add(number)
        elif built is not None:
            result.people.append(built)
        if progress and (i % BATCH == 0 or i == total):
            progress(i, total)
    # Duplicates of people already registered, found by keyed hash in a few large queries.
    hashes = [p["id_hash"] for p, _ in result.people if p["id_hash"]]
    existing: set[str] = set()
    for start in range(0, len(hashes), 1000):
        chunk = hashes[start:start + 1000]
        existing.update(Person.objects.filter(town=town, id_hash__in=chunk).values_list("id_hash", flat=True))
    if existing:
        for h in existing:
            number = checker.seen_ids[h]
            result.errors.append(RowError(number, "id_number", _("该证件号码已登记（本镇已有此人）")))
            result.bad_rows.add(number)
        result.people = [(p, t) for p, t in result.people if p["id_hash"] not in existing]
        result.errors.sort(key=lambda e: e.row)
    if not result.rows:
        result.errors.append(RowError(0, "file", _("表格中没有数据行")))
    return result


def accepted_columns() -> dict[str, list[str]]:
    """``PEOPLE_COLUMNS`` plus each column's label in every language of the site, so a file
    made from the template in either language reads back. The first name of each field stays
    the Chinese one (messages about a missing column name it)."""
    columns = {f: list(names) for f, names in PEOPLE_COLUMNS.items()}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for f in columns:
                label = str(FIELD_LABELS[f])
                if label.lower() not in (n.lower() for n in columns[f]):
                    columns[f].append(label)
    return columns


def column_names() -> list[tuple[str, bool, list[str]]]:
    """(the column's name in the reader's language, required, the other names a file may use)
    for the import page: the names of other languages and the usual Chinese variants."""
    out = []
    for f, names in accepted_columns().items():
        label = str(FIELD_LABELS[f])
        others = [n for n in names if n.lower() != label.lower() and not (n.isascii() and n.islower())]
        out.append((label, f in REQUIRED, others))
    return out


def read_people_table(data: bytes, filename: str = "") -> Table:
    return read_table(data, accepted_columns(), REQUIRED, filename)


@transaction.atomic
def write_people(actor, town: Town, result: CheckResult, progress: Callable[[int, int], None] | None = None,
                 source: str = "") -> int:
    """Insert the checked people and their tags; the caller's transaction makes it all or nothing."""
    if not result.ok:
        raise ServiceError(_("文件中有错误，未导入任何数据"), "file", code="invalid")
    total = len(result.people)
    Through = Person.tags.through
    first_id = last_id = None
    for start in range(0, total, BATCH):
        batch = result.people[start:start + BATCH]
        # COPY on PostgreSQL, bulk_create elsewhere; both give the new primary keys the tag
        # links need (lehuo/platform/bulk.py). created_at/updated_at: the time of the batch.
        ids = insert_rows(Person, [p for p, _ in batch], batch_size=BATCH)
        links = [{"person_id": pk, "tag_id": t} for pk, (_, tags) in zip(ids, batch, strict=True) for t in tags]
        if links:
            insert_rows(Through, links, batch_size=5000)
        first_id = ids[0] if first_id is None else first_id
        last_id = ids[-1]
        if progress:
            progress(min(start + BATCH, total), total)
    log_action(actor, "person.import", None, {
        "town": town.pk, "created": total, "source": source, "first_id": first_id, "last_id": last_id,
    })
    return total


def import_people(actor, town: Town, data: bytes, *, commit: bool, filename: str = "",
                  progress: Callable[[int, int, str], None] | None = None) -> CheckResult:
    """Read, check and (when ``commit`` and every row is good) write. Returns the check result."""
    table = read_people_table(data, filename)
    n = len(table.rows)
    steps = 2 * n if commit else n  # a commit checks every row, then writes every row
    check_progress = (lambda done, _total: progress(done, steps, "check")) if progress else None
    result = check_people(actor, town, table, progress=check_progress)
    if commit and result.ok:
        write_progress = (lambda done, _total: progress(n + done, steps, "write")) if progress else None
        write_people(actor, town, result, progress=write_progress, source=filename)
    return result


def template_xlsx() -> bytes:
    """The file staff fill in, in the reader's language: headers and two example rows
    (synthetic people with valid numbers, in the demo town's neighbourhoods and tags)."""
    headers = [str(FIELD_LABELS[f]) for f in PEOPLE_COLUMNS]
    rows = [
        ["张三", "11010519491231002X", "13800138000", "绿十一", "党员、志愿者", "", "", "新泾路1号", ""],  # not-ui: example data
        ["李四", "", "", "虹九", "居民", str(Person.SEXES[0][1]), "1980-05-01", "",  # not-ui: example data
         _("无证件号码时可填写性别和出生日期")],
    ]
    return write_xlsx(headers, rows, title=_("人员导入"))
