"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from django.db.models import Q

from lehuo.accounts.permissions import may

from .models import Enrolment


def personal_data(person, actor) -> list[dict]:
    """The person's day-care enrolments (as a child or as the guardian). Arrival temperatures
    are a child's health data: only the family and the staff of the child's site read them."""
    rows = (Enrolment.objects.filter(Q(child__person=person) | Q(guardian=person))
            .select_related("offering__site__year", "offering__term", "child__person"))
    out = []
    for e in rows:
        health = may(actor, "daycare.child.health", e)
        out.append({
            "child": e.child.person.name, "site": e.offering.site.name, "term": str(e.offering.term),
            "status": e.get_status_display(), "position": e.position, "created_at": e.created_at,
            "attendance": [{"date": a.date, "present": a.present,
                            **({"temperature": a.temperature} if health else {}),
                            "picked_up_by": a.picked_up_by} for a in e.arrivals.all()],
        })
    return out
