"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from .models import Deferral, Donation, Screening, SignUp, StemCellSignup


def personal_data(person) -> dict:
    """this person's blood records."""
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
