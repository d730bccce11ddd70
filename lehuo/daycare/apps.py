from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DaycareConfig(AppConfig):
    name = "lehuo.daycare"
    label = "daycare"
    verbose_name = _("爱心暑托班")

    def ready(self) -> None:
        from lehuo.accounts import scoping
        from lehuo.platform import figures

        from . import scoping as daycare_scoping
        from .stats import resolve_figure

        figures.register("daycare", resolve_figure)
        scoping.register_person_scope(daycare_scoping.person_scope)

    def resident_links(self, person) -> list[dict]:
        from django.urls import reverse

        return [{"title": "爱心暑托班报名", "url": reverse("daycare:my"),
                 "description": "为孩子登记、查看名额、报名和候补"}]

    def personal_data(self, person) -> list[dict]:
        """PIPL access/copy: the person's day-care enrolments (as a child or as the guardian)."""
        from django.db.models import Q

        from .models import Enrolment

        rows = (Enrolment.objects.filter(Q(child__person=person) | Q(guardian=person))
                .select_related("offering__site", "offering__term", "child__person"))
        return [
            {"child": e.child.person.name, "site": e.offering.site.name, "term": str(e.offering.term),
             "status": e.get_status_display(), "position": e.position, "created_at": e.created_at,
             "attendance": [{"date": a.date, "present": a.present, "temperature": a.temperature,
                             "picked_up_by": a.picked_up_by} for a in e.arrivals.all()]}
            for e in rows
        ]
