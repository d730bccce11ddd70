"""Every write of the blood module and its rules. Views and API handlers call these.

Health writes (screenings, deferrals, donations, stem-cell sign-ups) are audit-logged
without the health values themselves (they stay in the encrypted columns).
"""

import datetime as dt
import json
import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from lehuo.core import scoping as core_scoping
from lehuo.core.audit import log_action
from lehuo.core.crypto import keyed_hash
from lehuo.core.errors import ServiceError
from lehuo.core.identity import IdentityError, normalise_phone, parse_id_number
from lehuo.core.models import PROGRAMME_STAFF, Assignment, Membership, Person
from lehuo.core.services import find_person_by_id_number, record_consent
from lehuo.core.text import pinyin_key

from . import scoping
from .eligibility import (
    DEFERRAL_KINDS,
    PLATELETS,
    WHOLE,
    Decision,
    Facts,
    add_period,
    check_plausible,
    deferral_period,
    evaluate,
    rules,
)
from .models import (
    EXTRA_CHECKS,
    Deferral,
    Donation,
    Drive,
    Invitation,
    InvitationDelivery,
    Screening,
    SignUp,
    StemCellSignup,
)

STEM_CELL_PURPOSE = "stem_cell_registry"


def _require_town_admin(actor, town) -> None:
    towns = core_scoping.town_ids(actor)
    if not (core_scoping.is_town_wide(actor) and (towns is None or town.pk in towns)):
        raise ServiceError("只有镇管理员可以进行此操作", code="forbidden")


def _text(value, field: str, label: str, *, required: bool = True, max_length: int = 100) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field)
    if len(text) > max_length:
        raise ServiceError(f"{label}不能超过{max_length}个字", field)
    return text


def _drive_day(drive: Drive, on: dt.date | None) -> dt.date:
    on = on or drive.date
    if not drive.date <= on <= drive.last_date:
        raise ServiceError(f"日期须在活动日期内（{drive.date}至{drive.last_date}）", "date")
    return on


# --- drives, staff, invitations -------------------------------------------------------

def _check_drive_fields(data: dict) -> dict:
    slug = _text(data.get("slug"), "slug", "标识", max_length=50)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", slug):
        raise ServiceError("标识只能包含字母、数字、连字符和下划线", "slug")
    checks = list(data.get("extra_checks") or [])
    unknown = [c for c in checks if c not in EXTRA_CHECKS]
    if unknown:
        raise ServiceError(f"未知的现场检查项：{'、'.join(unknown)}", "extra_checks")
    date, end = data.get("date"), data.get("end_date")
    if not isinstance(date, dt.date):
        raise ServiceError("请填写活动日期", "date")
    if end and end < date:
        raise ServiceError("结束日期不能早于开始日期", "end_date")
    target = data.get("target_donors")
    if target is not None and (not isinstance(target, int) or target < 0 or target > 100000):
        raise ServiceError("目标人数不正确", "target_donors")
    slots = [_text(s, "time_slots", "时段", max_length=30) for s in data.get("time_slots") or []]
    return {
        "slug": slug, "title": _text(data.get("title"), "title", "名称"), "date": date, "end_date": end or None,
        "venue": _text(data.get("venue"), "venue", "地点", required=False, max_length=200),
        "organiser": _text(data.get("organiser"), "organiser", "组织单位", required=False),
        "target_donors": target, "extra_checks": checks, "time_slots": slots,
    }


@transaction.atomic
def create_drive(actor, town, **data) -> Drive:
    _require_town_admin(actor, town)
    fields = _check_drive_fields(data)
    if Drive.objects.filter(town=town, slug=fields["slug"]).exists():
        raise ServiceError("该标识已被其他献血活动使用", "slug", code="duplicate")
    drive = Drive.objects.create(town=town, **fields)
    log_action(actor, "blood.drive.create", drive, {"slug": drive.slug, "date": drive.date})
    return drive


@transaction.atomic
def assign_staff(actor, drive: Drive, user, duty: str = "") -> Assignment:
    """Make ``user`` (programme staff of the town) drive staff."""
    _require_town_admin(actor, drive.town)
    if not Membership.objects.filter(user=user, town=drive.town, role=PROGRAMME_STAFF).exists():
        raise ServiceError("只能分配本镇的项目工作人员", "user_id")
    assignment, _ = Assignment.objects.get_or_create(
        user=user, content_type=ContentType.objects.get_for_model(Drive), object_id=drive.pk,
        defaults={"duty": duty[:50]})
    scoping.forget(user)
    log_action(actor, "blood.drive.assign", drive, {"user": user.pk, "duty": duty})
    return assignment


@transaction.atomic
def create_invitation(actor, drive: Drive, *, title: str, letter_text: str, sent_on: dt.date) -> Invitation:
    scoping.require_drive_staff(actor, drive)
    title = _text(title, "title", "标题")
    letter_text = _text(letter_text, "letter_text", "倡议书正文", max_length=20000)
    if not isinstance(sent_on, dt.date):
        raise ServiceError("请填写发出日期", "sent_on")
    if sent_on > drive.date:
        raise ServiceError("倡议书须在活动日期之前发出", "sent_on")
    invitation = Invitation.objects.create(drive=drive, title=title, letter_text=letter_text, sent_on=sent_on)
    log_action(actor, "blood.invitation.create", invitation, {"drive": drive.pk})
    return invitation


@transaction.atomic
def record_delivery(actor, invitation: Invitation, *, neighbourhood=None, organisation=None, copies: int = 0,
                    delivered: int = 0, delivered_on: dt.date | None = None) -> InvitationDelivery:
    """Copies handed to a neighbourhood or an employer; a repeat for the same recipient updates it."""
    drive = invitation.drive
    scoping.require_drive_staff(actor, drive)
    if (neighbourhood is None) == (organisation is None):
        raise ServiceError("请选择一个居民区或一个单位", "neighbourhood_id")
    if neighbourhood is not None and neighbourhood.town_id != drive.town_id:
        raise ServiceError("居民区不属于本镇", "neighbourhood_id")
    if organisation is not None and organisation.town_id != drive.town_id:
        raise ServiceError("单位不属于本镇", "organisation_id")
    for name, value, label in (("copies", copies, "份数"), ("delivered", delivered, "已送达")):
        if not isinstance(value, int) or value < 0 or value > 1_000_000:
            raise ServiceError(f"{label}须为0至1000000之间的整数", name)
    if delivered > copies:
        raise ServiceError("已送达份数不能多于发放份数", "delivered")
    row, _ = InvitationDelivery.objects.update_or_create(
        invitation=invitation, neighbourhood=neighbourhood, organisation=organisation,
        defaults={"copies": copies, "delivered": delivered, "delivered_on": delivered_on})
    log_action(actor, "blood.invitation.deliver", invitation,
               {"neighbourhood": neighbourhood, "organisation": organisation, "copies": copies, "delivered": delivered})
    return row


# --- people at the drive ----------------------------------------------------------------

def find_donor(actor, drive: Drive, id_number: str) -> Person | None:
    """The person holding this ID number in the drive's town (they show it on site)."""
    scoping.require_drive_staff(actor, drive)
    try:
        parse_id_number(id_number)
    except IdentityError as exc:
        raise ServiceError(str(exc), "id_number")
    return find_person_by_id_number(drive.town, id_number)


@transaction.atomic
def register_donor(actor, drive: Drive, *, id_number: str, name: str, phone: str = "",
                   neighbourhood=None) -> Person:
    """Register a walk-in donor by ID number. Donors may come from anywhere, so drive staff
    register people outside any neighbourhood scope (core's create_person would refuse)."""
    scoping.require_drive_staff(actor, drive)
    name = _text(name, "name", "姓名", max_length=50)
    try:
        parsed = parse_id_number(id_number)
    except IdentityError as exc:
        raise ServiceError(str(exc), "id_number")
    if find_person_by_id_number(drive.town, parsed.number):
        raise ServiceError("该证件号码已登记，请直接查找", "id_number", code="duplicate")
    if neighbourhood is not None and neighbourhood.town_id != drive.town_id:
        raise ServiceError("居民区不属于本镇", "neighbourhood_id")
    person = Person(town=drive.town, neighbourhood=neighbourhood, name=name, sex=parsed.sex or "",
                    birth_date=parsed.birth_date, id_type=parsed.kind, id_number=parsed.number,
                    id_hash=keyed_hash(f"ric:{parsed.number}"))
    if phone and phone.strip():
        try:
            person.phone = normalise_phone(phone)
        except IdentityError as exc:
            raise ServiceError(str(exc), "phone")
        person.phone_hash, person.phone_tail = keyed_hash(person.phone), person.phone[-4:]
    person.name_pinyin, person.name_initials = pinyin_key(name)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError("该证件号码已登记，请直接查找", "id_number", code="duplicate")
    log_action(actor, "person.create", person, {"via": "blood.register_donor", "drive": drive.pk})
    return person


@transaction.atomic
def sign_up(actor, drive: Drive, person: Person, *, time_slot: str = "", source: str = "committee",
            organisation=None) -> SignUp:
    """A volunteer signs up (idempotent: a second sign-up returns the first, reviving a cancelled one).
    Drive staff sign up anyone; a social worker signs up the people of their neighbourhoods."""
    if not scoping.is_drive_staff(actor, drive):
        if not Person.objects.for_user(actor).filter(pk=person.pk).exists():
            raise ServiceError("只能为本居民区的居民报名", "person_id", code="forbidden")
    if person.town_id != drive.town_id:
        raise ServiceError("人员不属于本镇", "person_id")
    time_slot = (time_slot or "").strip()
    if time_slot and drive.time_slots and time_slot not in drive.time_slots:
        raise ServiceError(f"时段须为：{'、'.join(drive.time_slots)}", "time_slot")
    if source not in dict(SignUp.SOURCES):
        raise ServiceError("报名来源不正确", "source")
    existing = SignUp.objects.select_for_update().filter(drive=drive, person=person).first()
    if existing:
        if existing.status == SignUp.CANCELLED:
            existing.status = SignUp.SIGNED_UP
            existing.time_slot = time_slot or existing.time_slot
            existing.save(update_fields=["status", "time_slot"])
        return existing
    signup = SignUp.objects.create(drive=drive, person=person, time_slot=time_slot, source=source,
                                   organisation=organisation,
                                   created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log_action(actor, "blood.signup.create", signup, {"drive": drive.pk, "person": person.pk})
    return signup


def sign_up_self(user, drive: Drive, *, time_slot: str = "") -> SignUp:
    """A resident signs themself up on their phone (resident page)."""
    person = Person.objects.filter(account=user, erased_at__isnull=True).first() if user.is_authenticated else None
    if person is None or person.town_id != drive.town_id:
        raise ServiceError("您的账号尚未关联本镇居民信息，请联系居委会报名", code="forbidden")
    if drive.last_date < timezone.localdate():
        raise ServiceError("该献血活动已结束", "drive")
    with transaction.atomic():
        existing = SignUp.objects.filter(drive=drive, person=person).first()
        if existing and existing.status != SignUp.CANCELLED:
            return existing
        slot = (time_slot or "").strip()
        if slot and drive.time_slots and slot not in drive.time_slots:
            raise ServiceError(f"时段须为：{'、'.join(drive.time_slots)}", "time_slot")
        if existing:
            existing.status, existing.time_slot = SignUp.SIGNED_UP, slot
            existing.save(update_fields=["status", "time_slot"])
            return existing
        signup = SignUp.objects.create(drive=drive, person=person, time_slot=slot, source="self", created_by=user)
        log_action(user, "blood.signup.self", signup, {"drive": drive.pk})
        return signup


@transaction.atomic
def cancel_signup(actor, signup: SignUp) -> SignUp:
    if not scoping.is_drive_staff(actor, signup.drive) and not Person.objects.for_user(actor).filter(
            pk=signup.person_id).exists():
        raise ServiceError("无权取消该报名", code="forbidden")
    if signup.status in (SignUp.DONATED,):
        raise ServiceError("已献血的报名不能取消", "status")
    signup.status = SignUp.CANCELLED
    signup.save(update_fields=["status"])
    log_action(actor, "blood.signup.cancel", signup, {})
    return signup


def check_in(actor, drive: Drive, person: Person, *, at=None) -> SignUp:
    """The person arrives: they join the queue (a walk-in is signed up on the spot).
    Queue numbers are unique per drive; two desks checking in at once retry."""
    scoping.require_drive_staff(actor, drive)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                # One desk at a time hands out numbers for this drive (a short row lock).
                Drive.objects.select_for_update().filter(pk=drive.pk).first()
                signup = SignUp.objects.select_for_update().filter(drive=drive, person=person).first()
                if signup is None:
                    signup = sign_up(actor, drive, person, source="walk_in")
                if signup.queue_number:
                    return signup
                top = SignUp.objects.filter(drive=drive).aggregate(n=Max("queue_number"))["n"] or 0
                signup.queue_number = top + 1
                signup.arrived_at = at or timezone.now()
                signup.status = SignUp.ARRIVED
                signup.save(update_fields=["queue_number", "arrived_at", "status"])
                return signup
        except IntegrityError:
            continue
    raise ServiceError("签到繁忙，请重试", code="busy")


# --- screening ---------------------------------------------------------------------------

def _parse_answers(answers: dict | None, on: dt.date) -> tuple[bool, bool, list[tuple[str, dt.date]]]:
    """(feels_well, endurance_athlete, [(deferral kind, event date)]) from the questionnaire."""
    answers = dict(answers or {})
    feels_well = answers.pop("feels_well", True)
    athlete = answers.pop("endurance_athlete", False)
    if not isinstance(feels_well, bool) or not isinstance(athlete, bool):
        raise ServiceError("问卷回答须为是或否", "answers")
    events = []
    for key, value in answers.items():
        if key not in DEFERRAL_KINDS:
            raise ServiceError(f"未知的问卷项：{key}", f"answers.{key}")
        if value in (None, "", False):
            continue
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ServiceError(f"{DEFERRAL_KINDS[key][0]}的日期格式应为YYYY-MM-DD", f"answers.{key}")
        if not isinstance(value, dt.date):
            raise ServiceError(f"{DEFERRAL_KINDS[key][0]}须填写日期", f"answers.{key}")
        if value > on:
            raise ServiceError(f"{DEFERRAL_KINDS[key][0]}的日期不能晚于体检日期", f"answers.{key}")
        events.append((key, value))
    return feels_well, athlete, events


def donor_history(person: Person, before: dt.date | None = None) -> tuple[list[tuple[dt.date, str]], bool]:
    """Past valid donations as (date, kind), and whether any had an adverse reaction."""
    qs = Donation.objects.valid().filter(person=person)
    if before:
        qs = qs.filter(donated_on__lte=before)
    rows = list(qs.values_list("donated_on", "kind", "adverse_reaction"))
    return [(d, k) for d, k, _ in rows], any(a for _, _, a in rows)


def active_deferrals(person: Person, on: dt.date) -> list[tuple[dt.date, str, str]]:
    return [(d.until, d.kind, d.reason) for d in Deferral.objects.valid().filter(person=person, until__gt=on,
                                                                                  starts_on__lte=on)]


def screen_donor(actor, drive: Drive, person: Person, *, weight_kg=None, systolic=None, diastolic=None,
                 pulse=None, temperature_c=None, haemoglobin_g_l=None, answers: dict | None = None,
                 checks: dict | None = None, kind: str = WHOLE, on: dt.date | None = None) -> tuple[Screening, Decision]:
    """Check a donor against GB 18467 at the drive; saves the screening (encrypted) and any
    deferral the questionnaire reveals. Implausible input raises ServiceError, nothing saved."""
    scoping.require_drive_staff(actor, drive)
    if person.town_id != drive.town_id:
        raise ServiceError("人员不属于本镇", "person_id")
    on = _drive_day(drive, on)
    if kind not in (WHOLE, PLATELETS):
        raise ServiceError("献血类型不正确", "kind")
    values = check_plausible({"weight_kg": weight_kg, "systolic": systolic, "diastolic": diastolic, "pulse": pulse,
                              "temperature_c": temperature_c, "haemoglobin_g_l": haemoglobin_g_l})
    feels_well, athlete, events = _parse_answers(answers, on)
    checks = dict(checks or {})
    required = dict(drive.extra_check_labels())
    for code, value in checks.items():
        if code not in EXTRA_CHECKS:
            raise ServiceError(f"未知的现场检查项：{code}", f"checks.{code}")
        if not isinstance(value, bool):
            raise ServiceError(f"{EXTRA_CHECKS[code]}须为是或否", f"checks.{code}")
    history, adverse = donor_history(person, on)
    new_deferrals = []
    for code, event in events:
        period = deferral_period(code)
        if period is None:
            raise ServiceError(f"未知的暂缓类别：{code}", f"answers.{code}")
        until = add_period(event, *period)
        if until > on:
            new_deferrals.append((code, event, until))
    deferrals = active_deferrals(person, on) + [(u, c, DEFERRAL_KINDS[c][0]) for c, _e, u in new_deferrals]
    facts = Facts(on=on, birth_date=person.birth_date, sex=person.sex, endurance_athlete=athlete, kind=kind,
                  history=history, adverse_reaction=adverse, deferrals=deferrals, required_checks=required,
                  checks=checks, **values)
    decision = evaluate(facts)
    if not feels_well:
        from .eligibility import Reason

        decision.reasons.append(Reason("unwell", "自述身体不适", on + dt.timedelta(days=1)))
        decision.eligible = False
        if not decision.permanent:
            decision.eligible_on = max(r.until for r in decision.reasons if r.until is not None)
    measurements: dict[str, object] = {k: (str(v) if v is not None else None) for k, v in values.items()}
    measurements.update({"answers": {k: v.isoformat() for k, v in events}, "feels_well": feels_well,
                         "endurance_athlete": athlete, "checks": checks, "kind": kind})
    with transaction.atomic():
        screening = Screening.objects.create(
            drive=drive, person=person, screened_on=on, screened_at=timezone.now(), eligible=decision.eligible,
            eligible_on=decision.eligible_on, permanent=decision.permanent,
            measurements=json.dumps(measurements, ensure_ascii=False),
            reasons=json.dumps([r.as_dict() for r in decision.reasons], ensure_ascii=False),
            staff=actor if getattr(actor, "is_authenticated", False) else None)
        for code, event, until in new_deferrals:
            Deferral.objects.create(person=person, drive=drive, kind=code, reason=DEFERRAL_KINDS[code][0],
                                    starts_on=event, until=until,
                                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
        signup = SignUp.objects.filter(drive=drive, person=person).first()
        if signup and signup.status != SignUp.DONATED:
            signup.status = SignUp.SCREENED if decision.eligible else SignUp.DEFERRED
            signup.save(update_fields=["status"])
        # The log says a screening happened and its outcome, never the health values.
        log_action(actor, "blood.screening.create", screening,
                   {"drive": drive.pk, "person": person.pk, "eligible": decision.eligible})
    return screening, decision


@transaction.atomic
def record_deferral(actor, person: Person, *, kind: str, starts_on: dt.date, until: dt.date | None = None,
                    reason: str = "", drive: Drive | None = None) -> Deferral:
    """A deferral outside the questionnaire (e.g. told by the blood centre)."""
    if drive is not None:
        scoping.require_drive_staff(actor, drive)
    elif not scoping.is_blood_staff(actor):
        raise ServiceError("只有献血工作人员可以登记暂缓献血", code="forbidden")
    if kind not in DEFERRAL_KINDS and kind != "other":
        raise ServiceError("暂缓类别不正确", "kind")
    if until is None:
        if kind == "other":
            raise ServiceError("请填写暂缓至日期", "until")
        period = deferral_period(kind)
        if period is None:
            raise ServiceError("暂缓类别不正确", "kind")
        until = add_period(starts_on, *period)
    if until <= starts_on:
        raise ServiceError("暂缓至日期须晚于开始日期", "until")
    label = reason.strip() if reason and reason.strip() else DEFERRAL_KINDS.get(kind, ("其他",))[0]
    deferral = Deferral.objects.create(person=person, drive=drive, kind=kind, reason=label[:200],
                                       starts_on=starts_on, until=until,
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log_action(actor, "blood.deferral.create", deferral, {"person": person.pk, "until": until})
    return deferral


def view_screening(actor, screening: Screening) -> dict:
    """Screening details for drive staff only; every view is logged (PIPL art. 51)."""
    scoping.require_drive_staff(actor, screening.drive)
    log_action(actor, "blood.screening.view", screening, {"person": screening.person_id})
    return {
        "id": screening.pk, "person_id": screening.person_id, "drive_id": screening.drive_id,
        "screened_on": screening.screened_on, "eligible": screening.eligible,
        "eligible_on": screening.eligible_on, "permanent": screening.permanent,
        "measurements": screening.measurement_dict(), "reasons": screening.reason_list(),
        "voided": screening.voided_at is not None,
    }


@transaction.atomic
def void_screening(actor, screening: Screening, reason: str) -> Screening:
    scoping.require_drive_staff(actor, screening.drive)
    reason = _text(reason, "reason", "作废原因", max_length=200)
    if screening.voided_at:
        raise ServiceError("该体检记录已作废", "reason")
    screening.voided_at, screening.void_reason = timezone.now(), reason
    screening.save(update_fields=["voided_at", "void_reason"])
    log_action(actor, "blood.screening.void", screening, {"reason": reason})
    return screening


# --- donations ---------------------------------------------------------------------------

def units_for(volume_ml: int) -> Decimal:
    """1 U = 200 ml of whole blood: 300 ml = 1.5 U."""
    return (Decimal(volume_ml) / Decimal(rules()["ml_per_unit"])).quantize(Decimal("0.01"))


def _volume(volume_ml) -> int:
    allowed = rules()["volumes_ml"]
    try:
        volume = int(str(volume_ml).strip())
    except (TypeError, ValueError):
        raise ServiceError(f"献血量须为{'/'.join(map(str, allowed))}毫升", "volume_ml")
    if volume not in allowed:
        raise ServiceError(f"献血量{volume}毫升不允许，须为{'/'.join(map(str, allowed))}毫升", "volume_ml")
    return volume


def record_donation(actor, drive: Drive, person: Person, *, volume_ml, bag_number: str = "",
                    certificate_number: str = "", kind: str = WHOLE, on: dt.date | None = None) -> Donation:
    """Record blood given at the drive. Needs a passing screening that day for this drive.
    A repeat of the same donation (same day, volume, bag) returns the first one."""
    scoping.require_drive_staff(actor, drive)
    on = _drive_day(drive, on)
    if kind not in (WHOLE, PLATELETS):
        raise ServiceError("献血类型不正确", "kind")
    if kind == WHOLE:
        volume = _volume(volume_ml)
        units = units_for(volume)
    else:  # platelets are counted in therapeutic doses (治疗量), 1 or 2
        volume, units = 0, Decimal(str(volume_ml or 1))
        if units not in (Decimal(1), Decimal(2)):
            raise ServiceError("单采血小板须为1或2个治疗量", "volume_ml")
    bag_number = _text(bag_number, "bag_number", "血袋号", required=False, max_length=30)
    certificate_number = _text(certificate_number, "certificate_number", "献血证号", required=False, max_length=30)
    with transaction.atomic():
        # Lock the person's row so two desks cannot record the same donor twice at once.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        existing = Donation.objects.valid().filter(person=person, donated_on=on).first()
        if existing:
            if (existing.drive_id == drive.pk and existing.volume_ml == volume and existing.kind == kind
                    and existing.bag_number == bag_number):
                return existing
            raise ServiceError("该献血者今天已登记献血，不能重复登记", "person_id", code="duplicate")
        screening = (Screening.objects.valid().filter(drive=drive, person=person, screened_on=on)
                     .order_by("-screened_at", "-id").first())
        if screening is None:
            raise ServiceError("该献血者今天尚未在本次活动体检，不能登记献血", "person_id")
        if not screening.eligible:
            raise ServiceError("该献血者今天体检未通过，不能登记献血", "person_id")
        donation = Donation.objects.create(
            drive=drive, person=person, screening=screening, donated_on=on, kind=kind, volume_ml=volume,
            units=units, bag_number=bag_number, certificate_number=certificate_number,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        SignUp.objects.filter(drive=drive, person=person).update(status=SignUp.DONATED)
        log_action(actor, "blood.donation.create", donation,
                   {"drive": drive.pk, "person": person.pk, "volume_ml": volume, "units": units})
    return donation


@transaction.atomic
def record_past_donation(actor, person: Person, *, donated_on: dt.date, volume_ml, kind: str = WHOLE,
                         place: str = "", drive: Drive | None = None) -> Donation:
    """A donation made elsewhere or before Lehuo (献血屋, the blood centre), from the donor's
    certificate: it counts for intervals, recall and awards. Town admins only."""
    _require_town_admin(actor, person.town)
    if donated_on > timezone.localdate():
        raise ServiceError("献血日期不能晚于今天", "donated_on")
    if kind == WHOLE:
        volume = _volume(volume_ml)
        units = units_for(volume)
    elif kind == PLATELETS:
        volume, units = 0, Decimal(str(volume_ml or 1))
    else:
        raise ServiceError("献血类型不正确", "kind")
    donation = Donation.objects.create(person=person, drive=drive, donated_on=donated_on, kind=kind, volume_ml=volume,
                                       units=units, place=_text(place, "place", "献血地点", required=False),
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log_action(actor, "blood.donation.import", donation, {"person": person.pk, "volume_ml": volume})
    return donation


@transaction.atomic
def void_donation(actor, donation: Donation, reason: str) -> Donation:
    if donation.drive is not None:
        scoping.require_drive_staff(actor, donation.drive)
    else:
        _require_town_admin(actor, donation.person.town)
    reason = _text(reason, "reason", "作废原因", max_length=200)
    if donation.voided_at:
        raise ServiceError("该献血记录已作废", "reason")
    donation.voided_at, donation.void_reason = timezone.now(), reason
    donation.save(update_fields=["voided_at", "void_reason"])
    if donation.drive_id and not Donation.objects.valid().filter(drive=donation.drive, person=donation.person).exists():
        SignUp.objects.filter(drive=donation.drive, person=donation.person).update(status=SignUp.SCREENED)
    log_action(actor, "blood.donation.void", donation, {"reason": reason})
    return donation


@transaction.atomic
def record_adverse_reaction(actor, donation: Donation) -> Donation:
    """A reaction during or after donation: the donor then counts as first-time for the age limit."""
    if donation.drive is not None:
        scoping.require_drive_staff(actor, donation.drive)
    donation.adverse_reaction = True
    donation.save(update_fields=["adverse_reaction"])
    log_action(actor, "blood.donation.adverse_reaction", donation, {})
    return donation


# --- stem-cell registry ------------------------------------------------------------------

def _relatives(relatives) -> list[dict]:
    rows = [r for r in (relatives or []) if any(str(v or "").strip() for v in dict(r).values())]
    if len(rows) < 2:
        raise ServiceError("请填写两位亲属的联系方式", "relatives")
    out = []
    for i, row in enumerate(rows[:2]):
        row = dict(row)
        name = _text(row.get("name"), f"relatives.{i}.name", "亲属姓名", max_length=50)
        relation = _text(row.get("relation"), f"relatives.{i}.relation", "亲属关系", required=False, max_length=20)
        try:
            phone = normalise_phone(str(row.get("phone") or ""))
        except IdentityError as exc:
            raise ServiceError(str(exc), f"relatives.{i}.phone")
        out.append({"name": name, "relation": relation, "phone": phone})
    if out[0]["phone"] == out[1]["phone"]:
        raise ServiceError("两位亲属的电话不能相同", "relatives.1.phone")
    return out


@transaction.atomic
def sign_up_stem_cell(actor, drive: Drive, person: Person, *, consent: bool, relatives, sample_taken: bool = False,
                      on: dt.date | None = None) -> StemCellSignup:
    """A new volunteer for the marrow registry: 18-45, separate consent, two relatives."""
    scoping.require_drive_staff(actor, drive)
    on = _drive_day(drive, on)
    r = rules()
    age = person.age(on)
    if age is None:
        raise ServiceError("无出生日期，无法确认年龄", "person_id")
    if not r["stem_cell_min_age"] <= age <= r["stem_cell_max_age"]:
        raise ServiceError(f"造血干细胞捐献登记年龄须在{r['stem_cell_min_age']}-{r['stem_cell_max_age']}周岁（现年{age}岁）",
                           "person_id")
    if consent is not True:
        raise ServiceError("须本人签署知情同意书", "consent")
    if StemCellSignup.objects.valid().filter(person=person).exists():
        raise ServiceError("该志愿者已登记入库", "person_id", code="duplicate")
    contacts = _relatives(relatives)
    consent_row = record_consent(actor, person, STEM_CELL_PURPOSE, given_on=on)
    signup = StemCellSignup.objects.create(
        drive=drive, person=person, consent=consent_row, relatives=json.dumps(contacts, ensure_ascii=False),
        sample_taken=bool(sample_taken), signed_on=on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log_action(actor, "blood.stem_cell.create", signup, {"person": person.pk, "sample_taken": bool(sample_taken)})
    return signup


@transaction.atomic
def void_stem_cell_signup(actor, signup: StemCellSignup, reason: str) -> StemCellSignup:
    scoping.require_drive_staff(actor, signup.drive)
    reason = _text(reason, "reason", "作废原因", max_length=200)
    signup.voided_at, signup.void_reason = timezone.now(), reason
    signup.save(update_fields=["voided_at", "void_reason"])
    log_action(actor, "blood.stem_cell.void", signup, {"reason": reason})
    return signup


def staff_users(town):
    """Programme staff of the town (candidates for drive assignment)."""
    return get_user_model().objects.filter(memberships__town=town, memberships__role=PROGRAMME_STAFF).distinct()

