"""Import of an online-platform statement or an offline ledger (xlsx / csv).

Steps: read the header and map columns (``guess_mapping``; the wizard lets staff change
it), check every row (dry run: one error per bad field naming the row), detect duplicates
(a reference seen earlier in the file or already recorded; for ledger lines without a
reference, the same donor, amount and date already recorded), match donors to people by
ID number or by name + phone; every row that would be written also passes the rules of
``services.record_donation()`` (``check_donation``). Then write all or nothing: the import
checks again inside one transaction (``services.recording_in_bulk``, the drive share-locked)
and writes the rows as that check passed them, so a bad row 5000 writes nothing.
"""

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lehuo.accounts.models import Neighbourhood
from lehuo.lib.identity import IdentityError, normalise_phone, parse_id_number
from lehuo.people.models import Organisation, Person
from lehuo.people.services import find_person_by_id_number
from lehuo.platform.bulk import collector_paused
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import Forbidden, ServiceError
from lehuo.platform.excel import Table, read_rows, read_table

from . import services
from .models import ALIPAY, BANK, CASH, OFFLINE, ONLINE, OTHER, WECHAT, Donation, Drive

KINDS = {ONLINE: gettext_lazy("线上平台流水"), OFFLINE: gettext_lazy("线下登记台账")}
# The header names the importer recognises, whatever the reader's language: Chinese as the
# platforms and ledgers write them, and English (the names of the English export and labels).
COLUMNS: dict[str, list[str]] = {
    "reference": ["流水号", "交易单号", "订单号", "商户单号", "凭证号", "收据号",  # not-ui: headers of a statement file
                  "reference", "transaction id", "order id", "receipt number"],
    "donor_name": ["捐赠人", "姓名", "捐款人", "昵称", "付款人", "donor", "name", "donor name"],  # not-ui: file headers
    "id_number": ["证件号码", "身份证号码", "身份证号", "id_number", "id number"],  # not-ui: file headers
    "phone": ["手机号码", "手机号", "电话", "联系电话", "phone", "mobile"],  # not-ui: file headers
    "organisation": ["捐赠单位", "单位", "organisation", "organization", "donor organisation"],  # not-ui: file headers
    "amount": ["金额", "捐款金额", "金额（元）", "金额(元)", "amount", "amount (yuan)"],  # not-ui: file headers
    "method": ["支付方式", "捐赠方式", "方式", "method", "payment method"],  # not-ui: file headers
    "received_on": ["日期", "捐赠日期", "捐款日期", "交易时间", "时间", "date", "received on"],  # not-ui: file headers
    "neighbourhood": ["居民区", "经办居民区", "neighbourhood", "collecting neighbourhood"],  # not-ui: file headers
    "named_consent": ["同意公示姓名", "公示姓名", "named", "name may be published"],  # not-ui: file headers
    "anonymous": ["匿名", "anonymous"],  # not-ui: file headers
    "notes": ["备注", "留言", "notes", "message"],  # not-ui: file headers
}
# What the wizard and the report call each field, in the reader's language.
FIELD_LABELS = {
    "reference": gettext_lazy("流水号"), "donor_name": gettext_lazy("捐赠人"), "id_number": gettext_lazy("证件号码"),
    "phone": gettext_lazy("手机号码"), "organisation": gettext_lazy("捐赠单位"), "amount": gettext_lazy("金额"),
    "method": gettext_lazy("支付方式"), "received_on": gettext_lazy("日期"), "neighbourhood": gettext_lazy("居民区"),
    "named_consent": gettext_lazy("同意公示姓名"), "anonymous": gettext_lazy("匿名"), "notes": gettext_lazy("备注"),
    "file": gettext_lazy("文件"),
}
# The service's field names (check_donation's errors) as the importer's.
SERVICE_FIELDS = {"person_id": "donor_name", "organisation_id": "organisation", "neighbourhood_id": "neighbourhood"}
REQUIRED = {ONLINE: ["reference", "amount", "received_on"], OFFLINE: ["amount", "received_on"]}
# Cell values, as written in the files (not-ui: data the importer reads).
METHOD_WORDS = {
    "微信": WECHAT, "微信支付": WECHAT, "wechat": WECHAT, "支付宝": ALIPAY, "alipay": ALIPAY,  # not-ui: cell values
    "银行": BANK, "银行转账": BANK, "转账": BANK, "bank": BANK, "现金": CASH, "cash": CASH, "其他": OTHER,  # not-ui: cell values
    "other": OTHER, "bank transfer": BANK,
}
YES = {"是", "同意", "y", "yes", "1", "true", "√"}  # not-ui: cell values
MAX_REPORTED = 500
MAX_COLUMNS = 200  # the mapping page posts one field per column (Django allows 1,000 fields)
PROGRESS_EVERY = 1000


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    ready: list[tuple[int, dict]] = field(default_factory=list)  # (row number, record_donation kwargs)
    errors: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    matched_by_id: int = 0
    matched_by_phone: int = 0
    unmatched: int = 0
    total: Decimal = Decimal("0.00")
    unmapped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    def error(self, row: int, fname: str, message: str) -> None:
        self.errors.append({"row": row, "field": fname, "label": str(FIELD_LABELS.get(fname, fname)),
                            "message": str(message)})

    def as_dict(self) -> dict:
        """JSON-safe summary for the job and the report page (row numbers, no personal data)."""
        return {
            "kind": self.kind, "rows": self.rows, "new": len(self.ready), "duplicates_total": len(self.duplicates),
            "duplicates": self.duplicates[:MAX_REPORTED], "errors_total": len(self.errors),
            "errors": self.errors[:MAX_REPORTED], "bad_rows": len({e["row"] for e in self.errors}),
            "matched_by_id": self.matched_by_id, "matched_by_phone": self.matched_by_phone,
            "unmatched": self.unmatched, "total": services.money(self.total), "unmapped": self.unmapped,
        }


def headers_of(data: bytes, filename: str = "") -> list[str]:
    """The first non-empty row of the file: what the mapping step shows (one select per column)."""
    for row in read_rows(data, filename):
        if any(v not in (None, "") for v in row):
            headers = [str(v or "").strip() for v in row]
            while headers and not headers[-1]:
                headers.pop()  # formatting far to the right makes thousands of empty header cells
            if len(headers) > MAX_COLUMNS:
                raise ServiceError(_("表头有 %(n)s 列，超过上限 %(limit)s 列：请删除无关的列后重新上传")
                                   % {"n": f"{len(headers):,}", "limit": MAX_COLUMNS}, "file")
            return headers
    raise ServiceError(_("表格中没有内容"), "file")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """header -> field for headers we recognise."""
    lookup = {n.lower(): f for f, names in COLUMNS.items() for n in [f, *names]}
    out, taken = {}, set()
    for h in headers:
        f = lookup.get(h.strip().lower())
        if f and f not in taken:
            out[h], taken = f, taken | {f}
    return out


def read_statement(data: bytes, kind: str, filename: str = "", mapping: dict[str, str] | None = None) -> Table:
    if kind not in KINDS:
        raise ServiceError(_("导入类型不正确"), "kind")
    return read_table(data, COLUMNS, REQUIRED[kind], filename=filename, mapping=mapping, labels=FIELD_LABELS)


def _text(value) -> str:
    if type(value) is str:  # most cells (a CSV's all)
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return services._parse_date(_text(value)[:19], "received_on")


def _recorded_references(drive: Drive, refs: list[str]) -> set[str]:
    """Which of ``refs`` the drive already has. On PostgreSQL one query with the references as
    one array parameter (``= ANY``): 100,000 of them as ``IN`` placeholders cost seconds to
    build and send, in 5,000s (SQLite's limit on parameters) elsewhere."""
    if not refs:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT reference FROM {Donation._meta.db_table} "  # noqa: S608 - the model's table
                           "WHERE drive_id = %s AND reference = ANY(%s)", [drive.pk, refs])
            return {reference for (reference,) in cursor.fetchall()}
    found: set[str] = set()
    for i in range(0, len(refs), 5000):
        found.update(Donation.objects.filter(drive=drive, reference__in=refs[i:i + 5000])
                     .values_list("reference", flat=True))
    return found


def check_statement(actor, drive: Drive, table: Table, kind: str, neighbourhood: Neighbourhood | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    check: Callable[..., tuple[dict, dict]] | None = None) -> ImportReport:
    """Dry run: what would be written, every error by row and field, duplicates, matches.

    Every row that would be written also passes ``check`` (by default the service's
    ``check_donation``, the rules of ``record_donation``; the write gives its
    ``DonationBatch.check``, which keeps the result for the write): a row the service would
    refuse is an error of its row here, in the dry run as in the import."""
    if check is None:
        check = functools.partial(services.check_donation, actor, drive, memo={})
    report = ImportReport(kind=kind, rows=len(table.rows), unmapped=table.unmapped)
    if not table.rows:
        report.error(0, "file", _("表格中没有数据行"))  # only a header: say so, not "0 rows, 0 errors"
        return report
    town = drive.town
    if kind not in drive.channels:
        report.error(0, "file", _("本次募捐不接受该渠道"))
        return report
    allowed = services.recording_neighbourhoods(actor, drive)
    nbhs = {}
    for n in Neighbourhood.objects.filter(town=town):
        nbhs[n.name] = nbhs[n.code.lower()] = n
    orgs = {o.name: o for o in Organisation.objects.filter(town=town)}
    # Duplicates against what is recorded: references, and (for lines without one) donor+amount+date.
    refs = {r for _, rec in table.rows if (r := _text(rec.get("reference")))}
    existing_refs = _recorded_references(drive, sorted(refs))
    existing_lines = Counter(
        Donation.objects.filter(drive=drive, reference="", channel=kind)
        .values_list("received_on", "amount", "person_id", "organisation_id", "donor_name")
    )
    # Name + phone matching in one query: phone hash -> [(name, person)].
    by_phone: dict[str, list[Person]] = {}
    hashes = set()
    for _row, rec in table.rows:
        phone = _text(rec.get("phone"))
        if phone and not _text(rec.get("id_number")):
            try:
                hashes.add(keyed_hash(normalise_phone(phone)))
            except IdentityError:
                pass
    hash_list = sorted(hashes)
    for i in range(0, len(hash_list), 5000):
        for p in Person.objects.filter(town=town, phone_hash__in=hash_list[i:i + 5000]):
            by_phone.setdefault(p.phone_hash, []).append(p)

    seen_refs: dict[str, int] = {}
    limit = services.max_amount()
    today = dt.date.today()  # once per import, as check_donation's memo keeps it
    for done, (number, rec) in enumerate(table.rows, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, report.rows)
        before = len(report.errors)
        values: dict = {"channel": kind}
        reference = _text(rec.get("reference"))
        if len(reference) > 100:
            report.error(number, "reference", _("流水号不能超过100个字符"))
        if kind == ONLINE and not reference:
            report.error(number, "reference", _("线上流水必须有流水号"))
        values["reference"] = reference
        try:
            values["amount"] = services.parse_amount(rec.get("amount"), limit=limit)
        except ServiceError as exc:
            report.error(number, "amount", exc.message)
        try:
            day = _date(rec.get("received_on"))
            if day < drive.starts_on:
                report.error(number, "received_on", _("捐赠日期早于募捐开始日期"))
            elif day > today:
                report.error(number, "received_on", _("捐赠日期不能晚于今天"))
            values["received_on"] = day
        except ServiceError as exc:
            report.error(number, "received_on", exc.message)
        method_text = _text(rec.get("method")).lower()
        method = METHOD_WORDS.get(method_text) if method_text else (CASH if kind == OFFLINE else OTHER)
        if method is None:
            report.error(number, "method", _("无法识别的捐赠方式“%(method)s”") % {"method": method_text})
        elif method == CASH and kind == ONLINE:
            report.error(number, "method", _("现金捐款只能是线下渠道"))
        values["method"] = method
        # The collecting neighbourhood: a column, or the one chosen in the wizard.
        nbh_text = _text(rec.get("neighbourhood"))
        nbh = nbhs.get(nbh_text) or nbhs.get(nbh_text.lower()) if nbh_text else neighbourhood
        if nbh_text and nbh is None:
            report.error(number, "neighbourhood", _("居民区“%(name)s”不存在") % {"name": nbh_text})
        # Donor: organisation, person (by ID number, or name + phone), or outsider.
        name = _text(rec.get("donor_name"))
        org_name = _text(rec.get("organisation"))
        person = None
        if org_name:
            values["organisation"] = orgs.get(org_name)
            if values["organisation"] is None:
                report.error(number, "organisation", _("单位“%(name)s”未登记，请先在单位中添加") % {"name": org_name})
        else:
            id_number = _text(rec.get("id_number"))
            if id_number:
                try:
                    parse_id_number(id_number)
                    person = find_person_by_id_number(town, id_number)
                except IdentityError as exc:
                    report.error(number, "id_number", str(exc))
                if person is not None:
                    report.matched_by_id += 1
            elif name and _text(rec.get("phone")):
                try:
                    h = keyed_hash(normalise_phone(_text(rec.get("phone"))))
                    person = next((p for p in by_phone.get(h, []) if p.name == name), None)
                except IdentityError:
                    person = None  # platforms often mask phones: no match, not an error
                if person is not None:
                    report.matched_by_phone += 1
            if person is None:
                report.unmatched += 1
            values["person"] = person
            values["donor_name"] = "" if person else name[:100]
            values["anonymous"] = (_text(rec.get("anonymous")).lower() in YES) or not (person or name)
        if nbh is None and person is not None and allowed is None:
            nbh = person.neighbourhood
        if allowed is not None and (nbh is None or nbh.pk not in allowed):
            report.error(number, "neighbourhood", _("只能导入本居民区经办的捐款"))
        values["neighbourhood"] = nbh
        values["named_consent"] = _text(rec.get("named_consent")).lower() in YES
        values["notes"] = _text(rec.get("notes"))[:200]
        if len(report.errors) > before:
            continue
        # Duplicates are reported and skipped, never written twice.
        if reference:
            if reference in existing_refs:
                report.duplicates.append({"row": number, "reference": reference, "reason": _("已登记")})
                continue
            if reference in seen_refs:
                report.duplicates.append({"row": number, "reference": reference,
                                          "reason": _("与第%(row)s行重复") % {"row": seen_refs[reference]}})
                continue
            seen_refs[reference] = number
        else:
            line = (values["received_on"], values["amount"], person.pk if person else None,
                    values.get("organisation").pk if values.get("organisation") else None, values.get("donor_name", ""))
            if existing_lines[line] > 0:
                existing_lines[line] -= 1
                report.duplicates.append({"row": number, "reference": "", "reason": _("同一捐赠人、金额、日期已登记")})
                continue
        try:
            check(**values, source="import")
        except Forbidden:
            raise
        except ServiceError as exc:
            report.error(number, SERVICE_FIELDS.get(exc.field or "", exc.field or "file"), exc.message)
            continue
        report.ready.append((number, values))
        report.total += values["amount"]
    if progress:
        progress(report.rows, report.rows)
    return report


def import_statement(actor, drive: Drive, data: bytes, kind: str, *, commit: bool, filename: str = "",
                     mapping: dict[str, str] | None = None, neighbourhood: Neighbourhood | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> ImportReport:
    """Check the file; with ``commit`` and no error, write every new row in one transaction.

    With ``commit`` the check runs inside the writing transaction (``services.recording_in_bulk``:
    the drive share-locked) and the write takes the rows exactly as the check passed them."""
    with collector_paused():
        return _import_statement(actor, drive, data, kind, commit=commit, filename=filename, mapping=mapping,
                                 neighbourhood=neighbourhood, progress=progress)


def _import_statement(actor, drive: Drive, data: bytes, kind: str, *, commit: bool, filename: str,
                      mapping: dict[str, str] | None, neighbourhood: Neighbourhood | None,
                      progress: Callable[[int, int, str], None] | None) -> ImportReport:
    table = read_statement(data, kind, filename, mapping)
    check_progress = (lambda d, t: progress(d, t, "check")) if progress else None
    if not commit:
        return check_statement(actor, drive, table, kind, neighbourhood, progress=check_progress)
    with services.recording_in_bulk(actor, drive) as batch:
        report = check_statement(actor, batch.drive, table, kind, neighbourhood, progress=check_progress,
                                 check=batch.check)
        if report.ok:
            batch.write(progress=(lambda done, total: progress(done, total, "write")) if progress else None)
    return report
