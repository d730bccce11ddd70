"""Certificates for students who met the programme's completion rule."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.training import aggregates
from lehuo.training.models import Certificate, Cohort, Enrolment

from ._common import _require_manage


@transaction.atomic
def issue_certificate(actor, enrolment: Enrolment, *, on: dt.date | None = None) -> Certificate:
    from lehuo.training.stats import enrolment_progress

    cohort = enrolment.cohort
    _require_manage(actor, cohort)
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # serialise numbering
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    if enrolment.status != Enrolment.ACTIVE:
        raise ServiceError(_("已退出的学员不能结业"), "enrolment")
    progress = enrolment_progress(enrolment)
    if not progress["held"]:
        raise ServiceError(_("本班尚未上课，不能发证"), "enrolment")
    if not progress["completed"]:
        raise ServiceError(
            _("%(name)s出勤率 %(rate)s，未达到结业要求 %(required)s%%") % {
                "name": enrolment.person.name, "rate": progress["rate_pct"],
                "required": int(cohort.programme.completion_rate * 100)}, "enrolment", code="not_completed")
    on = on or timezone.localdate()
    seq = Certificate.objects.filter(enrolment__cohort=cohort).count() + 1
    cert = Certificate.objects.create(
        enrolment=enrolment, number=f"XJPX-{cohort.ends_on.year}-{cohort.pk:03d}-{seq:03d}",
        code=secrets.token_urlsafe(12), issued_on=on, hours=progress["hours"],
        attendance_rate=progress["rate"], issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    aggregates.certificate_issued(cohort.pk)
    log_action(actor, "training.certificate.issue", enrolment, {"number": cert.number})
    return cert


def issue_certificates(actor, cohort: Cohort, *, on: dt.date | None = None) -> tuple[int, int]:
    """Certificates for every student who met the rule; returns (issued, not completed)."""
    _require_manage(actor, cohort)
    issued = skipped = 0
    for enrolment in (Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE)
                      .select_related("person", "cohort__programme")):
        try:
            issue_certificate(actor, enrolment, on=on)
            issued += 1
        except ServiceError as exc:
            if exc.code != "not_completed":
                raise
            skipped += 1
    return issued, skipped
