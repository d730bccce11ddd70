"""Exports of the register: a list of people (masked; full numbers only as a separate right,
with a reason, watermarked) and a person's PIPL access/copy file."""

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.lib.identity import ID_TYPES
from lehuo.lib.labels import list_separator
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx
from lehuo.platform.validation import clean_text

from ..models import Person
from .persons import export_person_data


def _headers() -> list[str]:
    return [_("姓名"), _("性别"), _("出生日期"), _("年龄"), _("居民区"), _("标签"), _("证件类型"), _("证件号码"),
            _("电话"), _("住址")]


def _rows(qs, full: bool):
    """Rows of a list export; ID number and phone masked and no address unless ``full``."""
    today, sep = timezone.localdate(), list_separator()
    id_types, sexes = dict(ID_TYPES), dict(Person.SEXES)
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.name, str(sexes.get(p.sex, "")), p.birth_date, p.age(today), p.neighbourhood.name if p.neighbourhood else "",
            sep.join(t.name for t in p.tags.all()), str(id_types.get(p.id_type, p.id_type)),
            p.id_number if full else p.id_number_mask, p.phone if full else p.phone_mask,
            p.address if full else "",
        ]


def watermark(actor, reason: str) -> str:
    name = getattr(actor, "get_username", lambda: "")()
    return _("完整信息导出：%(who)s，%(when)s，用途：%(why)s。仅限该用途使用，不得转发。") % {
        "who": name, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "why": reason}


def export_people_list(actor, people, *, filters: dict, full: bool = False, reason: str = "") -> tuple[str, bytes]:
    """(file name, xlsx) of ``people`` (a list the actor may see, already filtered). Masked by
    default; ``full`` (town admins) holds whole ID numbers, phones and addresses, needs a
    reason, carries a watermark naming who, when and why, and its audit row says so."""
    if full:
        require(actor, "people.person.export_full")
        reason = clean_text(reason, "reason", _("导出理由"), max_length=200)
    else:
        require(actor, "people.person.export_list")
    qs = people.select_related("neighbourhood").prefetch_related("tags")
    if not full:  # the kept masked copies (Person.id_number_mask): nothing to read or decrypt
        qs = qs.defer("id_number", "phone", "address", "notes")
    count = qs.count()
    mark = watermark(actor, reason) if full else ""
    content = write_xlsx(_headers(), _rows(qs, full), title=_("人员名单"), watermark=mark)
    log_action(actor, "person.export_list", None, {
        "rows": count, "revealed": full, "filters": filters,
        "columns": ["id_number", "phone", "address"] if full else ["id_number_masked", "phone_masked"],
        **({"reason": reason} if full else {}),
    })
    stamp = timezone.localdate().strftime("%Y%m%d")
    return (_("人员名单（完整）-%(d)s.xlsx") if full else _("人员名单-%(d)s.xlsx")) % {"d": stamp}, content


def _flatten(prefix: str, value, out: list) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for i, v in enumerate(value, start=1):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        out.append([prefix, list_separator().join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))])


def export_person_file(actor, person: Person, fmt: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a person's PIPL access/copy export, JSON or xlsx."""
    if fmt not in ("json", "xlsx"):
        raise ServiceError(_("格式只能是 json 或 xlsx"), "fmt")
    data = export_person_data(actor, person)
    stamp = f"{person.pk}-{timezone.localdate():%Y%m%d}"
    if fmt == "json":
        return f"person-{stamp}.json", "application/json; charset=utf-8", json.dumps(
            data, ensure_ascii=False, indent=2).encode()
    rows: list = []
    _flatten("", data, rows)
    return (_("个人信息-%(s)s.xlsx") % {"s": stamp},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            write_xlsx([_("项目"), _("内容")], rows, title=_("个人信息")))
