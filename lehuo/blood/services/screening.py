"""Health screening (体检) and deferrals: the rules of eligibility.py applied and recorded.

Audit rows leave out the health values themselves (they stay in the encrypted columns)."""

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lehuo.accounts.permissions import require, scope_q
from lehuo.blood import aggregates
from lehuo.blood.eligibility import (
    DEFERRAL_KINDS,
    PLATELETS,
    WHOLE,
    Decision,
    Facts,
    _reason,
    add_period,
    check_plausible,
    deferral_period,
    evaluate,
)
from lehuo.blood.models import EXTRA_CHECKS, Deferral, Donation, Drive, Screening, SignUp
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from ._common import _drive_day, _text


def _parse_answers(answers: dict | None, on: dt.date) -> tuple[bool, bool, list[tuple[str, dt.date]]]:
    """(feels_well, endurance_athlete, [(deferral kind, event date)]) from the questionnaire."""
    answers = dict(answers or {})
    feels_well = answers.pop("feels_well", True)
    athlete = answers.pop("endurance_athlete", False)
    if not isinstance(feels_well, bool) or not isinstance(athlete, bool):
        raise ServiceError(_("问卷回答须为是或否"), "answers")
    events = []
    for key, value in answers.items():
        if key not in DEFERRAL_KINDS:
            raise ServiceError(_("未知的问卷项：%(key)s") % {"key": key}, f"answers.{key}")
        if value in (None, "", False):
            continue
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ServiceError(_("%(item)s的日期格式应为YYYY-MM-DD") % {"item": DEFERRAL_KINDS[key][0]},
                                   f"answers.{key}")
        if not isinstance(value, dt.date):
            raise ServiceError(_("%(item)s须填写日期") % {"item": DEFERRAL_KINDS[key][0]}, f"answers.{key}")
        if value > on:
            raise ServiceError(_("%(item)s的日期不能晚于体检日期") % {"item": DEFERRAL_KINDS[key][0]}, f"answers.{key}")
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
    require(actor, "blood.drive.run", drive)
    if person.town_id != drive.town_id:
        raise ServiceError(_("人员不属于本镇"), "person_id")
    on = _drive_day(drive, on)
    if kind not in (WHOLE, PLATELETS):
        raise ServiceError(_("献血类型不正确"), "kind")
    values = check_plausible({"weight_kg": weight_kg, "systolic": systolic, "diastolic": diastolic, "pulse": pulse,
                              "temperature_c": temperature_c, "haemoglobin_g_l": haemoglobin_g_l})
    feels_well, athlete, events = _parse_answers(answers, on)
    checks = dict(checks or {})
    required = dict(drive.extra_check_labels())
    for code, value in checks.items():
        if code not in EXTRA_CHECKS:
            raise ServiceError(_("未知的现场检查项：%(code)s") % {"code": code}, f"checks.{code}")
        if not isinstance(value, bool):
            raise ServiceError(_("%(check)s须为是或否") % {"check": EXTRA_CHECKS[code]}, f"checks.{code}")
    history, adverse = donor_history(person, on)
    new_deferrals = []
    for code, event in events:
        period = deferral_period(code)
        if period is None:
            raise ServiceError(_("未知的暂缓类别：%(code)s") % {"code": code}, f"answers.{code}")
        until = add_period(event, *period)
        if until > on:
            new_deferrals.append((code, event, until))
    deferrals = active_deferrals(person, on) + [(u, c, str(DEFERRAL_KINDS[c][0])) for c, _e, u in new_deferrals]
    facts = Facts(on=on, birth_date=person.birth_date, sex=person.sex, endurance_athlete=athlete, kind=kind,
                  history=history, adverse_reaction=adverse, deferrals=deferrals, required_checks=required,
                  checks=checks, **values)
    decision = evaluate(facts)
    if not feels_well:
        decision.reasons.append(_reason("unwell", gettext_noop("自述身体不适"), {}, on + dt.timedelta(days=1)))
        decision.eligible = False
        if not decision.permanent:
            decision.eligible_on = max(r.until for r in decision.reasons if r.until is not None)
    measurements: dict[str, object] = {k: (str(v) if v is not None else None) for k, v in values.items()}
    measurements.update({"answers": {k: v.isoformat() for k, v in events}, "feels_well": feels_well,
                         "endurance_athlete": athlete, "checks": checks, "kind": kind})
    with transaction.atomic():
        aggregates.lock_person(person.pk)
        screening = Screening.objects.create(
            drive=drive, person=person, screened_on=on, screened_at=timezone.now(), eligible=decision.eligible,
            eligible_on=decision.eligible_on, permanent=decision.permanent,
            measurements=json.dumps(measurements, ensure_ascii=False),
            reasons=json.dumps([r.as_dict() for r in decision.reasons], ensure_ascii=False),
            staff=actor if getattr(actor, "is_authenticated", False) else None)
        for code, event, until in new_deferrals:
            Deferral.objects.create(person=person, drive=drive, kind=code, reason=str(DEFERRAL_KINDS[code][0]),
                                    starts_on=event, until=until,
                                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
        signup = SignUp.objects.filter(drive=drive, person=person).first()
        if signup and signup.status != SignUp.DONATED:
            signup.status = SignUp.SCREENED if decision.eligible else SignUp.DEFERRED
            signup.save(update_fields=["status"])
        aggregates.refresh(drive.pk, person.pk)
        # The log says a screening happened and its outcome, never the health values.
        log_action(actor, "blood.screening.create", screening,
                   {"drive": drive.pk, "person": person.pk, "eligible": decision.eligible})
    return screening, decision


@transaction.atomic
def record_deferral(actor, person: Person, *, kind: str, starts_on: dt.date, until: dt.date | None = None,
                    reason: str = "", drive: Drive | None = None) -> Deferral:
    """A deferral outside the questionnaire (e.g. told by the blood centre)."""
    if drive is None:
        # Told by the blood centre: recorded by the staff of one of the town's drives.
        drive = Drive.objects.filter(scope_q(actor, "blood.drive.run"), town=person.town).order_by("-date").first()
        if drive is None:
            require(actor, "blood.drive.create", person.town)  # town admins of a town with no drive yet
    if drive is not None:
        require(actor, "blood.drive.run", drive)
    if kind not in DEFERRAL_KINDS and kind != "other":
        raise ServiceError(_("暂缓类别不正确"), "kind")
    if until is None:
        if kind == "other":
            raise ServiceError(_("请填写暂缓至日期"), "until")
        period = deferral_period(kind)
        if period is None:
            raise ServiceError(_("暂缓类别不正确"), "kind")
        until = add_period(starts_on, *period)
    if until <= starts_on:
        raise ServiceError(_("暂缓至日期须晚于开始日期"), "until")
    label = reason.strip() if reason and reason.strip() else str(DEFERRAL_KINDS[kind][0] if kind in DEFERRAL_KINDS else _("其他"))
    deferral = Deferral.objects.create(person=person, drive=drive, kind=kind, reason=label[:200],
                                       starts_on=starts_on, until=until,
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log_action(actor, "blood.deferral.create", deferral, {"person": person.pk, "until": until})
    return deferral


def view_screening(actor, screening: Screening) -> dict:
    """Screening details for drive staff only; every view is logged (PIPL art. 51)."""
    require(actor, "blood.screening.view", screening)
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
    require(actor, "blood.screening.void", screening)
    aggregates.lock_person(screening.person_id)
    reason = _text(reason, "reason", _("作废原因"), max_length=200)
    if screening.voided_at:
        raise ServiceError(_("该体检记录已作废"), "reason")
    screening.voided_at, screening.void_reason = timezone.now(), reason
    screening.save(update_fields=["voided_at", "void_reason"])
    aggregates.refresh(screening.drive_id, screening.person_id)
    log_action(actor, "blood.screening.void", screening, {"reason": reason})
    return screening
