"""People search: name, full pinyin, pinyin initials or the last digits of a phone."""

import re

from django.db.models import Q, QuerySet

from .models import Person

SORTS = {"name": ("name_pinyin", "id"), "-name": ("-name_pinyin", "-id"),
         "age": ("-birth_date", "id"), "-age": ("birth_date", "id"),
         "created": ("created_at", "id"), "-created": ("-created_at", "-id")}


def search_people(qs: QuerySet, *, q: str = "", neighbourhood_id=None, tag: str = "", sort: str = "name") -> QuerySet:
    q = (q or "").strip()[:50]
    if q:
        if re.fullmatch(r"\d{4}", q):
            qs = qs.filter(phone_tail=q)
        elif re.fullmatch(r"[A-Za-z ]+", q):
            text = q.lower()
            qs = qs.filter(Q(name_initials__startswith=text.replace(" ", "")) | Q(name_pinyin__startswith=text)
                           | Q(name_pinyin__contains=" " + text))
        else:
            qs = qs.filter(name__contains=q)
    if neighbourhood_id:
        qs = qs.filter(neighbourhood_id=neighbourhood_id)
    if tag:
        # A semi-join rather than a join: the database walks the list's own index in order and
        # checks membership, instead of joining every person to their tags first.
        tagged = Person.tags.through.objects.filter(tag__name=tag).values("person_id")
        qs = qs.filter(pk__in=tagged)
    return qs.select_related("neighbourhood").prefetch_related("tags").order_by(*SORTS.get(sort, SORTS["name"]))
