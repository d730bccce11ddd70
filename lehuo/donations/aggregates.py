"""Drive and town donation figures kept as aggregates, exact, updated in the writing transaction.

``drive_stats`` and the dashboard used to aggregate every gift of a drive on every view (a
225,000-gift drive: about 1 s). Here every gift, void and tag change updates, in the same
transaction, a few rows of two tables:

- ``Figure``: one row per (scope, dimension, key): gifts, money (integer cents, exact on SQLite
  too), distinct people and organisations, outsiders' gifts. Scope ``d<drive id>`` has the
  dimensions ``all``, ``channel``, ``method``, ``nbh`` (neighbourhood id), ``day`` and ``tag``
  (tag id: people holding the tag now, and their money); scope ``t<town id>`` has ``all``,
  ``nbh`` and ``month`` for the dashboard.
- ``FigureDonor``: one row per (scope, dimension, key, donor) with that donor's gifts and money
  there (donor ``p<person id>`` or ``o<organisation id>``): a bucket's distinct people change
  only when a donor's gifts there go from 0 to more or back to 0.

Every change is an ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n RETURNING``, so
concurrent writers serialise on the rows they touch and nothing is read-then-written; rows
are written in sorted order so two transactions never wait on each other crosswise. A tag
change of a person who gave moves the person's money between tag rows of every drive they
gave to; on PostgreSQL a gift share-locks its donor's person row and a tag change locks it
for update, so a gift never reads the tags a concurrent tag change is about to commit.

``python -m lehuo verify_figures`` recomputes every figure from the gifts with the old
aggregate queries (``stats.compute_drive_stats`` / ``compute_dashboard``) and reports any
difference; ``rebuild`` recomputes the tables from the gifts (migration, repair).
"""

from collections import defaultdict
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from lehuo.platform.kept_figures import differences
from lehuo.platform.kept_figures import upsert as _upsert

CENT = Decimal("0.01")
# Gifts in the figures: drive, town, person, organisation, channel, method, nbh, day, cents.
FIELDS = ("drive_id", "town_id", "person_id", "organisation_id", "channel", "method", "neighbourhood_id",
          "received_on", "amount")


class Figure(models.Model):
    scope = models.CharField(max_length=24)
    dim = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    donations = models.BigIntegerField(default=0)
    cents = models.BigIntegerField(default=0)
    people = models.BigIntegerField(default=0)
    organisations = models.BigIntegerField(default=0)
    outsiders = models.BigIntegerField(default=0)
    people_cents = models.BigIntegerField(default=0)
    organisations_cents = models.BigIntegerField(default=0)

    class Meta:
        app_label = "donations"
        db_table = "donations_figure"
        constraints = [models.UniqueConstraint(fields=["scope", "dim", "key"], name="donation_figure_unique")]


class FigureDonor(models.Model):
    scope = models.CharField(max_length=24)
    dim = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    donor = models.CharField(max_length=24)
    gifts = models.BigIntegerField(default=0)
    cents = models.BigIntegerField(default=0)

    class Meta:
        app_label = "donations"
        db_table = "donations_figure_donor"
        constraints = [models.UniqueConstraint(fields=["scope", "dim", "key", "donor"],
                                               name="donation_figure_donor_unique")]
        indexes = [models.Index(fields=["donor", "dim"], name="donation_figure_donor_idx")]


def cents(amount) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def buckets(g: dict) -> list[tuple[str, str, str]]:
    day = g["received_on"]
    day = day if isinstance(day, str) else day.isoformat()
    drive, town, nbh = f"d{g['drive_id']}", f"t{g['town_id']}", str(g["neighbourhood_id"] or "")
    return [(drive, "all", ""), (drive, "channel", g["channel"]), (drive, "method", g["method"]),
            (drive, "nbh", nbh), (drive, "day", day[:10]),
            (town, "all", ""), (town, "nbh", nbh), (town, "month", day[:7])]


def _lock_people(person_ids, *, share: bool) -> None:
    """PostgreSQL: share-lock (gifts) or lock (tag changes) the persons, see the module doc."""
    if connection.vendor != "postgresql" or not person_ids:
        return
    with connection.cursor() as cursor:
        mode = "SHARE" if share else "UPDATE"
        cursor.execute(f"SELECT id FROM people_person WHERE id = ANY(%s) ORDER BY id FOR {mode}",  # noqa: S608
                       [sorted(person_ids)])


def _person_tags(person_ids) -> dict[int, list[int]]:
    from lehuo.people.models import Person

    tags = defaultdict(list)
    through = Person.tags.through.objects.filter(person_id__in=list(person_ids)).values_list("person_id", "tag_id")
    for person_id, tag_id in through:
        tags[person_id].append(tag_id)
    return tags


def apply(gifts: list[dict], sign: int) -> None:
    """Add (``sign`` 1) or take out (-1, a void) ``gifts`` (dicts of ``FIELDS``) in the
    caller's transaction."""
    if not gifts:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("figures are changed inside the writing transaction")
    figure = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])  # donations cents people orgs outsiders p_cents o_cents
    donor = defaultdict(lambda: [0, 0])  # gifts cents
    # Gifts alike in every bucket and donor are counted together first (an import's 100,000
    # outsiders' gifts fall in a few hundred such groups): the figures only add up.
    alike: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for g in gifts:
        a = alike[(g["drive_id"], g["town_id"], g["person_id"], g["organisation_id"], g["channel"], g["method"],
                   g["neighbourhood_id"], g["received_on"])]
        a[0] += 1
        a[1] += cents(g["amount"])
    for key, (n, total) in alike.items():
        g = dict(zip(("drive_id", "town_id", "person_id", "organisation_id", "channel", "method", "neighbourhood_id",
                      "received_on"), key, strict=True))
        count, c = sign * n, sign * total
        who = f"p{g['person_id']}" if g["person_id"] else (f"o{g['organisation_id']}" if g["organisation_id"] else "")
        for b in buckets(g):
            f = figure[b]
            f[0] += count
            f[1] += c
            if not who:
                f[4] += count
            elif who[0] == "p":
                f[5] += c
            else:
                f[6] += c
            if who:
                d = donor[(*b, who)]
                d[0] += count
                d[1] += c
    _lock_people({g["person_id"] for g in gifts if g["person_id"]}, share=True)
    rows = [(*k, *v) for k, v in sorted(donor.items())]
    returned = _upsert("donations_figure_donor", ("scope", "dim", "key", "donor", "gifts", "cents"),
                       ("scope", "dim", "key", "donor"), ("gifts", "cents"), rows,
                       ("scope", "dim", "key", "donor", "gifts", "cents"))
    tag_moves = []  # (drive scope, person id, people change, cents change)
    for scope, dim, key, who, gifts_now, _cents_now in returned:
        delta_gifts, delta_cents = donor[(scope, dim, key, who)]
        before = gifts_now - delta_gifts
        change = (1 if before <= 0 < gifts_now else -1 if gifts_now <= 0 < before else 0)
        f = figure[(scope, dim, key)]
        f[2 if who[0] == "p" else 3] += change
        if who[0] == "p" and dim == "all" and scope[0] == "d":
            tag_moves.append((scope, int(who[1:]), change, delta_cents))
    if tag_moves:
        tags = _person_tags({p for _, p, _, _ in tag_moves})
        for scope, person_id, change, delta_cents in tag_moves:
            for tag_id in tags.get(person_id, ()):
                f = figure[(scope, "tag", str(tag_id))]
                f[2] += change
                f[5] += delta_cents
                f[1] += delta_cents
    _write_figures(figure)


def _write_figures(figure: dict) -> None:
    rows = [(*k, *v) for k, v in sorted(figure.items())]
    cols = ("donations", "cents", "people", "organisations", "outsiders", "people_cents", "organisations_cents")
    _upsert("donations_figure", ("scope", "dim", "key", *cols), ("scope", "dim", "key"), cols, rows)


def gift_of(donation) -> dict:
    from .models import Drive

    town_id = getattr(donation.drive, "town_id", None) if "drive" in donation._state.fields_cache else None
    if town_id is None:
        town_id = Drive.objects.values_list("town_id", flat=True).get(pk=donation.drive_id)
    return {"drive_id": donation.drive_id, "town_id": town_id, "person_id": donation.person_id,
            "organisation_id": donation.organisation_id, "channel": donation.channel, "method": donation.method,
            "neighbourhood_id": donation.neighbourhood_id, "received_on": donation.received_on,
            "amount": donation.amount}


def donations_recorded(donations) -> None:
    """Hook: valid donations just written (one, or a batch of an import)."""
    apply([gift_of(d) for d in donations if d.voided_at is None], 1)


_ROW_FIELDS = tuple(f for f in FIELDS if f != "town_id")


def gift_of_row(row: dict, town_id: int) -> dict:
    """``gift_of`` for a new donation given as its row (attribute name -> value, as the bulk
    import writes it) of a drive in ``town_id``."""
    gift = {f: row.get(f) for f in _ROW_FIELDS}
    gift["town_id"] = town_id
    return gift


def gifts_recorded(gifts: list[dict]) -> None:
    """Hook: new valid donations written in bulk, as ``gift_of_row`` dicts."""
    apply(gifts, 1)


def donation_voided(donation) -> None:
    """Hook: a donation just voided."""
    apply([gift_of(donation)], -1)


def tags_changed(person_id: int, tag_ids, sign: int) -> None:
    """Hook (m2m_changed of Person.tags): the person gained (1) or lost (-1) ``tag_ids``; their
    money in every drive they gave to moves into or out of those tag rows."""
    tag_ids = sorted(set(tag_ids))
    if not tag_ids:
        return
    _lock_people({person_id}, share=False)
    rows = FigureDonor.objects.filter(donor=f"p{person_id}", dim="all", scope__startswith="d", gifts__gt=0)
    figure = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    for scope, gift_cents in rows.values_list("scope", "cents"):
        for tag_id in tag_ids:
            f = figure[(scope, "tag", str(tag_id))]
            f[2] += sign
            f[1] += sign * gift_cents
            f[5] += sign * gift_cents
    _write_figures(figure)


# --- reading ----------------------------------------------------------------------------------


def money(c) -> Decimal:
    return (Decimal(int(c or 0)) / 100).quantize(CENT)


def drive_figures(drive) -> dict:
    """``stats.drive_stats``'s dict from the kept figures (a handful of small reads)."""
    from lehuo.accounts.models import Neighbourhood
    from lehuo.people.models import Tag

    from .models import CHANNELS
    from .stats import REPORTED_TAGS

    rows = defaultdict(dict)
    for f in Figure.objects.filter(scope=f"d{drive.pk}"):
        rows[f.dim][f.key] = f

    def block(f) -> dict:
        return {"donations": f.donations, "people": f.people, "total": money(f.cents)}

    head = rows["all"].get("")
    by_tag = {name: {"people": 0, "total": money(0)} for name in REPORTED_TAGS}
    tag_rows = {k: f for k, f in rows["tag"].items() if f.people}
    if tag_rows:
        for tag in Tag.objects.filter(pk__in=[int(k) for k in tag_rows], applies_to=Tag.PERSON).order_by("name"):
            f = tag_rows[str(tag.pk)]
            by_tag[tag.name] = {"people": f.people, "total": money(f.cents)}
    by_channel = {code: {"donations": 0, "people": 0, "total": money(0)} for code, _label in CHANNELS}
    by_channel.update({k: block(f) for k, f in sorted(rows["channel"].items()) if f.donations})
    by_method = {k: block(f) for k, f in sorted(rows["method"].items()) if f.donations}
    live_nbh = {k: f for k, f in rows["nbh"].items() if f.donations}
    names = {str(n.pk): n for n in Neighbourhood.objects.filter(pk__in=[int(k) for k in live_nbh if k])}
    by_nbh = {}
    for key, f in sorted(live_nbh.items(), key=lambda kv: (names[kv[0]].name if kv[0] else "",)):
        n = names.get(key)
        by_nbh[n.name if n else _("未指定居民区")] = {**block(f), "code": n.code if n else ""}
    by_day = {k: block(f) for k, f in sorted(rows["day"].items()) if f.donations}
    return {
        "drive": drive.slug,
        "people": head.people if head else 0,
        "organisations": head.organisations if head else 0,
        "outsiders": head.outsiders if head else 0,
        "donations": head.donations if head else 0,
        "total": money(head.cents if head else 0),
        "people_total": money(head.people_cents if head else 0),
        "organisations_total": money(head.organisations_cents if head else 0),
        "by_tag": by_tag,
        "by_channel": by_channel,
        "by_method": by_method,
        "by_neighbourhood": by_nbh,
        "by_day": by_day,
    }


def town_figures(town) -> dict:
    """The dashboard panel's figures for ``town`` from the kept figures."""
    from lehuo.accounts.models import Neighbourhood

    rows: dict[str, dict] = defaultdict(dict)
    # Plain rows, not models: a town's figures are some hundreds of rows (a month and a
    # neighbourhood each), read on every computation of the dashboard.
    for row in Figure.objects.filter(scope=f"t{town.pk}").values_list(
            "dim", "key", "donations", "cents", "people", "organisations", named=True):
        rows[row.dim][row.key] = row
    head = rows["all"].get("")
    names = dict(Neighbourhood.objects.filter(pk__in=[int(k) for k in rows["nbh"] if k]).values_list("pk", "name"))
    nbh = sorted(((names[int(k)], money(f.cents)) for k, f in rows["nbh"].items() if k and f.donations),
                 key=lambda r: (-r[1], r[0]))
    months = [(k, money(f.cents)) for k, f in sorted(rows["month"].items()) if f.donations]
    return {"people": head.people if head else 0, "organisations": head.organisations if head else 0,
            "donations": head.donations if head else 0, "total": money(head.cents if head else 0),
            "by_neighbourhood": nbh, "over_time": months}


# --- rebuilding and checking ------------------------------------------------------------------


def rebuild(*, progress=None) -> int:
    """Recompute both tables from the valid gifts (and current tags) in a few grouped
    INSERT ... SELECT statements, in one transaction; returns the number of valid gifts."""
    pg = connection.vendor == "postgresql"
    cents_sql = "CAST(ROUND(d.amount * 100) AS BIGINT)"
    day = "CAST(d.received_on AS TEXT)" if pg else "substr(d.received_on, 1, 10)"
    month = "to_char(d.received_on, 'YYYY-MM')" if pg else "substr(d.received_on, 1, 7)"
    nbh = "COALESCE(CAST(d.neighbourhood_id AS TEXT), '')"
    drive, town = "'d' || CAST(d.drive_id AS TEXT)", "'t' || CAST(v.town_id AS TEXT)"
    bucket_sql = [(drive, "'all'", "''"), (drive, "'channel'", "d.channel"), (drive, "'method'", "d.method"),
                  (drive, "'nbh'", nbh), (drive, "'day'", day), (town, "'all'", "''"), (town, "'nbh'", nbh),
                  (town, "'month'", month)]
    gifts = "FROM donations_donation d JOIN donations_drive v ON v.id = d.drive_id WHERE d.voided_at IS NULL"
    donor = ("CASE WHEN d.person_id IS NOT NULL THEN 'p' || CAST(d.person_id AS TEXT) "
             "ELSE 'o' || CAST(d.organisation_id AS TEXT) END")
    from lehuo.people.models import Person

    tags_table = connection.ops.quote_name(Person.tags.through._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM donations_figure_donor")
        cursor.execute("DELETE FROM donations_figure")
        for scope, dim, key in bucket_sql:
            cursor.execute(
                "INSERT INTO donations_figure_donor (scope, dim, key, donor, gifts, cents) "  # noqa: S608 (fixed SQL)
                f"SELECT {scope}, {dim}, {key}, {donor}, COUNT(*), SUM({cents_sql}) {gifts} "
                "AND (d.person_id IS NOT NULL OR d.organisation_id IS NOT NULL) GROUP BY 1, 2, 3, 4")
            cursor.execute(
                "INSERT INTO donations_figure (scope, dim, key, donations, cents, people, organisations, outsiders, "  # noqa: S608
                "people_cents, organisations_cents) "
                f"SELECT {scope}, {dim}, {key}, COUNT(*), SUM({cents_sql}), COUNT(DISTINCT d.person_id), "
                "COUNT(DISTINCT d.organisation_id), "
                "SUM(CASE WHEN d.person_id IS NULL AND d.organisation_id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN d.person_id IS NOT NULL THEN {cents_sql} ELSE 0 END), "
                f"SUM(CASE WHEN d.organisation_id IS NOT NULL THEN {cents_sql} ELSE 0 END) {gifts} GROUP BY 1, 2, 3")
            if progress:
                progress(f"{dim.strip(chr(39))} of {'drives' if scope == drive else 'towns'}")
        # People holding each tag now, and their money, per drive.
        person_id = "CAST(SUBSTR(f.donor, 2) AS BIGINT)" if pg else "CAST(SUBSTR(f.donor, 2) AS INTEGER)"
        cursor.execute(
            "INSERT INTO donations_figure (scope, dim, key, donations, cents, people, organisations, outsiders, "  # noqa: S608
            "people_cents, organisations_cents) "
            "SELECT f.scope, 'tag', CAST(pt.tag_id AS TEXT), 0, SUM(f.cents), COUNT(*), 0, 0, SUM(f.cents), 0 "
            f"FROM donations_figure_donor f JOIN {tags_table} pt ON pt.person_id = {person_id} "
            "WHERE f.dim = 'all' AND f.scope LIKE 'd%' AND f.donor LIKE 'p%' AND f.gifts > 0 GROUP BY 1, 2, 3")
        cursor.execute("SELECT COALESCE(SUM(donations), 0) FROM donations_figure WHERE dim = 'all' AND scope LIKE 'd%'")
        return int(cursor.fetchone()[0])


def verify() -> list[str]:
    """Every drive's and town's kept figures against the same figures recomputed from the gifts."""
    from lehuo.accounts.models import Town

    from .models import Drive
    from .stats import compute_dashboard, compute_drive_stats

    out = []
    for drive in Drive.objects.order_by("pk"):
        out += [f"donation drive {drive.slug}{d}" for d in differences(drive_figures(drive), compute_drive_stats(drive))]
    for town in Town.objects.order_by("pk"):
        out += [f"donations of town {town.code}{d}" for d in differences(town_figures(town), compute_dashboard(town))]
    return out


def person_tags_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """m2m_changed of ``Person.tags``: keep the drives' tag rows right (same transaction).

    The persons are locked at ``pre_*``, before the link rows are written, and ``pk_set`` is
    trimmed there to the links really missing: Django picks the missing links before the
    signal, so two transactions adding the same tag to a person at once would both count it
    (the second insert is ignored as a conflict), and two removing it would both take it out."""
    from lehuo.people.models import Person

    through = Person.tags.through
    if reverse:  # tag.people.add(...): instance is the tag, pk_set the people
        if action == "pre_add":
            _lock_people(set(pk_set or ()), share=False)
            if pk_set:
                pk_set.difference_update(set(through.objects.filter(tag_id=instance.pk, person_id__in=pk_set)
                                             .values_list("person_id", flat=True)))
        elif action == "post_add":
            for person_id in sorted(pk_set or ()):
                tags_changed(person_id, [instance.pk], 1)
        elif action == "pre_remove":
            _lock_people(set(pk_set or ()), share=False)
            instance._figure_people_leaving = sorted(through.objects.filter(tag_id=instance.pk, person_id__in=pk_set or ())
                                                     .values_list("person_id", flat=True))
        elif action == "post_remove":
            for person_id in getattr(instance, "_figure_people_leaving", ()):
                tags_changed(person_id, [instance.pk], -1)
        elif action == "pre_clear":
            _lock_people(set(through.objects.filter(tag_id=instance.pk).values_list("person_id", flat=True)), share=False)
            for person_id in sorted(through.objects.filter(tag_id=instance.pk).values_list("person_id", flat=True)):
                tags_changed(person_id, [instance.pk], -1)
        return
    if action == "pre_add":
        _lock_people({instance.pk}, share=False)
        if pk_set:
            pk_set.difference_update(set(through.objects.filter(person_id=instance.pk, tag_id__in=pk_set)
                                         .values_list("tag_id", flat=True)))
    elif action == "post_add":
        tags_changed(instance.pk, pk_set or (), 1)
    elif action == "pre_remove":  # only the tags the person holds leave
        _lock_people({instance.pk}, share=False)
        instance._figure_tags_leaving = list(through.objects.filter(person_id=instance.pk, tag_id__in=pk_set or ())
                                             .values_list("tag_id", flat=True))
    elif action == "post_remove":
        tags_changed(instance.pk, getattr(instance, "_figure_tags_leaving", ()), -1)
    elif action == "pre_clear":
        _lock_people({instance.pk}, share=False)
        tags_changed(instance.pk, through.objects.filter(person_id=instance.pk).values_list("tag_id", flat=True), -1)
