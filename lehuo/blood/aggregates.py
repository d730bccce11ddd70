"""Blood-drive figures kept as aggregates, exact, updated in the writing transaction.

``stats.drive_stats`` used to read every sign-up, screening and donation of a drive (and
decrypt the deferred people's screenings) on every view of the drive page, the stats API and
each newsletter token. Here two tables are kept:

- ``DonorFigure``: one row per (drive, person) who has a record at the drive: what that person
  contributes to the drive's figures (signed up and not cancelled, has a valid screening,
  deferred — their last valid screening failed and they did not give — with its reason codes,
  valid donations, units, ml, whole-blood volumes, stem-cell sign-ups) and the neighbourhood
  and tags it was counted under.
- ``DriveFigure``: one row per (drive, dimension, key), the sums: ``all``; ``nbh``
  (neighbourhood id: volunteers, donors, units); ``tag`` (tag id: donors, units); ``reason``
  (reason code: deferred people); ``volume`` (ml: whole-blood donations).

Every service write that touches a (drive, person) — sign-up, cancel, check-in, screening and
its void, donation and its void, stem-cell sign-up and its void — calls ``refresh(drive id,
person id)`` in its transaction; so do a person's change of neighbourhood or tags (signals
connected in ``BloodConfig.ready``). ``refresh`` locks the person's row (PostgreSQL; SQLite
transactions are ``IMMEDIATE``, one writer at a time), recomputes that one person's
contribution from their few records at the drive, and adds the difference with the stored one
to the drive's rows with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``: writers
of different people never read-then-write a shared row, and a writer of the same person waits
for the lock and then sees the other's records.

``compute_drive_stats`` / ``compute_list_figures`` (stats.py) are the recomputations;
``verify`` compares, ``rebuild`` recomputes both tables (migration, repair).
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, models

from lehuo.platform.kept_figures import differences, upsert

# A contribution's columns, in DriveFigure's order.
COLS = ("volunteers", "screened", "deferred", "donors", "donations", "units", "volume", "stem")


class DriveFigure(models.Model):
    drive_id = models.BigIntegerField()
    dim = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    volunteers = models.BigIntegerField(default=0)
    screened = models.BigIntegerField(default=0)
    deferred = models.BigIntegerField(default=0)
    donors = models.BigIntegerField(default=0)
    donations = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)  # hundredths of a unit (U), exact
    volume = models.BigIntegerField(default=0)  # ml
    stem = models.BigIntegerField(default=0)

    class Meta:
        app_label = "blood"
        db_table = "blood_drive_figure"
        constraints = [models.UniqueConstraint(fields=["drive_id", "dim", "key"], name="blood_drive_figure_unique")]


class DonorFigure(models.Model):
    drive_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    signed = models.SmallIntegerField(default=0)
    screened = models.SmallIntegerField(default=0)
    deferred = models.SmallIntegerField(default=0)
    reasons = models.TextField(default="", blank=True)  # reason codes of the failing screening, "," joined
    donations = models.IntegerField(default=0)
    units = models.BigIntegerField(default=0)
    volume = models.BigIntegerField(default=0)
    volumes = models.TextField(default="", blank=True)  # whole blood "ml:n,ml:n"
    stem = models.IntegerField(default=0)
    nbh = models.CharField(max_length=24, default="", blank=True)  # neighbourhood id counted under
    tags = models.TextField(default="", blank=True)  # tag ids counted under, "," joined

    class Meta:
        app_label = "blood"
        db_table = "blood_donor_figure"
        constraints = [models.UniqueConstraint(fields=["drive_id", "person_id"], name="blood_donor_figure_unique")]
        indexes = [models.Index(fields=["person_id"], name="blood_donor_figure_person")]


class TownDonor(models.Model):
    """A person's valid donations at the drives of a town: the town's distinct donors change
    only when this goes from 0 to more or back."""

    town_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    donations = models.BigIntegerField(default=0)

    class Meta:
        app_label = "blood"
        db_table = "blood_town_donor_figure"
        constraints = [models.UniqueConstraint(fields=["town_id", "person_id"], name="blood_town_donor_unique")]


# A town's totals are the DriveFigure row (drive 0, "town", town id): donors, donations, units, stem.
TOWN_DRIVE = 0

STATE = ("signed", "screened", "deferred", "reasons", "donations", "units", "volume", "volumes", "stem", "nbh",
         "tags")
EMPTY: dict[str, Any] = {"signed": 0, "screened": 0, "deferred": 0, "reasons": "", "donations": 0, "units": 0, "volume": 0,
         "volumes": "", "stem": 0, "nbh": "", "tags": ""}


def hundredths(units) -> int:
    return int((Decimal(units) * 100).to_integral_value())


def contribution(state: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    """What one (drive, person) state adds to each of the drive's rows."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(COLS))
    donor = 1 if state["donations"] else 0
    head = out[("all", "")]
    for i, v in enumerate((state["signed"], state["screened"], state["deferred"], donor, state["donations"],
                           state["units"], state["volume"], state["stem"])):
        head[i] += v
    if state["signed"] or donor:
        row = out[("nbh", state["nbh"])]
        row[0] += state["signed"]
        row[3] += donor
        row[5] += state["units"]
    if donor:
        for tag in filter(None, state["tags"].split(",")):
            row = out[("tag", tag)]
            row[3] += 1
            row[5] += state["units"]
    if state["deferred"]:
        for code in filter(None, state["reasons"].split(",")):
            out[("reason", code)][2] += 1
    for part in filter(None, state["volumes"].split(",")):
        ml, n = part.split(":")
        out[("volume", ml)][4] += int(n)
    return out


def person_states(drive_id: int, person_ids) -> dict[int, dict]:
    """Each person's state at the drive, recomputed from their records."""
    from lehuo.people.models import Person

    from .eligibility import WHOLE
    from .models import Donation, Screening, SignUp, StemCellSignup

    ids = sorted(set(person_ids))
    states: dict[int, dict[str, Any]] = {pid: dict(EMPTY) for pid in ids}
    for pid in SignUp.objects.filter(drive_id=drive_id, person_id__in=ids).exclude(status=SignUp.CANCELLED) \
            .values_list("person_id", flat=True):
        states[pid]["signed"] = 1
    latest: dict[int, tuple[int, bool]] = {}
    for pk, pid, eligible in (Screening.objects.valid().filter(drive_id=drive_id, person_id__in=ids)
                              .order_by("screened_at", "id").values_list("pk", "person_id", "eligible")):
        latest[pid] = (pk, eligible)
    volumes: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for pid, kind, units, ml in (Donation.objects.valid().filter(drive_id=drive_id, person_id__in=ids)
                                 .values_list("person_id", "kind", "units", "volume_ml")):
        s = states[pid]
        s["donations"] += 1
        s["units"] += hundredths(units)
        s["volume"] += ml or 0
        if kind == WHOLE:
            volumes[pid][ml] += 1
    for pid, v in volumes.items():
        states[pid]["volumes"] = ",".join(f"{ml}:{n}" for ml, n in sorted(v.items()))
    for pid in (StemCellSignup.objects.valid().filter(drive_id=drive_id, person_id__in=ids)
                .values_list("person_id", flat=True)):
        states[pid]["stem"] += 1
    deferred = {pk: pid for pid, (pk, eligible) in latest.items() if not eligible and not states[pid]["donations"]}
    for pid in latest:
        states[pid]["screened"] = 1
    for screening in Screening.objects.filter(pk__in=list(deferred)).only("pk", "reasons"):
        st = states[deferred[screening.pk]]
        st["deferred"] = 1
        st["reasons"] = ",".join(_reason_codes(screening))
    for pid, nbh in Person.objects.filter(pk__in=ids).values_list("pk", "neighbourhood_id"):
        states[pid]["nbh"] = str(nbh or "")
    tags = defaultdict(list)
    for pid, tag in Person.tags.through.objects.filter(person_id__in=ids).values_list("person_id", "tag_id"):
        tags[pid].append(tag)
    for pid, t in tags.items():
        states[pid]["tags"] = ",".join(str(x) for x in sorted(t))
    return states


def _reason_codes(screening) -> list[str]:
    import json

    return [r["code"] for r in json.loads(screening.reasons)] if screening.reasons else []


def lock_person(person_id: int) -> None:
    """PostgreSQL: lock the person's row (``FOR NO KEY UPDATE``: the foreign keys of the records
    being written do not conflict with it). The services call this first in their transaction,
    before the records' row locks (a sign-up's status), so every writer of a person's blood
    records takes the person first and no two wait on each other crosswise; ``refresh`` takes it
    again (a no-op by then)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM people_person WHERE id = %s FOR NO KEY UPDATE", [person_id])


def refresh(drive_id, person_id) -> None:
    """Hook: the person's records at the drive (or their neighbourhood / tags) just changed in
    this transaction; bring the drive's kept figures in line."""
    if drive_id is None:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("figures are changed inside the writing transaction")
    lock_person(person_id)
    new = person_states(drive_id, [person_id])[person_id]
    old_row = DonorFigure.objects.filter(drive_id=drive_id, person_id=person_id).values(*STATE).first()
    old: dict[str, Any] = dict(old_row) if old_row else dict(EMPTY)
    if new == old:
        return
    delta: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(COLS))
    for sign, state in ((1, new), (-1, old)):
        for k, v in contribution(state).items():
            d = delta[k]
            for i, x in enumerate(v):
                d[i] += sign * x
    head = delta[("all", "")]
    if head[4] or head[5] or head[7]:  # donations, units or stem-cell sign-ups: the town's totals too
        _town_delta(drive_id, person_id, head)
    rows = [(drive_id, dim, key, *v) for (dim, key), v in sorted(delta.items()) if any(v)]
    upsert("blood_drive_figure", ("drive_id", "dim", "key", *COLS), ("drive_id", "dim", "key"), COLS, rows)
    if old_row is None:
        DonorFigure.objects.create(drive_id=drive_id, person_id=person_id, **new)
    else:
        DonorFigure.objects.filter(drive_id=drive_id, person_id=person_id).update(**new)


def _town_delta(drive_id: int, person_id: int, head: list[int]) -> None:
    from .models import Drive

    town_id = Drive.objects.values_list("town_id", flat=True).get(pk=drive_id)
    donors = 0
    if head[4]:
        ((now,),) = upsert("blood_town_donor_figure", ("town_id", "person_id", "donations"), ("town_id", "person_id"),
                           ("donations",), [(town_id, person_id, head[4])], ("donations",))
        before = now - head[4]
        donors = 1 if before <= 0 < now else -1 if now <= 0 < before else 0
    row = [0] * len(COLS)
    row[3], row[4], row[5], row[7] = donors, head[4], head[5], head[7]
    upsert("blood_drive_figure", ("drive_id", "dim", "key", *COLS), ("drive_id", "dim", "key"), COLS,
           [(TOWN_DRIVE, "town", str(town_id), *row)])


def person_changed(person_id: int) -> None:
    """Hook: the person's neighbourhood or tags changed; every drive they count in follows."""
    for drive_id in (DonorFigure.objects.filter(person_id=person_id).order_by("drive_id")
                     .values_list("drive_id", flat=True)):
        refresh(drive_id, person_id)


# --- signals (connected in BloodConfig.ready) -------------------------------------------------


def person_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if created or raw or (update_fields is not None and "neighbourhood" not in update_fields
                          and "neighbourhood_id" not in update_fields):
        return
    nbh = str(instance.neighbourhood_id or "")
    if DonorFigure.objects.filter(person_id=instance.pk).exclude(nbh=nbh).exists():
        person_changed(instance.pk)


def person_tags_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    from lehuo.people.models import Person

    through = Person.tags.through
    if reverse:  # instance is a tag
        if action == "pre_clear":
            instance._blood_figure_people = list(through.objects.filter(tag_id=instance.pk)
                                                 .values_list("person_id", flat=True))
            return
        if action == "post_clear":
            people = getattr(instance, "_blood_figure_people", ())
        elif action in ("post_add", "post_remove"):
            people = pk_set or ()
        else:
            return
        for person_id in sorted(set(people) & set(DonorFigure.objects.filter(person_id__in=list(people))
                                                  .values_list("person_id", flat=True))):
            person_changed(person_id)
        return
    if action in ("post_add", "post_remove", "post_clear"):
        person_changed(instance.pk)


# --- reading ----------------------------------------------------------------------------------


def units(h) -> Decimal:
    return (Decimal(int(h or 0)) / 100).quantize(Decimal("0.01"))


def _rows(drive_ids) -> dict[int, dict[str, dict[str, DriveFigure]]]:
    rows: dict[int, dict[str, dict[str, DriveFigure]]] = defaultdict(lambda: defaultdict(dict))
    for f in DriveFigure.objects.filter(drive_id__in=list(drive_ids)):
        rows[f.drive_id][f.dim][f.key] = f
    return rows


def drive_figures(drive) -> dict:
    """``stats.compute_drive_stats``'s dict from the kept figures (three small reads)."""
    from django.utils.translation import pgettext

    from lehuo.accounts.models import Neighbourhood
    from lehuo.people.models import Tag

    rows = _rows([drive.pk])[drive.pk]
    head = rows["all"].get("") or DriveFigure()
    by_reason = {k: f.deferred for k, f in rows["reason"].items() if f.deferred}
    other = pgettext("neighbourhood", "其他")
    live_nbh = {k: f for k, f in rows["nbh"].items() if f.volunteers or f.donors}
    names = dict(Neighbourhood.objects.filter(pk__in=[int(k) for k in live_nbh if k]).values_list("pk", "name"))
    by_nbh: dict[str, dict] = defaultdict(lambda: {"volunteers": 0, "donors": 0, "units": Decimal("0.00")})
    for k, f in live_nbh.items():
        row = by_nbh[names.get(int(k)) or other if k else other]
        row["volunteers"] += f.volunteers
        row["donors"] += f.donors
        row["units"] += units(f.units)
    live_tags = {k: f for k, f in rows["tag"].items() if f.donors}
    tag_names = dict(Tag.objects.filter(pk__in=[int(k) for k in live_tags]).values_list("pk", "name"))
    by_tag: dict[str, dict] = {}
    for k, f in sorted(live_tags.items(), key=lambda kv: tag_names.get(int(kv[0]), "")):
        row = by_tag.setdefault(tag_names[int(k)], {"donors": 0, "units": Decimal("0.00")})
        row["donors"] += f.donors
        row["units"] += units(f.units)
    by_volume = {k: f.donations for k, f in sorted(rows["volume"].items(), key=lambda kv: int(kv[0])) if f.donations}
    return {
        "volunteers": head.volunteers,
        "screened": head.screened,
        "deferred": head.deferred,
        "donors": head.donors,
        "donations": head.donations,
        "units": units(head.units),
        "volume_ml": head.volume,
        "stem_cell_signups": head.stem,
        "by_reason": dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_neighbourhood": dict(sorted(by_nbh.items(), key=lambda kv: (-kv[1]["donors"], kv[0]))),
        "by_tag": by_tag,
        "by_volume": by_volume,
    }


def list_figures(drives) -> dict[int, dict]:
    """The drive list's columns for many drives in one read."""
    ids = [d.pk for d in drives]
    figs = {pk: {"volunteers": 0, "screened": 0, "donors": 0, "units": Decimal("0.00"), "stem_cell_signups": 0}
            for pk in ids}
    for f in DriveFigure.objects.filter(drive_id__in=ids, dim="all", key=""):
        figs[f.drive_id] = {"volunteers": f.volunteers, "screened": f.screened, "donors": f.donors,
                            "units": units(f.units), "stem_cell_signups": f.stem}
    return figs


def drive_units(drive_ids) -> dict[int, Decimal]:
    return {pk: units(n) for pk, n in DriveFigure.objects.filter(drive_id__in=list(drive_ids), dim="all", key="")
            .values_list("drive_id", "units")}


def town_totals(town) -> dict:
    """The dashboard's town-wide blood figures from the kept row (one read)."""
    f = DriveFigure.objects.filter(drive_id=TOWN_DRIVE, dim="town", key=str(town.pk)).first() or DriveFigure()
    return {"donors": f.donors, "units": units(f.units), "stem_cell_signups": f.stem}


# --- rebuilding and checking ------------------------------------------------------------------


def rebuild(*, progress=None) -> int:
    """Recompute both tables from the records, drive by drive, in one transaction; returns
    the number of (drive, person) rows."""
    from django.db import transaction

    from .models import Donation, Drive, Screening, SignUp, StemCellSignup

    n = 0
    with transaction.atomic():
        DriveFigure.objects.all().delete()
        DonorFigure.objects.all().delete()
        TownDonor.objects.all().delete()
        town_people: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        town_total: dict[int, list[int]] = defaultdict(lambda: [0] * len(COLS))
        for drive_id in Drive.objects.order_by("pk").values_list("pk", flat=True):
            people: set[int] = set()
            for model in (SignUp, Screening, Donation, StemCellSignup):
                people.update(model.objects.filter(drive_id=drive_id).values_list("person_id", flat=True))
            if not people:
                continue
            states = person_states(drive_id, people)
            total: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(COLS))
            for state in states.values():
                for k, v in contribution(state).items():
                    t = total[k]
                    for i, x in enumerate(v):
                        t[i] += x
            DonorFigure.objects.bulk_create([DonorFigure(drive_id=drive_id, person_id=pid, **s)
                                             for pid, s in sorted(states.items())], batch_size=1000)
            DriveFigure.objects.bulk_create([DriveFigure(drive_id=drive_id, dim=dim, key=key, **dict(zip(COLS, v, strict=True)))
                                             for (dim, key), v in sorted(total.items())], batch_size=1000)
            head = total.get(("all", ""))
            if head:
                town_id = Drive.objects.values_list("town_id", flat=True).get(pk=drive_id)
                for pid, st in states.items():
                    if st["donations"]:
                        town_people[town_id][pid] += st["donations"]
                t = town_total[town_id]
                t[4] += head[4]
                t[5] += head[5]
                t[7] += head[7]
            n += len(states)
            if progress:
                progress(f"blood drive {drive_id}")
        for town_id, people_n in sorted(town_people.items()):
            TownDonor.objects.bulk_create([TownDonor(town_id=town_id, person_id=pid, donations=k)
                                           for pid, k in sorted(people_n.items())], batch_size=1000)
            town_total[town_id][3] = len(people_n)
        DriveFigure.objects.bulk_create([DriveFigure(drive_id=TOWN_DRIVE, dim="town", key=str(town_id),
                                                     **dict(zip(COLS, v, strict=True)))
                                         for town_id, v in sorted(town_total.items())])
    return n


def verify() -> list[str]:
    """Every drive's kept figures (page, API, newsletter, list) against the recomputation."""
    from .models import Drive
    from .stats import compute_drive_stats, compute_list_figures

    out = []
    drives = list(Drive.objects.order_by("pk"))
    for drive in drives:
        out += [f"blood drive {drive.slug}{d}" for d in differences(drive_figures(drive), compute_drive_stats(drive))]
    kept, computed = list_figures(drives), compute_list_figures(drives)
    for drive in drives:
        out += [f"blood drive list {drive.slug}{d}" for d in differences(kept[drive.pk], computed[drive.pk])]
    from lehuo.accounts.models import Town

    from .stats import compute_town_totals

    for town in Town.objects.order_by("pk"):
        out += [f"blood of town {town.code}{d}" for d in differences(town_totals(town), compute_town_totals(town))]
    return out
