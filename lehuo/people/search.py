"""People search: name, full pinyin, pinyin initials or the last digits of a phone.

Letters match a person whose pinyin initials or full pinyin start with them (``zly``, ``zhang``),
or one of whose later pinyin words starts with them (``long`` finds 张龙云). Each is written so an
index answers it on both databases: the letter's range of the list's own index for initials
(``zl``, ``lxm``: read in the list's order, the first page stops after 50 matches), and, when
the letters can begin a pinyin syllable (``zhang``, ``long``, ``li``), index ranges on the
pinyin, the initials and the pinyin from the 2nd, 3rd and 4th word on (``Person.pinyin_w2`` ..
``pinyin_w4``, kept by their field on every write), so a later word is found without reading
every person. (A later word of a non-Chinese name that no syllable begins with, ``Smith`` in
"Mary Smith", is found by the start of the name or by typing the name itself.)
"""

import re
import unicodedata
from functools import lru_cache

from django.db.models import Exists, OuterRef, Q, QuerySet

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


def later_word_q(text: str) -> Q:
    """A word after the first starts ``text``: the pinyin from the 2nd, 3rd or 4th word on starts
    with it (each an index range), or, for the rare names of five words or more, the pinyin from
    the 4th word on holds it after a space."""
    q = Q(pinyin_w4__gt="", pinyin_w4__contains=" " + text)
    for k in (2, 3, 4):
        q |= prefix_range(f"pinyin_w{k}", text) & Q(**{f"pinyin_w{k}__startswith": text})
    return q


def letters_q(q: str) -> Q:
    text = q.lower()
    compact = text.replace(" ", "")
    words = text.split()
    if words and words[0] in syllable_prefixes():
        # Any word may match: each way of matching is an index range of its own (the pinyin's
        # start, the initials, the 2nd/3rd/4th word on), so the database reads only the matches.
        return ((prefix_range("name_pinyin", text) & Q(name_pinyin__startswith=text))
                | (prefix_range("name_initials", compact) & Q(name_initials__startswith=compact))
                | later_word_q(text))
    # Initials and pinyin both start with the name's first letter: the range of that letter,
    # read in the list's own index order (the first page stops after 50 matches).
    return starts_with_letter(compact[0]) & (Q(name_initials__startswith=compact) | Q(name_pinyin__startswith=text))


def search_people(qs: QuerySet, *, q: str = "", neighbourhood_id=None, tag: str = "", sort: str = "name") -> QuerySet:
    q = (q or "").strip()[:50]
    if q:
        if re.fullmatch(r"\d{4}", q):
            qs = qs.filter(phone_tail=q)
        elif re.fullmatch(r"[A-Za-z ]+", q):
            qs = qs.filter(letters_q(q))
        else:
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
        tag_ids = list(Tag.objects.filter(name=tag, applies_to=Tag.PERSON).values_list("pk", flat=True))
        qs = qs.filter(Exists(Person.tags.through.objects.filter(person_id=OuterRef("pk"), tag_id__in=tag_ids)))
    return qs.select_related("neighbourhood").prefetch_related("tags").order_by(*SORTS.get(sort, SORTS["name"]))
