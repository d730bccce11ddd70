"""The blood module's records: drive A (assigned to the ``blood_staff`` persona only: the
instructor and the site head are programme staff not assigned to it), drive B (assigned to no
one); on each an invitation, a sign-up, a passing screening and a donation of an adult of the
register (A: the resident persona, in 绿十一; B: another family's parent, in 虹九)."""

import datetime as dt

from lehuo.blood import services
from lehuo.blood.models import SignUp

GOOD = {"weight_kg": "60", "systolic": 120, "diastolic": 80, "pulse": 72, "temperature_c": "36.6"}


def build(world) -> None:
    admin = world.admin
    day = dt.date.today() + dt.timedelta(days=10)
    drives, records = [], {"signup": [], "screening": [], "donation": [], "invitation": []}
    for relation, person in (("a", world.parent_person), ("b", world.other_parent)):
        drive = services.create_drive(admin, world.town, slug=f"mx-blood-{relation}", title=f"矩阵献血{relation}",
                                      date=day, venue="党群服务中心", time_slots=["上午", "下午"])
        if relation == "a":
            services.assign_staff(admin, drive, world.users["blood_staff"])
        records["invitation"].append(services.create_invitation(admin, drive, title="倡议书", letter_text="献血光荣",
                                                                sent_on=day - dt.timedelta(days=5)))
        records["signup"].append(services.sign_up(admin, drive, person, time_slot="上午"))
        screening, decision = services.screen_donor(admin, drive, person, **GOOD)
        assert decision.eligible, decision.reasons
        records["screening"].append(screening)
        records["donation"].append(services.record_donation(admin, drive, person, volume_ml=300))
        drives.append(drive)
    # The donation marked the sign-ups donated: the residents' cancel button acts on signed-up ones.
    SignUp.objects.filter(pk__in=[s.pk for s in records["signup"]]).update(status=SignUp.SIGNED_UP)
    world.add("blood.Drive", *drives)
    world.add("blood.Invitation", *records["invitation"])
    world.add("blood.SignUp", *records["signup"])
    world.add("blood.Screening", *records["screening"])
    world.add("blood.Donation", *records["donation"])
    person = world.parent_person.pk
    world.bodies.update({
        "POST /api/v1/blood-drives": {"slug": "mx-new", "title": "矩阵新活动", "date": day.isoformat()},
        "POST /api/v1/blood-drives/{drive_id}/signups": {"person_id": person, "time_slot": "下午"},
        "POST /api/v1/blood-signups/{signup_id}/cancel": {},
        "POST /api/v1/blood-drives/{drive_id}/checkins": {"person_id": person},
        "POST /api/v1/blood-drives/{drive_id}/screenings": {"person_id": person, **GOOD},
        "POST /api/v1/blood-screenings/{screening_id}/void": {"reason": "矩阵"},
        "POST /api/v1/blood-drives/{drive_id}/donations": {"person_id": person, "volume_ml": 300},
        "POST /api/v1/blood-donations/{donation_id}/void": {"reason": "矩阵"},
        "POST /api/v1/blood-drives/{drive_id}/stem-cell-signups": {"person_id": person, "consent": True},
        "blood:void_donation": {"reason": "矩阵"},
        "blood:onsite_donate": {"volume_ml": "300"},
    })
