"""The one eligibility engine for blood donation (GB 18467-2011, 献血法; docs/domain.md).

Pure functions, no database: ``evaluate(facts)`` returns every failing reason (not just
the first) and the date the person becomes eligible. Every limit comes from
``settings.LEHUO_RULES["blood"]`` so a revised law is a settings change.

Input plausibility (a weight of 500 kg is a typing error, not a deferral) is checked
separately by ``check_plausible``, which raises ``ServiceError`` naming the field.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from lehuo.lib.identity import age_at
from lehuo.platform.errors import ServiceError

WHOLE, PLATELETS = "whole", "platelets"

# Temporary deferrals from the questionnaire (docs/domain.md, "Blood donation"): kind -> (label, period).
# A period is ("days"|"weeks"|"months", n); settings may override with "deferral_periods".
DEFERRAL_KINDS = {
    "cold": (gettext_lazy("感冒"), ("weeks", 1)),
    "tooth_extraction": (gettext_lazy("拔牙"), ("days", 15)),
    "major_surgery": (gettext_lazy("大手术"), ("months", 6)),
    "tattoo": (gettext_lazy("纹身"), ("months", 12)),
    "pregnancy": (gettext_lazy("妊娠（终止后）"), ("months", 6)),
    "childbirth": (gettext_lazy("分娩或哺乳期"), ("months", 12)),
}

# Plausible ranges for typed measurements: outside them the value is an input error.
PLAUSIBLE = {
    "weight_kg": (Decimal("20"), Decimal("300"), gettext_lazy("体重"), gettext_lazy("公斤")),
    "systolic": (Decimal("50"), Decimal("260"), gettext_lazy("收缩压"), "mmHg"),
    "diastolic": (Decimal("30"), Decimal("160"), gettext_lazy("舒张压"), "mmHg"),
    "pulse": (Decimal("20"), Decimal("250"), gettext_lazy("脉搏"), gettext_lazy("次/分")),
    "temperature_c": (Decimal("34"), Decimal("42"), gettext_lazy("体温"), "℃"),  # not-ui: the degree Celsius sign
    "haemoglobin_g_l": (Decimal("30"), Decimal("250"), gettext_lazy("血红蛋白"), "g/L"),
}


def rules() -> dict:
    return settings.LEHUO_RULES["blood"]


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar-month arithmetic: 2021-08-31 + 6 months = 2022-02-28 (day clamped)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_period(day: dt.date, unit: str, n: int) -> dt.date:
    if unit == "months":
        return add_months(day, n)
    if unit == "weeks":
        return day + dt.timedelta(weeks=n)
    return day + dt.timedelta(days=n)


def deferral_period(kind: str) -> tuple[str, int] | None:
    overrides = rules().get("deferral_periods", {})
    if kind in overrides:
        return tuple(overrides[kind])
    entry = DEFERRAL_KINDS.get(kind)
    return entry[1] if entry else None


def to_decimal(value, field_name: str, label: str) -> Decimal | None:
    """A typed number (str, int, Decimal) or None for empty; ServiceError if not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_("%(label)s必须是数字") % {"label": label}, field_name)
    if not number.is_finite():
        raise ServiceError(_("%(label)s必须是数字") % {"label": label}, field_name)
    return number


def check_plausible(values: dict) -> dict:
    """Convert and range-check measurements; required ones must be present."""
    out = {}
    for name, (low, high, label, unit) in PLAUSIBLE.items():
        number = to_decimal(values.get(name), name, label)
        if number is None:
            if name != "haemoglobin_g_l":
                raise ServiceError(_("请填写%(label)s") % {"label": label}, name)
            out[name] = None
            continue
        if not low <= number <= high:
            raise ServiceError(_("%(label)s%(value)s%(unit)s不在合理范围（%(low)s-%(high)s%(unit)s），请核对") % {
                "label": label, "value": number, "unit": unit, "low": low, "high": high}, name)
        out[name] = number
    return out


@dataclass(frozen=True)
class Reason:
    code: str
    message: str  # in the language active when it was decided
    until: dt.date | None  # first day this no longer applies; None: permanent
    msgid: str = ""  # the untranslated message and its parameters: read again in the reader's language
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"code": self.code, "message": self.message, "until": self.until.isoformat() if self.until else None}
        if self.msgid:
            out.update(msgid=self.msgid, params=self.params)
        return out


def _plain(value):
    """A parameter as JSON keeps it: dates as ISO text, numbers and labels as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, str)):
        return value
    return _fmt(value) if isinstance(value, Decimal) else str(value)


def _reason(code: str, msgid: str, params: dict, until: dt.date | None) -> Reason:
    params = {k: _plain(v) for k, v in params.items()}
    return Reason(code, _(msgid) % params, until, msgid, params)


def _same_label(text: str, label) -> bool:
    """Whether ``text`` is ``label`` in one of the site's languages (a label saved in another)."""
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            if text == str(label):
                return True
    return False


def localise(reason: dict, checks: dict | None = None) -> dict:
    """A saved reason (``Reason.as_dict``) with its message in the reader's language: the message
    id and parameters are read again, and a deferral's or check's label is translated too.
    Reasons saved before messages were translatable keep their saved text."""
    shown = {k: v for k, v in reason.items() if k not in ("msgid", "params")}
    msgid, params = reason.get("msgid"), dict(reason.get("params") or {})
    if not msgid:
        return shown
    code = reason.get("code", "")
    if code.startswith("check_") and checks and code[6:] in checks:
        params["check"] = checks[code[6:]]
    kind = DEFERRAL_KINDS.get(code[9:]) if code.startswith("deferral_") else None
    if kind and isinstance(params.get("reason"), str) and _same_label(params["reason"], kind[0]):
        params["reason"] = kind[0]
    try:
        message = _(msgid) % params
    except (KeyError, TypeError, ValueError):
        return shown
    return {**shown, "message": message}


@dataclass
class Facts:
    on: dt.date
    birth_date: dt.date | None
    sex: str  # "M" / "F"
    weight_kg: Decimal | None = None
    systolic: Decimal | None = None
    diastolic: Decimal | None = None
    pulse: Decimal | None = None
    temperature_c: Decimal | None = None
    haemoglobin_g_l: Decimal | None = None
    endurance_athlete: bool = False
    kind: str = WHOLE  # what the person is about to give
    history: list[tuple[dt.date, str]] = field(default_factory=list)  # past (date, kind), not voided
    adverse_reaction: bool = False  # any past donation with a recorded adverse reaction
    deferrals: list[tuple[dt.date, str, str]] = field(default_factory=list)  # (until, code, message)
    required_checks: dict[str, str] = field(default_factory=dict)  # code -> label
    checks: dict[str, bool] = field(default_factory=dict)
    measured: bool = True  # False: only history/age/deferrals (the recall list)


@dataclass
class Decision:
    eligible: bool
    reasons: list[Reason]
    eligible_on: dt.date | None
    permanent: bool = False

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def _fmt(n: Decimal | None) -> str:
    if n is None:
        return ""
    return f"{n.normalize():f}" if n == n.to_integral() else f"{n:f}"


def evaluate(facts: Facts) -> Decision:
    r = rules()
    on = facts.on
    next_day = on + dt.timedelta(days=1)
    reasons: list[Reason] = []
    add = reasons.append
    past = sorted(d for d in facts.history if d[0] <= on)
    is_repeat = bool(past) and not facts.adverse_reaction

    # Age at the drive date.
    if facts.birth_date is None:
        add(_reason("age_unknown", gettext_noop("无出生日期，无法确认年龄（请登记身份证号码）"), {}, next_day))
    else:
        age = age_at(facts.birth_date, on)
        max_age = r["max_age_repeat"] if is_repeat else r["max_age_first_time"]
        if age < r["min_age"]:
            birthday = facts.birth_date
            try:
                adult = birthday.replace(year=birthday.year + r["min_age"])
            except ValueError:  # born on 29 February
                adult = dt.date(birthday.year + r["min_age"], 3, 1)
            add(_reason("age_too_young", gettext_noop("年龄%(age)s岁，未满%(min)s周岁"), {"age": age, "min": r["min_age"]}, adult))
        elif age > max_age:
            if is_repeat:
                msg = gettext_noop("年龄%(age)s岁，超过再次献血者上限%(max)s周岁")
            elif past:
                msg = gettext_noop("年龄%(age)s岁，曾有献血不良反应，按首次献血者上限%(max)s周岁")
            else:
                msg = gettext_noop("年龄%(age)s岁，超过首次献血者上限%(max)s周岁")
            add(_reason("age_too_old", msg, {"age": age, "max": max_age}, None))

    if facts.measured:
        _measurements(facts, r, add, next_day)

    # Intervals since past donations (calendar months / weeks).
    last_whole = max((d for d, k in past if k == WHOLE), default=None)
    platelet_dates = [d for d, k in past if k == PLATELETS]
    last_platelets = max(platelet_dates, default=None)
    if facts.kind == WHOLE:
        if last_whole:
            nxt = add_months(last_whole, r["whole_blood_interval_months"])
            if on < nxt:
                add(_reason("interval_whole", gettext_noop("距上次献全血（%(date)s）不足%(n)s个月"), {
                    "date": last_whole, "n": r["whole_blood_interval_months"]}, nxt))
        if last_platelets:
            nxt = last_platelets + dt.timedelta(weeks=r["platelet_to_whole_weeks"])
            if on < nxt:
                add(_reason("interval_platelets_to_whole", gettext_noop("距上次捐献血小板（%(date)s）不足%(n)s周"), {
                               "date": last_platelets, "n": r["platelet_to_whole_weeks"]}, nxt))
    else:
        if last_platelets:
            nxt = last_platelets + dt.timedelta(weeks=r["platelet_interval_weeks"])
            if on < nxt:
                add(_reason("interval_platelets", gettext_noop("距上次捐献血小板（%(date)s）不足%(n)s周"), {
                    "date": last_platelets, "n": r["platelet_interval_weeks"]}, nxt))
        if last_whole:
            nxt = add_months(last_whole, r["whole_to_platelet_months"])
            if on < nxt:
                add(_reason("interval_whole_to_platelets", gettext_noop("距上次献全血（%(date)s）不足%(n)s个月"), {
                               "date": last_whole, "n": r["whole_to_platelet_months"]}, nxt))
        in_year = sorted(d for d in platelet_dates if add_months(d, 12) > on)
        cap = r["platelet_max_per_year"]
        if len(in_year) >= cap:
            add(_reason("platelets_per_year", gettext_noop("近12个月已捐献血小板%(n)s次，达到上限%(cap)s次"), {"n": len(in_year), "cap": cap},
                       add_months(in_year[len(in_year) - cap], 12)))

    # Active deferrals (recorded earlier or from today's questionnaire).
    for until, code, message in facts.deferrals:
        if until > on:
            if code in DEFERRAL_KINDS and _same_label(message, DEFERRAL_KINDS[code][0]):
                message = DEFERRAL_KINDS[code][0]  # a saved label, in the reader's language
            add(_reason(f"deferral_{code}" if code else "deferral", gettext_noop("暂缓献血：%(reason)s（至%(date)s）"),
                         {"reason": message, "date": until}, until))

    permanent = any(x.until is None for x in reasons)
    if not reasons:
        return Decision(True, [], on)
    eligible_on = None if permanent else max(x.until for x in reasons)
    return Decision(False, reasons, eligible_on, permanent)


def _measurements(facts: Facts, r: dict, add, next_day: dt.date) -> None:
    male = facts.sex == "M"
    if facts.weight_kg is not None:
        limit = r["min_weight_kg_male"] if male else r["min_weight_kg_female"]
        if facts.weight_kg < limit:
            msg = gettext_noop("体重%(value)s公斤，男性须≥%(min)s公斤") if male else gettext_noop("体重%(value)s公斤，女性须≥%(min)s公斤")
            add(_reason("weight_low", msg, {"value": _fmt(facts.weight_kg), "min": limit}, next_day))
    sys_, dia = facts.systolic, facts.diastolic
    if sys_ is not None and not r["systolic_min"] <= sys_ < r["systolic_max_exclusive"]:
        add(_reason("systolic", gettext_noop("收缩压%(value)smmHg，须≥%(min)s且<%(max)s"), {
            "value": _fmt(sys_), "min": r["systolic_min"], "max": r["systolic_max_exclusive"]}, next_day))
    if dia is not None and not r["diastolic_min"] <= dia < r["diastolic_max_exclusive"]:
        add(_reason("diastolic", gettext_noop("舒张压%(value)smmHg，须≥%(min)s且<%(max)s"), {
            "value": _fmt(dia), "min": r["diastolic_min"], "max": r["diastolic_max_exclusive"]}, next_day))
    if sys_ is not None and dia is not None and sys_ - dia < r["pulse_pressure_min"]:
        add(_reason("pulse_pressure", gettext_noop("脉压差%(value)smmHg，须≥%(min)s"), {
            "value": _fmt(sys_ - dia), "min": r["pulse_pressure_min"]}, next_day))
    if facts.pulse is not None:
        low = r["pulse_min_athlete"] if facts.endurance_athlete else r["pulse_min"]
        if not low <= facts.pulse <= r["pulse_max"]:
            add(_reason("pulse", gettext_noop("脉搏%(value)s次/分，须在%(min)s-%(max)s之间"), {
                "value": _fmt(facts.pulse), "min": low, "max": r["pulse_max"]}, next_day))
    if facts.temperature_c is not None:
        limit = Decimal(str(r["temperature_max_c"]))
        if facts.temperature_c > limit:
            add(_reason("temperature", gettext_noop("体温%(value)s℃，须≤%(max)s℃"), {
                "value": _fmt(facts.temperature_c), "max": _fmt(limit)}, next_day))
    if facts.haemoglobin_g_l is not None:
        limit = r["haemoglobin_min_male"] if male else r["haemoglobin_min_female"]
        if facts.haemoglobin_g_l < limit:
            msg = (gettext_noop("血红蛋白%(value)sg/L，男性须≥%(min)sg/L") if male
                   else gettext_noop("血红蛋白%(value)sg/L，女性须≥%(min)sg/L"))
            add(_reason("haemoglobin", msg, {"value": _fmt(facts.haemoglobin_g_l), "min": limit}, next_day))
    for code, label in facts.required_checks.items():
        if not facts.checks.get(code):
            add(_reason(f"check_{code}", gettext_noop("现场检查未通过：%(check)s"), {"check": label}, next_day))
