"""People search: name, full pinyin, pinyin initials or the last digits of a phone.

Letters match a person whose pinyin initials or full pinyin start with them (``zly``, ``zhang``),
or, when the letters can begin a pinyin syllable (``zhang``, ``long``, ``li``), one of whose
later pinyin words starts with them (``long`` finds 张龙云; the pinyin from the 2nd, 3rd and 4th
word on is kept in ``Person.pinyin_w2`` .. ``pinyin_w4`` by their field on every write). Each way
of matching is a ``Branch`` with an index range of its own; a name-ordered page and the pager's
capped count are read branch by branch (``Merge``, through ``PersonQuerySet``), so the database
reads the matches and never walks the town for a rare one. (A later word of a non-Chinese name
that no syllable begins with, ``Smith`` in "Mary Smith", is found by the start of the name or by
typing the name itself.)
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connections, router
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value

from .models import Person, Tag

SORTS = {"name": ("name_pinyin", "id"), "-name": ("-name_pinyin", "-id"),
         "age": ("-birth_date", "id"), "-age": ("birth_date", "id"),
         "created": ("created_at", "id"), "-created": ("-created_at", "-id")}


@lru_cache(maxsize=1)
def syllable_prefixes() -> frozenset[str]:
    """Every beginning of every toneless pinyin syllable (ü written v, as ``pinyin_key`` does)."""
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFD", reading.replace("ü", "v"))
            syllables.add("".join(c for c in plain if not unicodedata.combining(c)).lower())
    return frozenset(s[:i] for s in syllables for i in range(1, len(s) + 1))


def starts_with_letter(letter: str) -> Q:
    """A range of name_pinyin that holds every pinyin starting with ``letter`` (a-z), which an
    index answers on both databases: SQLite's LIKE never uses an index, and PostgreSQL's uses
    one only under the "C" collation (not C.UTF-8 or en_US.UTF-8). Lower-case letters sort in
    alphabet order under every collation, so the range never loses a match; the exact
    startswith conditions beside it still decide."""
    if "a" <= letter < "z":
        return Q(name_pinyin__gte=letter, name_pinyin__lt=chr(ord(letter) + 1))
    return Q(name_pinyin__gte=letter)


def prefix_range(field: str, text: str) -> Q:
    """``field`` in a range that holds every value starting with ``text`` (lower-case letters and
    spaces) under every collation, so an index answers it; the exact ``startswith`` beside it
    decides. The upper end increments the last letter that is not a "z" ("zhang" -> "zhanh",
    "liz" -> "lj"): spaces and letters past it cannot lift a value starting with ``text`` over
    it, whether the collation compares spaces (C) or skips them at first (en_US, zh_CN)."""
    stem = text.rstrip("z ")
    if not stem:
        return Q(**{f"{field}__gte": text})
    return Q(**{f"{field}__gte": text, f"{field}__lt": stem[:-1] + chr(ord(stem[-1]) + 1)})


@dataclass(frozen=True)
class Branch:
    """One way of matching the letters, written twice: ``ranged`` is an index range of its own
    (the database reads only its matches, then sorts them), ``walked`` the same condition for
    a walk of the list's own index in order (read until the page is full, fast when matches
    are many)."""

    ranged: Q
    walked: Q


def _prefix(field: str, text: str) -> Branch:
    starts = Q(**{f"{field}__startswith": text})
    return Branch(prefix_range(field, text) & starts, starts)


def letter_branches(q: str) -> list[Branch]:
    """The ways a person matches letters ``q``; a person matches if any branch does."""
    text = q.lower()
    compact = text.replace(" ", "")
    words = text.split()
    pinyin = _prefix("name_pinyin", text)
    pinyin = Branch(pinyin.ranged, pinyin.ranged)  # the list's index is on the pinyin: its range is in order
    # Initials start with the pinyin's first letter: they are walked within that letter's range
    # of the list's index.
    initials = _prefix("name_initials", compact)
    initials = Branch(initials.ranged, starts_with_letter(compact[0]) & initials.walked)
    if not (words and words[0] in syllable_prefixes()):
        # No syllable starts so (``zl``, ``lxm``): initials, or a pinyin that starts so (a Latin name).
        return [initials, pinyin]
    # A later word may match too: the pinyin from the 2nd, 3rd or 4th word on starts with the
    # letters, or, for the rare names of five words or more, the 4th column holds them after a space.
    rest = Q(pinyin_w4__contains=" " + text)
    return [pinyin, initials, *(_prefix(f"pinyin_w{k}", text) for k in (2, 3, 4)),
            Branch(Q(pinyin_w4__gt="") & rest, rest)]


def letters_q(q: str) -> Q:
    """The letters' filter as one condition (exports, other sorts, counts on request)."""
    match = Q()
    for branch in letter_branches(q):
        match |= branch.ranged
    return match


@dataclass
class Merge:
    """A letters search read branch by branch (``PersonQuerySet`` asks it for name-ordered
    slices and capped counts). One query with every branch ORed cannot be read in the list's
    order from one index: SQLite walked the list's index from "a" (1.8 s for ``zhang`` at
    1,000,000 people, a later-word match being rare) and counted through the whole town.

    A branch with at most ``COUNT_CAP`` matches is read through its own index range; a branch
    with more is read by walking the list's index in order (its matches are dense enough that
    the page fills early). The page is then the rows among those candidates, ordered by the
    database (its collation decides the order, never Python's)."""

    base: QuerySet  # the search without the letters: scope, neighbourhood, tag
    branches: list[Branch]
    # Each branch's keys, read once for the search's page and its count (one request: see ``fresh``).
    _keys: dict = field(default_factory=dict)
    # The statement reading every branch's keys, by cap: what base and branches decide, kept
    # by the copies ``fresh`` makes (the list keeps a built search: ``listing.list_query``).
    _statements: dict = field(default_factory=dict)

    def fresh(self) -> "Merge":
        """The same search for another request: its statements, no keys read yet."""
        return Merge(self.base, self.branches, _statements=self._statements)

    def keys(self, cap: int) -> list[list[int]]:
        """Each branch's matching keys, at most ``cap`` (cached: the page and the pager share them)."""
        if cap not in self._keys:
            if cap not in self._statements:
                self._statements[cap] = self._statement(cap)
            keys: list[list[int]] = [[] for _ in self.branches]
            with connections[self.base.db].cursor() as cursor:
                cursor.execute(*self._statements[cap])
                for branch, pk in cursor.fetchall():
                    keys[branch].append(pk)
            self._keys[cap] = keys
        return self._keys[cap]

    def _statement(self, cap: int) -> tuple[str, list]:
        reads = [self.base.filter(b.ranged).order_by().annotate(branch=Value(i, IntegerField()))
                 .values_list("branch", "pk")[:cap] for i, b in enumerate(self.branches)]
        # One statement for every branch: UNION ALL of the capped reads, each in a subquery of
        # its own (Django's union() cannot limit its parts on SQLite).
        parts = [read.query.sql_with_params() for read in reads]
        sql = " UNION ALL ".join(f"SELECT * FROM ({part}) b{i}" for i, (part, _params) in enumerate(parts))  # noqa: S608
        return sql, [p for _part, params in parts for p in params]

    def count(self, cap: int) -> int:
        """The matches, counted up to ``cap``."""
        return min(cap, len(set().union(*self.keys(cap))))

    def candidates(self, order: tuple, stop: int) -> list[int]:
        from lehuo.platform.paging import COUNT_CAP

        found: set[int] = set()
        for branch, keys in zip(self.branches, self.keys(COUNT_CAP + 1), strict=True):
            if len(keys) > COUNT_CAP:  # dense: walk the list's index until ``stop`` matches
                found.update(self.base.filter(branch.walked).order_by(*order).values_list("pk", flat=True)[:stop])
            elif len(keys) <= stop:
                found.update(keys)
            else:
                found.update(self.base.filter(pk__in=keys).order_by(*order).values_list("pk", flat=True)[:stop])
        return sorted(found)


def merged_slice(qs: QuerySet, merge: Merge, key: slice) -> list | None:
    """Rows ``key`` of ``qs`` (a letters search, ordered by name) read through ``merge``, or
    None where the plain query is the right one (another order, a step, deep pages)."""
    from lehuo.platform.paging import COUNT_CAP

    order = tuple(qs.query.order_by)
    start, stop = key.start or 0, key.stop
    if (order not in (SORTS["name"], SORTS["-name"]) or key.step is not None or stop is None
            or start < 0 or stop > COUNT_CAP + 1 or stop <= start):
        return None
    ids = merge.candidates(order, stop)
    if not ids:
        return []
    # The candidates already meet the search (each came from the base and a branch): the rows
    # are read by key under the base's conditions only. With the branches ORed beside the keys,
    # PostgreSQL planned the OR (bitmaps of every match, 21 ms) instead of 51 key look-ups.
    rows = qs.all()
    rows.query.where = merge.base.query.where.clone()
    return list(rows.filter(pk__in=ids)[start:stop])


def search_kind(q: str | None) -> str:
    """How ``q`` is searched: "" (no search), "phone" (the phone's last four digits), "letters"
    (pinyin, read branch by branch: ``Merge``) or "name" (characters of the name, ``LIKE
    '%q%'``: a plan for it depends on the pattern, so its statements are never prepared,
    ``paging.custom_plans``)."""
    text = (q or "").strip()[:50]
    if not text:
        return ""
    if re.fullmatch(r"\d{4}", text):
        return "phone"
    return "letters" if re.fullmatch(r"[A-Za-z ]+", text) else "name"


def person_tag_ids(name: str) -> tuple[int, ...]:
    """The ids of the person tags called ``name`` (one per town at most), in order."""
    alias = router.db_for_read(Tag)
    table = connections[alias].ops.quote_name(Tag._meta.db_table)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE name = %s AND applies_to = %s ORDER BY id",  # noqa: S608 (the model's table)
                       [name, Tag.PERSON])
        return tuple(row[0] for row in cursor.fetchall())


def search_people(qs: QuerySet, *, q: str = "", neighbourhood_id=None, tag: str = "", sort: str = "name",
                  tag_ids: tuple[int, ...] | None = None) -> QuerySet:
    """``qs`` narrowed by the list's search and filters, in ``sort``'s order; ``tag_ids`` are the
    ids of ``tag`` when the caller has read them (``person_tag_ids``)."""
    kind, q = search_kind(q), (q or "").strip()[:50]
    letters = ""
    if kind == "phone":
        qs = qs.filter(phone_tail=q)
    elif kind == "letters":
        letters = q
    elif kind == "name":
        qs = qs.filter(name__contains=q)
    if neighbourhood_id:
        qs = qs.filter(neighbourhood_id=neighbourhood_id)
    if tag:
        # A semi-join rather than a join: the database walks the list's own index in order and
        # checks membership, instead of joining every person to their tags first.
        # The tag's ids first (a tiny query), then a correlated EXISTS on the through table's
        # (person, tag) unique index: the list's index is walked in order and the first page
        # (and the pager's capped count) stop early, where an IN (subquery) read every tagged
        # person of the city first.
        if tag_ids is None:
            tag_ids = person_tag_ids(tag)
        qs = qs.filter(Exists(Person.tags.through.objects.filter(person_id=OuterRef("pk"), tag_id__in=tag_ids)))
    if letters:
        merge = Merge(qs, letter_branches(letters))
        qs = qs.filter(letters_q(letters))
        qs._merge = merge  # type: ignore[attr-defined]  # read branch by branch where it can (PersonQuerySet)
    return qs.select_related("neighbourhood").prefetch_related("tags").order_by(*SORTS.get(sort, SORTS["name"]))
