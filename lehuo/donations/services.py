"""Every write of the donations module and its rules.

``record_donation()`` is the one way a donation comes in: the API, the entry form, the
importers and the demo all call it. It is idempotent by platform reference (unique per
drive: a repeat returns the donation already there) and audit-logged; the API adds the
``Idempotency-Key`` on top (``lehuo.platform.idempotency.run_idempotent``).
"""

import datetime as dt
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.accounts.permissions import may, require, scope_q
from lehuo.people.models import Organisation, Person
from lehuo.platform.audit import log_action, log_rows
from lehuo.platform.bulk import insert_rows, row_of
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.models import AuditLog
from lehuo.platform.uploads import checked_voucher

from . import aggregates
from .models import (
    CASH,
    CHANNELS,
    METHODS,
    OFFLINE,
    ONLINE,
    OTHER,
    Donation,
    Drive,
    Handover,
    describe,
    donor_display,
    donor_kind,
)

CENT = Decimal("0.01")
_CHANNELS = frozenset(code for code, _label in CHANNELS)
_METHODS = frozenset(code for code, _label in METHODS)


def max_amount() -> Decimal:
    return Decimal(str(settings.LEHUO_RULES["donations"]["max_amount"]))


def parse_amount(value, field: str = "amount", *, limit: Decimal | None = None) -> Decimal:
    """A Decimal > 0 with at most two places and under the configured ceiling.

    Accepts a Decimal, an int, a float (by its shortest repr, so 0.1 stays 0.1) or a
    string such as "56510.00", "1,200.50" or "￥200"."""
    if isinstance(value, bool) or value is None or value == "":
        raise ServiceError(_("请填写金额"), field)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元").strip()  # not-ui: input accepted as typed
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ServiceError(_("金额格式不正确"), field)
    if not amount.is_finite():
        raise ServiceError(_("金额格式不正确"), field)
    if amount <= 0:
        raise ServiceError(_("金额必须大于0"), field)
    ceiling = limit if limit is not None else max_amount()
    if amount > ceiling:
        raise ServiceError(_("金额超过上限 %(limit)s 元") % {"limit": f"{ceiling:,.2f}"}, field)
    value = amount.quantize(CENT)  # exact under the ceiling; only a third decimal place changes it
    if value != amount:
        raise ServiceError(_("金额最多保留两位小数"), field)
    return value


def money(value) -> str:
    """Decimal as the API writes money: "56510.00"."""
    return f"{Decimal(value or 0).quantize(CENT):f}"


def invalid_reference_message() -> str:
    """One message for every reference that cannot be recorded: it never tells whether the
    reference exists in a neighbourhood the actor does not see (issue 16)."""
    from django.utils.translation import gettext as _

    return _("流水号无效或无法登记，请核对")


_CONTROL = re.compile(r"[\x00-\x1f]")  # characters below 32 (a reference or name must hold none)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?")


def _parse_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("/", "-").replace(".", "-")
        if _ISO_DAY.fullmatch(text):
            try:  # a statement's common forms, without strptime's cost (the same ones it accepts below)
                return dt.datetime.fromisoformat(text).date()
            except ValueError:
                raise ServiceError(_("日期格式不正确（应为 YYYY-MM-DD）"), field) from None
        for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d", "%Y年%m月%d日"):  # not-ui: a date format accepted on input
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise ServiceError(_("日期格式不正确（应为 YYYY-MM-DD）"), field)


# --- drives ---------------------------------------------------------------------------------------


@transaction.atomic
def create_drive(actor, town: Town, *, slug: str, title: str, organiser: Organisation, starts_on, ends_on,
                 purpose: str = "", accepts_online: bool = True, accepts_offline: bool = True,
                 platform: str = "", target=None, disclosure_public: bool = False) -> Drive:
    require(actor, "donations.drive.create")  # 403 for roles that never may
    require(actor, "donations.drive.create", town)
    from django.utils.text import slugify

    slug = (slug or "").strip()
    if not slug or slugify(slug) != slug:
        raise ServiceError(_("标识只能包含小写字母、数字和连字符"), "slug")
    if Drive.objects.filter(slug=slug).exists():
        raise ServiceError(_("该标识已被使用"), "slug", code="duplicate")
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("请填写名称"), "title")
    if organiser is None or organiser.town_id != town.pk:
        raise ServiceError(_("请选择本镇登记的慈善组织"), "organiser_id")
    starts_on, ends_on = _parse_date(starts_on, "starts_on"), _parse_date(ends_on, "ends_on")
    if ends_on < starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    if not (accepts_online or accepts_offline):
        raise ServiceError(_("至少选择一个募捐渠道"), "channels")
    target_amount = parse_amount(target, "target", limit=Decimal("999999999999")) if target not in (None, "") else None
    drive = Drive.objects.create(
        town=town, slug=slug, title=title[:100], organiser=organiser, purpose=purpose or "", starts_on=starts_on,
        ends_on=ends_on, accepts_online=accepts_online, accepts_offline=accepts_offline, platform=platform or "",
        target=target_amount, disclosure_public=disclosure_public,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(actor, "donation_drive.create", drive, {"slug": slug, "title": title})
    return drive


# --- donations ------------------------------------------------------------------------------------


def recording_neighbourhoods(actor, drive: Drive) -> set[int] | None:
    """The neighbourhoods whose donations the actor records for ``drive`` (None: any, and
    donations collected by no neighbourhood: the town admins)."""
    if may(actor, "donations.donation.record", Donation(drive=drive)):
        return None
    return {n.pk for n in Neighbourhood.objects.filter(town=drive.town)
            if may(actor, "donations.donation.record", Donation(drive=drive, neighbourhood=n))}


def _check_neighbourhood(actor, drive: Drive, neighbourhood: Neighbourhood | None) -> None:
    """A social worker records only for a neighbourhood they work in (the collecting one)."""
    if neighbourhood is not None and neighbourhood.town_id != drive.town_id:
        raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
    if not may(actor, "donations.donation.record", Donation(drive=drive, neighbourhood=neighbourhood)):
        raise ServiceError(_("只能登记本居民区经办的捐款"), "neighbourhood_id", code="scope")


def record_donation(actor, drive: Drive, *, savepoint: bool = True, **fields) -> tuple[Donation, bool]:
    """Record one donation; returns ``(donation, created)``.

    A reference already recorded for this drive returns that donation and writes nothing
    (a platform statement imported twice, a ledger line typed twice). The input is checked
    first (``prepare_donation``), so a repeat must itself be valid.

    ``savepoint=False`` is for callers that already hold a transaction and have removed known
    references: a reference committed meanwhile by someone else then fails the whole
    transaction (nothing written) instead of costing two extra round trips."""
    donation, audit = prepare_donation(actor, drive, **fields)
    if not savepoint:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("record_donation(savepoint=False) must run inside a transaction")
        donation.save()
        aggregates.donations_recorded([donation])
        log_action(actor, "donation.record", donation, audit)
        return donation, True
    try:
        with transaction.atomic():
            donation.save()
            aggregates.donations_recorded([donation])
            log_action(actor, "donation.record", donation, audit)
    except IntegrityError:
        # The reference is already recorded (a repeat, or a concurrent post that committed
        # first): the unique index decides, so there is no read-then-write race.
        reference = donation.reference
        existing = Donation.objects.filter(drive=drive, reference=reference).order_by().first() if reference else None
        if existing is None:
            raise
        if not Donation.objects.for_user(actor).filter(pk=existing.pk).exists():
            raise ServiceError(invalid_reference_message(), "reference")
        return existing, False
    return donation, True


def record_donations_in_bulk(actor, drive: Drive, rows: list[dict], *, batch_size: int = 2000,
                             progress=None) -> int:
    """Many donations of one drive given as ``record_donation`` fields: every row passes the
    same checks as ``record_donation`` (``check_donation``), then all are written
    (``DonationBatch.write``). Must run inside the caller's transaction, so one bad row or a
    reference that someone committed meanwhile (unique index) writes nothing at all."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_donations_in_bulk must run inside a transaction")
    with recording_in_bulk(actor, drive) as batch:
        for row in rows:
            batch.check(**row)
        return batch.write(batch_size=batch_size, progress=progress)


class DonationBatch:
    """Donations of one drive checked one by one and then written together, inside the
    transaction ``recording_in_bulk`` opens (the importer's way in).

    ``check`` runs ``check_donation`` (every rule of ``record_donation``) and keeps its result;
    ``write`` writes exactly the rows ``check`` passed, from those checked values, so a row is
    checked once, not once by the importer's dry run and again before the write. That is safe
    because check and write are in one transaction, and the drive row the rules read (town,
    channels, start date) is share-locked before the first check (PostgreSQL): a change of the
    drive waits for the import. What else a row's check reads is as fresh as it is for
    ``record_donation``: the actor's right to record is asked once per import and
    neighbourhood, a reference committed meanwhile by someone else fails the write (unique
    index), a donor deleted meanwhile fails it (foreign key)."""

    def __init__(self, actor, drive: Drive):
        self.actor, self.drive = actor, drive
        self.memo: dict = {}  # decisions that are the same for every row of the drive (see check_donation)
        self.checked: list[tuple[dict, dict]] = []
        self.open = True

    def check(self, **fields) -> tuple[dict, dict]:
        """``check_donation`` of one row (ServiceError if it fails); the row will be written."""
        if not self.open:
            raise RuntimeError("DonationBatch.check outside its transaction")
        result = check_donation(self.actor, self.drive, memo=self.memo, **fields)
        self.checked.append(result)
        return result

    def write(self, *, batch_size: int = 2000, progress=None) -> int:
        """Donations, their kept figures and their audit rows (the same content as
        ``log_action`` writes for one) of every checked row, in batches, by COPY on PostgreSQL,
        straight from the checked values (no model instance per row)."""
        if not self.open or not transaction.get_connection().in_atomic_block:
            raise RuntimeError("DonationBatch.write outside its transaction")
        actor, town_id, checked = self.actor, self.drive.town_id, self.checked

        def rows_of(start: int) -> list[dict]:
            return [row_of(Donation, values) for values, _audit in checked[start:start + batch_size]]

        # Python work is done while PostgreSQL takes a COPY's rows (insert_rows' meanwhile): a
        # batch's kept-figure gifts and audit rows during its donations' COPY, the next batch's
        # donation rows during its audit rows' COPY. The kept figures change once, after the
        # last batch (one round trip, not one per batch), in the same transaction.
        ContentType.objects.get_for_model(Donation)  # cached for log_rows, which may not query during a COPY
        made: dict[str, list] = {"rows": rows_of(0)}
        gifts: list[dict] = []

        def gifts_and_logs(ids: list, start: int) -> None:
            gifts.extend(aggregates.gift_of_row(row, town_id) for row in made["rows"])
            made["logs"] = log_rows(actor, "donation.record", Donation, [
                (pk, describe(donor_display(v["person"], v["organisation"], v["donor_name"], v["anonymous"]),
                              v["amount"]), audit)
                for pk, (v, audit) in zip(ids, checked[start:start + batch_size], strict=True)])

        def next_rows(_keys: list, start: int) -> None:
            made["rows"] = rows_of(start + batch_size)

        written = 0
        for start in range(0, len(checked), batch_size):
            rows = made["rows"]
            insert_rows(Donation, rows, meanwhile=functools.partial(gifts_and_logs, start=start))
            insert_rows(AuditLog, made["logs"], ids=False, meanwhile=functools.partial(next_rows, start=start))
            written += len(rows)
            if progress and written < len(checked):
                progress(written, len(checked))
        aggregates.gifts_recorded(gifts)
        if progress:
            progress(written, len(checked))
        self.checked = []
        return written


@contextmanager
def recording_in_bulk(actor, drive: Drive) -> Iterator[DonationBatch]:
    """A transaction (a savepoint inside the caller's) for checking and writing many donations
    of ``drive``: the drive is read again share-locked (PostgreSQL), and the batch's
    ``check``/``write`` work only inside the block."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {Drive._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                               [drive.pk])
        batch = DonationBatch(actor, Drive.objects.select_related("town").get(pk=drive.pk))
        try:
            yield batch
        finally:
            batch.open = False


def prepare_donation(actor, drive: Drive, **fields) -> tuple[Donation, dict]:
    """Every rule a donation must pass (``check_donation``); returns the unsaved donation and
    its audit data."""
    values, audit = check_donation(actor, drive, **fields)
    return Donation(**values), audit


def check_donation(actor, drive: Drive, *, amount, channel: str, received_on, method: str = "",
                   person: Person | None = None, organisation: Organisation | None = None,
                   donor_name: str = "", anonymous: bool = False, named_consent: bool = False,
                   reference: str = "", neighbourhood: Neighbourhood | None = None, notes: str = "",
                   source: str = "form", today: dt.date | None = None,
                   memo: dict | None = None) -> tuple[dict, dict]:
    """Every rule a donation must pass; returns the new donation's field values (by field
    name, related records as instances) and its audit data.

    ``memo`` (a dict the caller keeps across the rows of one drive, as the bulk import does)
    keeps the answers that depend only on the actor, the drive and the neighbourhood: whether
    the actor may record for the drive, for each neighbourhood, the drive's channels, today's
    date and the ceiling of an amount. Every row
    still gets the same answers; they are asked once instead of 100,000 times."""
    if memo is None:
        memo = {}
    if "drive" not in memo:
        require(actor, "donations.drive.record", drive)
        memo["drive"] = True
    reference = (reference or "").strip()
    if len(reference) > 100 or _CONTROL.search(reference):
        raise ServiceError(invalid_reference_message(), "reference")
    limit = memo.get("limit")
    if limit is None:
        limit = memo["limit"] = max_amount()
    value = parse_amount(amount, limit=limit)
    if channel not in _CHANNELS:
        raise ServiceError(_("渠道只能是线上或线下"), "channel")
    channels = memo.get("channels")
    if channels is None:
        channels = memo["channels"] = drive.channels
    if channel not in channels:
        raise ServiceError(_("本次募捐不接受该渠道"), "channel")
    method = method or (CASH if channel == OFFLINE else OTHER)
    if method not in _METHODS:
        raise ServiceError(_("捐赠方式不正确（微信、支付宝、银行转账、现金、其他）"), "method")
    if method == CASH and channel == ONLINE:
        raise ServiceError(_("现金捐款只能是线下渠道"), "method")
    received = _parse_date(received_on, "received_on")
    if today is None:
        today = memo["today"] = memo.get("today") or timezone.localdate()
    if received > today:
        raise ServiceError(_("捐赠日期不能晚于今天"), "received_on")
    if received < drive.starts_on:
        raise ServiceError(_("捐赠日期早于募捐开始日期"), "received_on")
    donor_name = (donor_name or "").strip()
    if len(donor_name) > 100 or _CONTROL.search(donor_name):
        raise ServiceError(_("捐赠人姓名不合法（最长100字，不含不可见字符）"), "donor_name")
    given = [x for x in (person, organisation) if x is not None]
    if len(given) > 1:
        raise ServiceError(_("捐赠人只能是个人或单位之一"), "person_id")
    if person is not None:
        if person.town_id != drive.town_id:
            raise ServiceError(_("捐赠人不属于本镇"), "person_id")
        donor_name = ""
    elif organisation is not None:
        if organisation.town_id != drive.town_id:
            raise ServiceError(_("捐赠单位不属于本镇"), "organisation_id")
        donor_name = ""
    elif not donor_name and not anonymous:
        raise ServiceError(_("请填写捐赠人（居民、单位、姓名或匿名）"), "donor_name")
    if anonymous:
        named_consent = False
    nbh_key = ("nbh", neighbourhood.pk if neighbourhood is not None else None)
    refusal = memo.get(nbh_key, False)
    if refusal is False:
        try:
            _check_neighbourhood(actor, drive, neighbourhood)
            refusal = memo[nbh_key] = None
        except ServiceError as exc:
            refusal = memo[nbh_key] = exc
    if refusal is not None:
        raise refusal
    anonymous = bool(anonymous)
    values = {
        "drive": drive, "person": person, "organisation": organisation, "donor_name": donor_name,
        "anonymous": anonymous, "named_consent": bool(named_consent), "amount": value, "channel": channel,
        "method": method, "received_on": received, "reference": reference, "neighbourhood": neighbourhood,
        "notes": (notes or "").strip()[:200], "source": source,
        "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
    }
    audit = {"drive": drive.pk, "amount": value, "channel": channel, "method": method, "reference": reference,
             "donor": donor_kind(person.pk if person is not None else None,
                                 organisation.pk if organisation is not None else None, anonymous),
             "neighbourhood": neighbourhood.pk if neighbourhood else None, "source": source}
    return values, audit


def get_donation_for(actor, pk, *, to: str = "donations.donation.view") -> Donation:
    """A donation the actor may see (NotFound, 404, otherwise); with ``to``, one they may also
    do that to (Forbidden, 403, or NotFound when ``to`` reaches records ``view`` does not)."""
    seen = "donations.donation.view" if to == "donations.donation.change" else to
    try:
        donation = (Donation.objects.filter(scope_q(actor, seen))
                    .select_related("drive", "person", "organisation", "neighbourhood", "recorded_by").get(pk=pk))
    except (Donation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    if to != seen:
        require(actor, to, donation)
    return donation


def get_drive_for(actor, pk=None, slug=None, *, to: str = "donations.drive.view") -> Drive:
    """A drive the actor may see (NotFound, 404, otherwise); with ``to``, one they may also do
    that to (Forbidden, 403)."""
    seen = "donations.drive.disclosure" if to == "donations.drive.disclosure" else "donations.drive.view"
    try:
        qs = Drive.objects.filter(scope_q(actor, seen)).select_related("organiser", "town")
        drive = qs.get(pk=pk) if pk is not None else qs.get(slug=slug)
    except (Drive.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    if to != seen:
        require(actor, to, drive)
    return drive


def town_to_start_drive_in(actor) -> Town:
    """The town whose drives the actor starts (403 for roles that may not)."""
    from lehuo.accounts.services import town_for

    require(actor, "donations.drive.create")
    return town_for(actor)


def drives_for(actor):
    """The drives of the actor's towns (403 for roles that see none)."""
    require(actor, "donations.drive.view")
    return Drive.objects.filter(scope_q(actor, "donations.drive.view"))


def donations_for(actor, drive: Drive):
    """The donations of ``drive`` the actor may see: a social worker's neighbourhoods', a town
    admin's all; none for the other staff (the drive's figures are theirs)."""
    require(actor, "donations.drive.view", drive)
    return Donation.objects.filter(drive=drive).filter(scope_q(actor, "donations.donation.view"))


@transaction.atomic
def void_donation(actor, donation: Donation, reason: str) -> Donation:
    """Void with a reason: the row stays as evidence, every figure drops it."""
    require(actor, "donations.donation.change", donation)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写作废原因"), "reason")
    if len(reason) > 200:
        raise ServiceError(_("作废原因不能超过200个字"), "reason")
    locked = Donation.objects.select_for_update().get(pk=donation.pk)
    if locked.voided_at is not None:
        raise ServiceError(_("该捐款已作废"), "reason", code="already_void")
    locked.voided_at = timezone.now()
    locked.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.void_reason = reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    aggregates.donation_voided(locked)
    log_action(actor, "donation.void", locked, {"reason": reason, "amount": locked.amount})
    return locked


@transaction.atomic
def record_receipt_number(actor, donation: Donation, number: str) -> Donation:
    """The charity's official 捐赠票据 number, recorded when it arrives (charity law art. 38)."""
    require(actor, "donations.donation.change", donation)
    number = (number or "").strip()
    if not number or len(number) > 60:
        raise ServiceError(_("请填写票据号（最长60个字符）"), "receipt_number")
    before = donation.receipt_number
    donation.receipt_number = number
    donation.save(update_fields=["receipt_number"])
    log_action(actor, "donation.receipt", donation, {"before": before, "after": number})
    return donation


@transaction.atomic
def record_handover(actor, drive: Drive, *, channel: str, amount, handed_on, voucher_number: str = "",
                    voucher=None, neighbourhood: Neighbourhood | None = None, receipt_number: str = "",
                    notes: str = "") -> Handover:
    """汇缴: money of one channel passed to the charity."""
    require(actor, "donations.drive.manage", drive)
    if channel not in drive.channels:
        raise ServiceError(_("本次募捐不接受该渠道"), "channel")
    value = parse_amount(amount, limit=Decimal("999999999999"))
    handed = _parse_date(handed_on, "handed_on")
    if handed > timezone.localdate():
        raise ServiceError(_("汇缴日期不能晚于今天"), "handed_on")
    if neighbourhood is not None and neighbourhood.town_id != drive.town_id:
        raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
    if voucher is not None:
        # By content, named by content: an "evil.html" must never be stored and served as a voucher.
        voucher = checked_voucher(voucher, "voucher", f"voucher-{drive.pk}")
    handover = Handover(drive=drive, channel=channel, amount=value, handed_on=handed,
                        voucher_number=(voucher_number or "").strip()[:60], neighbourhood=neighbourhood,
                        receipt_number=(receipt_number or "").strip()[:60], notes=(notes or "").strip()[:200],
                        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    if voucher is not None:
        handover.voucher = voucher
    handover.save()
    log_action(actor, "donation_handover.record", handover, {"drive": drive.pk, "channel": channel, "amount": value})
    return handover


@transaction.atomic
def void_handover(actor, handover: Handover, reason: str) -> Handover:
    require(actor, "donations.drive.manage", handover.drive)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写作废原因"), "reason")
    if handover.voided_at:
        raise ServiceError(_("该汇缴已作废"), "reason")
    handover.voided_at, handover.void_reason = timezone.now(), reason[:200]
    handover.save(update_fields=["voided_at", "void_reason"])
    log_action(actor, "donation_handover.void", handover, {"reason": reason})
    return handover


def log_export(actor, drive: Drive, what: str, rows: int) -> None:
    """Exports of lists that name donors are logged (PIPL art. 51)."""
    log_action(actor, f"donation.export.{what}", drive, {"rows": rows})
