"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from django.db.models import Q

from .models import Enrolment


def personal_data(person) -> list[dict]:
    """PIPL access/copy: the person's day-care enrolments (as a child or as the guardian)."""


    rows = (Enrolment.objects.filter(Q(child__person=person) | Q(guardian=person))
            .select_related("offering__site", "offering__term", "child__person"))
    return [
        {"child": e.child.person.name, "site": e.offering.site.name, "term": str(e.offering.term),
         "status": e.get_status_display(), "position": e.position, "created_at": e.created_at,
         "attendance": [{"date": a.date, "present": a.present, "temperature": a.temperature,
                         "picked_up_by": a.picked_up_by} for a in e.arrivals.all()]}
        for e in rows
    ]
