"""Children and their guardians: who speaks for a child in day-care, and how a child is added.

- Staff of the register (town admins, social workers of the neighbourhood) link a child to a
  guardian directly (``register_child``).
- A guardian adds a child (``add_child``). Without an ID number a new child is registered and
  linked to them. With an ID number the request waits for the register's staff
  (``ChildClaim``): nothing is linked and the answer is the same whether or not the number is
  on the register, so a guardian never learns who a number belongs to nor sees an existing
  child's record before staff confirm (``decide_claim``). A guardian's own, already linked
  child is updated at once.
- Staff of a site enrolling for a parent (a walk-in, a paper form) register the guardian and
  the child they are told about (``register_walk_in``). A guardian is matched on the register
  only by the same phone *and* name; nothing of an existing record is copied or shown, and
  the staff member's scope does not grow (scope comes from assignments only).
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import actor_of, forget, require, scope_q
from lehuo.lib.identity import IdentityError, age_at, normalise_phone, parse_id_number
from lehuo.people import services as people
from lehuo.people.models import GuardianLink, Person
from lehuo.people.validation import PersonRules, clean_name
from lehuo.platform.audit import log_action
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import ErrorList, NotFound, ServiceError
from lehuo.platform.validation import clean_text

from ..models import Child, ChildClaim, Offering

CONSENT_PURPOSE = "daycare"
GRADES = range(1, 6)  # Shanghai primary school: grades 1-5


def rules() -> dict:
    return settings.LEHUO_RULES["daycare"]


# --- the rules of a child's fields ----------------------------------------------------------

def check_grade(grade) -> int:
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        raise ServiceError(_("请选择年级"), "grade")
    if grade not in GRADES:
        raise ServiceError(_("暑托班只接收小学1-5年级的学生"), "grade")
    return grade


def registration_day() -> dt.date:
    """The day a guardian's form checks a child's age on."""
    return timezone.localdate()


def age_limits() -> tuple[int, int]:
    return rules()["min_age"], rules()["max_age"]


def birth_date_range(on: dt.date) -> tuple[dt.date, dt.date]:
    """The earliest and latest birth dates of a child the programme takes on ``on``."""
    low, high = age_limits()
    latest = on.replace(year=on.year - low) if not (on.month == 2 and on.day == 29) else dt.date(on.year - low, 2, 28)
    earliest = dt.date(on.year - high - 1, on.month, min(on.day, 28)) + dt.timedelta(days=1)
    return earliest, latest


def check_age(birth_date: dt.date | None, on: dt.date, field: str = "birth_date") -> None:
    if birth_date is None:
        raise ServiceError(_("请填写儿童的证件号码或出生日期"), field)
    age = age_at(birth_date, on)
    low, high = age_limits()
    if not low <= age <= high:
        raise ServiceError(_("暑托班只接收小学在读儿童（%(low)s-%(high)s周岁），该儿童%(age)s周岁")
                           % {"low": low, "high": high, "age": age}, field)


HEALTH_FIELDS = ("emergency_name", "emergency_phone", "allergies", "medicines")


def _check_health(errors: ErrorList, values: dict) -> dict:
    """The emergency contact and health notes (all optional)."""
    out = {"emergency_name": errors.check(clean_text, values.get("emergency_name"), "emergency_name",
                                          _("紧急联系人"), max_length=50, required=False) or "",
           "allergies": errors.check(clean_text, values.get("allergies"), "allergies", _("过敏"),
                                     max_length=200, required=False) or "",
           "medicines": errors.check(clean_text, values.get("medicines"), "medicines", _("用药"),
                                     max_length=200, required=False) or "",
           "emergency_phone": ""}
    phone = (values.get("emergency_phone") or "").strip()
    if phone:
        try:
            out["emergency_phone"] = normalise_phone(phone)
        except IdentityError as exc:
            errors.add("emergency_phone", str(exc))
    return out


def _check_child(errors: ErrorList, *, name, school, grade, id_number, birth_date, relation, consent,
                 on: dt.date, **health) -> dict:
    """Every field of a child's form checked, every refusal kept in ``errors``."""
    unknown = set(health) - set(HEALTH_FIELDS)
    if unknown:
        raise TypeError(f"unknown child fields {sorted(unknown)}")
    name = errors.check(clean_name, name, "name", _("儿童姓名"))
    school = (school or "").strip()
    if not school:
        errors.add("school", _("请填写就读学校"))
    elif len(school) > 100:
        errors.add("school", _("学校名称不能超过100个字"))
    grade = errors.check(check_grade, grade)
    if relation not in dict(GuardianLink.RELATIONS):
        errors.add("relation", _("请选择与儿童的关系"))
    if not consent:
        errors.add("consent", _("须监护人同意暑托班使用儿童的个人信息"))
    sex = ""
    id_number = (id_number or "").strip()
    if id_number:
        try:
            parsed = parse_id_number(id_number)
        except IdentityError as exc:
            errors.add("id_number", str(exc))
        else:
            id_number, birth_date, sex = parsed.number, parsed.birth_date or birth_date, parsed.sex or ""
    if not errors.has("id_number"):
        errors.check(check_age, birth_date, on, "id_number" if id_number else "birth_date")
    return {"name": name, "school": school, "grade": grade, "id_number": id_number, "birth_date": birth_date,
            "sex": sex, "relation": relation, **_check_health(errors, health)}


def _guardian_phone(errors: ErrorList, actor, guardian: Person, phone: str | None, *, checked_by: str) -> None:
    """The phone a waiting-list notice goes to: the guardian's own (filled in here if missing)."""
    phone = (phone or "").strip()
    if phone and phone != guardian.phone:
        try:
            changes = PersonRules(actor, guardian.town).check({"phone": phone}, person=guardian)
        except ServiceError as exc:
            errors.add("guardian_phone", exc.message)
            return
        if not errors:
            people.update_person(actor, guardian, phone=changes["phone"], checked_by=checked_by)
    elif not guardian.phone:
        errors.add("guardian_phone", _("请填写监护人手机号（候补转正时短信通知）"))


# --- the guardian's own ---------------------------------------------------------------------

def guardian_for(actor) -> Person:
    """The resident's own register record (403 for an account without one)."""
    require(actor, "daycare.own.view")
    person = (Person.objects.filter(account_id=actor.pk, erased_at__isnull=True)
              .select_related("town", "neighbourhood").first())
    if person is None:
        raise NotFound(_("您的账号尚未关联居民信息，请联系居委会"))
    return person


def children_of(actor):
    """The children the actor speaks for (confirmed guardian links only)."""
    return (Child.objects.filter(scope_q(actor, "daycare.own.view", Child)).select_related("person")
            .order_by("person__birth_date", "pk"))


def eligible_children(actor, on: dt.date | None) -> list[Child]:
    """The actor's children the programme takes on ``on`` (age and grade): the only ones a
    form offers."""
    low, high = age_limits()
    out = []
    for c in children_of(actor):
        if c.grade not in GRADES or c.person.birth_date is None:
            continue
        if on is None or low <= age_at(c.person.birth_date, on) <= high:
            out.append(c)
    return out


def claims_of(actor):
    """The guardian's requests still waiting for staff (what they typed, nothing else)."""
    require(actor, "daycare.own.view")
    return ChildClaim.objects.filter(guardian__account_id=actor.pk, status=ChildClaim.PENDING).order_by("created_at")


@transaction.atomic
def add_child(actor, *, name: str, school: str, grade, id_number: str = "", birth_date: dt.date | None = None,
              relation: str = "other", consent: bool = False, guardian_phone: str | None = None,
              on: dt.date | None = None, **health) -> Child | ChildClaim:
    """A guardian adds a child: a ``Child`` linked at once (no ID number, or their own child
    already), or a pending ``ChildClaim`` (an ID number: the same answer whatever it is)."""
    require(actor, "daycare.own.register")
    guardian = guardian_for(actor)
    on = on or timezone.localdate()
    errors = ErrorList()
    _guardian_phone(errors, actor, guardian, guardian_phone, checked_by="daycare.own.register")
    d = _check_child(errors, name=name, school=school, grade=grade, id_number=id_number, birth_date=birth_date,
                     relation=relation, consent=consent, on=on, **health)
    errors.raise_if_any()
    if d["id_number"]:
        found = people.find_person_by_id_number(guardian.town, d["id_number"])
        if found is not None and found.pk in actor_of(actor).persons:
            return _link(actor, guardian, found, d, on)  # their own child, already linked
        claim = ChildClaim.objects.create(
            guardian=guardian, person=found, name=d["name"], id_number=d["id_number"], birth_date=d["birth_date"],
            sex=d["sex"], school=d["school"], grade=d["grade"], relation=d["relation"], consent_on=on,
            **{f: d[f] for f in HEALTH_FIELDS})
        log_action(actor, "daycare.claim.create", claim, {"guardian": guardian.pk})
        return claim
    return _link(actor, guardian, None, d, on)


@transaction.atomic
def register_child(actor, guardian: Person, *, name: str, school: str, grade, id_number: str = "",
                   birth_date: dt.date | None = None, relation: str = "other", consent: bool = False,
                   on: dt.date | None = None, **health) -> Child:
    """The register's staff link a child (found by ID number, or new) to ``guardian``, with the
    guardian's consent to the day-care use of the child's data (PIPL art. 31)."""
    require(actor, "daycare.child.register", guardian)
    on = on or timezone.localdate()
    errors = ErrorList()
    if not guardian.phone:
        errors.add("guardian_phone", _("请填写监护人手机号（候补转正时短信通知）"))
    d = _check_child(errors, name=name, school=school, grade=grade, id_number=id_number, birth_date=birth_date,
                     relation=relation, consent=consent, on=on, **health)
    errors.raise_if_any()
    person = people.find_person_by_id_number(guardian.town, d["id_number"]) if d["id_number"] else None
    if person is not None and person.guardian_links.exclude(guardian=guardian).exists() \
            and not person.guardian_links.filter(guardian=guardian).exists():
        raise ServiceError(_("该儿童已由其他监护人登记，请联系居委会核实"), "id_number")
    return _link(actor, guardian, person, d, on)


def _link(actor, guardian: Person, person: Person | None, d: dict, on: dt.date, *, address: bool = True) -> Child:
    """Link ``person`` (or a new child of the register) to ``guardian``, with the day-care
    record and the guardian's consent. The caller has checked the actor and the fields."""
    if person is None:
        person = people.create_person(
            actor, guardian.town, checked_by="daycare.child.register", name=d["name"], id_number=d["id_number"],
            birth_date=d["birth_date"], sex=d["sex"], neighbourhood=guardian.neighbourhood,
            address=guardian.address if address else "")
    people.link_guardian(actor, person, guardian, d["relation"], checked_by="daycare.child.register")
    forget(actor)  # the actor's own children may have changed (a guardian adding theirs)
    health = {f: d[f] for f in HEALTH_FIELDS if d.get(f)}
    child, created = Child.objects.update_or_create(person=person, defaults={"school": d["school"], "grade": d["grade"],
                                                                             **health})
    if not people.has_consent(person, CONSENT_PURPOSE):
        people.record_consent(actor, person, CONSENT_PURPOSE, guardian=guardian, given_on=on,
                              checked_by="daycare.child.register")
    log_action(actor, "daycare.child.register" if created else "daycare.child.update", child,
               {"person": person.pk, "guardian": guardian.pk, "school": d["school"], "grade": d["grade"],
                "health_notes": sorted(health)})  # which notes were written, not what they say
    return child


# --- claims: the register's staff confirm -----------------------------------------------------

def health_notes(actor, enrolment) -> dict | None:
    """A child's emergency contact and health notes for those who may read them (the site's
    staff, the family); None for anyone else. Staff reads are audited."""
    from lehuo.accounts.permissions import may

    if not may(actor, "daycare.child.health", enrolment):
        return None
    child = enrolment.child
    return {f: getattr(child, f) for f in HEALTH_FIELDS}


def log_health_read(actor, offering, children: list[int]) -> None:
    """One audit row for a page that showed health notes (which children's)."""
    if children:
        log_action(actor, "daycare.health.view", offering, {"children": children})


def claims_for(actor):
    """Pending claims the actor may decide (403 for roles that may not)."""
    require(actor, "daycare.claim.decide")
    return (ChildClaim.objects.filter(scope_q(actor, "daycare.claim.decide", ChildClaim), status=ChildClaim.PENDING)
            .select_related("guardian", "person").order_by("created_at", "pk"))


@transaction.atomic
def decide_claim(actor, pk, *, confirm: bool) -> ChildClaim:
    """Confirm (link the child, registering it if the number is new) or reject a claim."""
    try:
        claim = (ChildClaim.objects.select_for_update(of=("self",))
                 .select_related("guardian__town", "guardian__neighbourhood")
                 .filter(scope_q(actor, "daycare.claim.decide", ChildClaim)).get(pk=pk))
    except (ChildClaim.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    require(actor, "daycare.claim.decide", claim)
    if claim.status != ChildClaim.PENDING:
        raise ServiceError(_("该申请已处理"), "status")
    claim.status = ChildClaim.CONFIRMED if confirm else ChildClaim.REJECTED
    claim.decided_at, claim.decided_by = timezone.now(), actor if getattr(actor, "is_authenticated", False) else None
    if confirm:
        person = claim.person or people.find_person_by_id_number(claim.guardian.town, claim.id_number)
        d = {"name": claim.name, "id_number": claim.id_number, "birth_date": claim.birth_date, "sex": claim.sex,
             "school": claim.school, "grade": claim.grade, "relation": claim.relation,
             **{f: getattr(claim, f) for f in HEALTH_FIELDS}}
        claim.child = _link(actor, claim.guardian, person, d, claim.consent_on)
    claim.save()
    log_action(actor, "daycare.claim.confirm" if confirm else "daycare.claim.reject", claim,
               {"guardian": claim.guardian_id, "person": claim.child.person_id if claim.child else None})
    return claim


# --- staff enrolling for a parent ------------------------------------------------------------------

@transaction.atomic
def register_walk_in(actor, offering: Offering, *, guardian_name: str, guardian_phone: str, name: str, school: str,
                     grade, id_number: str = "", birth_date: dt.date | None = None, relation: str = "other",
                     consent: bool = False, **health) -> tuple[Person, Child]:
    """A site's staff enter a family they enrol at ``offering`` (a walk-in, a paper form):
    the guardian (the same phone and name on the register, else registered) and the child
    (always a new link made by staff; an ID number already on the register is refused)."""
    require(actor, "daycare.enrolment.staff", offering)
    errors = ErrorList()
    g_name = errors.check(clean_name, guardian_name, "guardian_name", _("监护人姓名"))
    try:
        phone = normalise_phone(guardian_phone or "")
    except IdentityError as exc:
        errors.add("guardian_phone", str(exc))
        phone = ""
    if not (guardian_phone or "").strip() and not errors.has("guardian_phone"):
        errors.add("guardian_phone", _("请填写监护人手机号（候补转正时短信通知）"))
    d = _check_child(errors, name=name, school=school, grade=grade, id_number=id_number, birth_date=birth_date,
                     relation=relation, consent=consent, on=offering.term.starts_on, **health)
    errors.raise_if_any()
    town = offering.site.year.town
    if d["id_number"] and people.find_person_by_id_number(town, d["id_number"]) is not None:
        # Whose number it is stays with the register: the family registers the child at the
        # neighbourhood office (or the guardian adds it, confirmed by staff).
        raise ServiceError(_("该证件号码无法在此登记，请监护人在“我的暑托班”中关联孩子，或到居委会办理"), "id_number")
    guardian = Person.objects.filter(town=town, phone_hash=keyed_hash(phone), name=g_name, erased_at__isnull=True).first()
    if guardian is None:
        try:
            guardian = people.create_person(actor, town, checked_by="daycare.enrolment.staff", name=g_name, phone=phone,
                                            neighbourhood=offering.site.neighbourhood)
        except ServiceError as exc:
            field = {"name": "guardian_name", "phone": "guardian_phone"}.get(exc.field or "", exc.field)
            raise ServiceError(exc.message, field) from exc
    return guardian, _link(actor, guardian, None, d, offering.term.starts_on, address=False)
