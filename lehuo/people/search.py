"""People search: name, full pinyin, pinyin initials or the last digits of a phone.

Letters match a person whose pinyin initials or full pinyin start with them (``zly``, ``zhang``),
or one of whose later pinyin words starts with them (``long`` finds 张龙云). The first two are
written so the database reads only the index range of the first letter (the list's own index,
in the list's order, so the first page stops after 50 matches). The later-word match cannot
use an index, so it is asked only when the letters can begin a pinyin syllable (``long``,
``li``, ``zh``): a later word of a Chinese name is a syllable, so ``zl`` or ``lxm`` can match
only initials or the start of the pinyin, and those searches never read the whole register.
(A later word of a non-Chinese name that no syllable begins with, ``Smith`` in "Mary Smith",
is found by the start of the name or by typing the name itself.)
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


def letters_q(q: str) -> Q:
    text = q.lower()
    compact = text.replace(" ", "")
    # Initials and pinyin both start with the name's first letter: the range of that letter.
    start = starts_with_letter(compact[0]) & (Q(name_initials__startswith=compact) | Q(name_pinyin__startswith=text))
    words = text.split()
    if words and words[0] in syllable_prefixes():
        return start | Q(name_pinyin__contains=" " + text)
    return start


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
