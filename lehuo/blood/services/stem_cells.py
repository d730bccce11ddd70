"""The stem-cell registry (造血干细胞) sign-ups, with consent."""

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.blood import aggregates
from lehuo.blood.eligibility import rules
from lehuo.blood.models import Drive, StemCellSignup
from lehuo.lib.identity import IdentityError, normalise_phone
from lehuo.people.models import Person
from lehuo.people.services import record_consent
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from ._common import STEM_CELL_PURPOSE, _drive_day, _text


def _relatives(relatives) -> list[dict]:
    rows = [r for r in (relatives or []) if any(str(v or "").strip() for v in dict(r).values())]
    if len(rows) < 2:
        raise ServiceError(_("请填写两位亲属的联系方式"), "relatives")
    out = []
    for i, row in enumerate(rows[:2]):
        row = dict(row)
        name = _text(row.get("name"), f"relatives.{i}.name", _("亲属姓名"), max_length=50)
        relation = _text(row.get("relation"), f"relatives.{i}.relation", _("亲属关系"), required=False, max_length=20)
        try:
            phone = normalise_phone(str(row.get("phone") or ""))
        except IdentityError as exc:
            raise ServiceError(str(exc), f"relatives.{i}.phone")
        out.append({"name": name, "relation": relation, "phone": phone})
    if out[0]["phone"] == out[1]["phone"]:
        raise ServiceError(_("两位亲属的电话不能相同"), "relatives.1.phone")
    return out


@transaction.atomic
def sign_up_stem_cell(actor, drive: Drive, person: Person, *, consent: bool, relatives, sample_taken: bool = False,
                      on: dt.date | None = None) -> StemCellSignup:
    """A new volunteer for the marrow registry: 18-45, separate consent, two relatives."""
    require(actor, "blood.drive.run", drive)
    on = _drive_day(drive, on)
    r = rules()
    age = person.age(on)
    if age is None:
        raise ServiceError(_("无出生日期，无法确认年龄"), "person_id")
    if not r["stem_cell_min_age"] <= age <= r["stem_cell_max_age"]:
        raise ServiceError(_("造血干细胞捐献登记年龄须在%(min)s-%(max)s周岁（现年%(age)s岁）") % {
            "min": r["stem_cell_min_age"], "max": r["stem_cell_max_age"], "age": age},
                           "person_id")
    if consent is not True:
        raise ServiceError(_("须本人签署知情同意书"), "consent")
    aggregates.lock_person(person.pk)
    if StemCellSignup.objects.valid().filter(person=person).exists():
        raise ServiceError(_("该志愿者已登记入库"), "person_id", code="duplicate")
    contacts = _relatives(relatives)
    consent_row = record_consent(actor, person, STEM_CELL_PURPOSE, given_on=on, checked_by="blood.drive.run")
    signup = StemCellSignup.objects.create(
        drive=drive, person=person, consent=consent_row, relatives=json.dumps(contacts, ensure_ascii=False),
        sample_taken=bool(sample_taken), signed_on=on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    aggregates.refresh(drive.pk, person.pk)
    log_action(actor, "blood.stem_cell.create", signup, {"person": person.pk, "sample_taken": bool(sample_taken)})
    return signup


@transaction.atomic
def void_stem_cell_signup(actor, signup: StemCellSignup, reason: str) -> StemCellSignup:
    require(actor, "blood.stem_cell.void", signup)
    aggregates.lock_person(signup.person_id)
    reason = _text(reason, "reason", _("作废原因"), max_length=200)
    signup.voided_at, signup.void_reason = timezone.now(), reason
    signup.save(update_fields=["voided_at", "void_reason"])
    aggregates.refresh(signup.drive_id, signup.person_id)
    log_action(actor, "blood.stem_cell.void", signup, {"reason": reason})
    return signup
