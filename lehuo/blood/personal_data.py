"""This app's section of a person's PIPL access/copy export (people.services.export_person_data).

Screenings, deferrals, donations and stem-cell sign-ups are health data (PIPL art. 28): the
export holds those of drives the reader runs, or all of them for the person themselves; the
others are counted, not shown ("health records withheld").
"""

from lehuo.accounts.permissions import may

from .models import Deferral, Donation, Screening, SignUp, StemCellSignup


def personal_data(person, actor) -> dict:
    own = may(actor, "blood.record.view_own", person)

    def readable(drive) -> bool:
        return own or (drive is not None and may(actor, "blood.drive.run", drive))

    screenings = list(Screening.objects.valid().filter(person=person).select_related("drive"))
    donations = list(Donation.objects.valid().filter(person=person).select_related("drive"))
    stem_cells = list(StemCellSignup.objects.valid().filter(person=person).select_related("drive"))
    deferrals = list(Deferral.objects.valid().filter(person=person).select_related("drive"))
    shown = {
        "signups": [{"drive": s.drive.title, "time_slot": s.time_slot, "status": s.status}
                    for s in SignUp.objects.filter(person=person).select_related("drive")],
        "screenings": [{"drive": s.drive.title, "date": s.screened_on, "eligible": s.eligible,
                        "measurements": s.measurement_dict(), "reasons": s.reason_list()}
                       for s in screenings if readable(s.drive)],
        "deferrals": [{"reason": d.reason, "starts_on": d.starts_on, "until": d.until}
                      for d in deferrals if readable(d.drive)],
        "donations": [{"date": d.donated_on, "kind": d.kind, "volume_ml": d.volume_ml, "units": d.units,
                       "certificate_number": d.certificate_number}
                      for d in donations if readable(d.drive)],
        "stem_cell": [{"drive": s.drive.title, "signed_on": s.signed_on, "sample_taken": s.sample_taken,
                       "relatives": s.relative_list()}
                      for s in stem_cells if readable(s.drive)],
    }
    withheld = sum(len(records) - len(shown[key]) for key, records in (
        ("screenings", screenings), ("deferrals", deferrals), ("donations", donations), ("stem_cell", stem_cells)))
    if withheld:
        shown["health_records_withheld"] = withheld
    return shown
