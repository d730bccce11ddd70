from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BloodConfig(AppConfig):
    name = "lehuo.blood"
    label = "blood"
    verbose_name = _("无偿献血")

    def ready(self) -> None:
        from lehuo.accounts.scoping import register_person_scope
        from lehuo.platform import figures

        from .scoping import drive_staff_people_q
        from .stats import resolve

        figures.register("blood", resolve)
        # Drive staff see the people who signed up, were screened or gave blood at their drives.
        register_person_scope(drive_staff_people_q)

    def resident_links(self, person) -> list[dict]:
        """Upcoming drives of the resident's town, for the resident home page."""
        from django.db.models import Q
        from django.urls import reverse
        from django.utils import timezone
        from django.utils.translation import gettext

        from .models import Drive

        today = timezone.localdate()
        drives = Drive.objects.filter(Q(date__gte=today) | Q(end_date__gte=today), town=person.town).order_by("date")[:3]
        return [{"title": gettext("报名献血：%(title)s") % {"title": d.title}, "url": reverse("blood:join", args=[d.slug]),
                 "description": f"{d.date:%Y年%m月%d日} {d.venue}"} for d in drives]

    def personal_data(self, person) -> dict:
        """PIPL access request (core's export_person_data): this person's blood records."""
        from .models import Deferral, Donation, Screening, SignUp, StemCellSignup

        return {
            "signups": [{"drive": s.drive.title, "time_slot": s.time_slot, "status": s.status}
                        for s in SignUp.objects.filter(person=person).select_related("drive")],
            "screenings": [{"drive": s.drive.title, "date": s.screened_on, "eligible": s.eligible,
                            "measurements": s.measurement_dict(), "reasons": s.reason_list()}
                           for s in Screening.objects.valid().filter(person=person).select_related("drive")],
            "deferrals": [{"reason": d.reason, "starts_on": d.starts_on, "until": d.until}
                          for d in Deferral.objects.valid().filter(person=person)],
            "donations": [{"date": d.donated_on, "kind": d.kind, "volume_ml": d.volume_ml, "units": d.units,
                           "certificate_number": d.certificate_number}
                          for d in Donation.objects.valid().filter(person=person)],
            "stem_cell": [{"drive": s.drive.title, "signed_on": s.signed_on, "sample_taken": s.sample_taken,
                           "relatives": s.relative_list()}
                          for s in StemCellSignup.objects.valid().filter(person=person).select_related("drive")],
        }
