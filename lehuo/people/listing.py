"""The people list's reads beside its rows: the columns it shows, each person's tag names with
the page's rows, and the filter bar's choices. Read-only; who sees what comes from the
permission module (``scope_q`` for the rows, ``may`` for each neighbourhood of the filter bar).

These are plain SQL where the ORM's work cost more than the database's: the list is the
register's most viewed page, and building and compiling a query costs several times its run
(docs/performance.md, "Issue 19, fourth pass")."""

from collections import namedtuple
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import may, require, scope_q
from lehuo.platform.memo import Memo

from . import services
from .models import Person, Tag
from .search import person_tag_ids, search_kind, search_people

# The masked ID number and phone are read as kept (Person.id_number_mask): nothing to decrypt.
ROW_COLUMNS = ("pk", "name", "sex", "birth_date", "neighbourhood__name", "id_number_mask", "phone_mask")

TAG_SEPARATOR = "\x1f"  # the unit separator: never in a tag's name (control characters are refused)

Choice = namedtuple("Choice", "pk name")

# Built list queries, by what decides them (see ``list_query``). Never evaluated themselves:
# each request reads a clone.
_LIST_QUERIES: Memo[QuerySet] = Memo(512)


class ListRead(NamedTuple):
    rows: Any  # a PersonQuerySet of ROW_COLUMNS and tag_names, as named tuples
    statement_key: tuple | None  # what decides its statements (paging.paginate_large keeps them)
    generic_plans: bool  # may PostgreSQL keep generic plans for them (no pattern match)?


def list_query(user, *, q: str = "", neighbourhood_id: str | None = None, tag: str = "", sort: str = "name",
               to: str = "people.person.list") -> ListRead:
    """The list's rows for the filters (``ROW_COLUMNS`` and ``tag_names`` as named tuples, the
    people the user may ``to``), the key that decides their statements (None when there is
    none), and whether their plans may be kept.

    The user's scope (``scope_q``, from the permission module, checked with ``require`` on every
    call) and the filters decide the query completely, so it is built once per process for them
    and cloned on every view: building it cost as much as running it. A tag filter's key holds
    the tag's ids, read on every view (a tag renamed or made anew is found). A letters search is
    kept with its branches' statement, and each view reads the branches' keys afresh (``Merge.fresh``); its
    pager counts through the branches, so it has no statement key of its own."""
    require(user, to)

    tag_ids = person_tag_ids(tag) if tag else None

    def build() -> QuerySet:
        qs = search_people(services.people_for(user, to=to), q=q, neighbourhood_id=neighbourhood_id, tag=tag, sort=sort,
                           tag_ids=tag_ids)
        return (qs.prefetch_related(None).annotate(tag_names=tag_names())
                .values_list(*ROW_COLUMNS, "tag_names", named=True))

    key = ("people.list", connection.alias, to, scope_q(user, to), q, neighbourhood_id, tag_ids, sort)
    rows: Any = _LIST_QUERIES.get(key, build).all()  # a PersonQuerySet
    if rows._merge is not None:  # a letters search
        rows._merge = rows._merge.fresh()
        return ListRead(rows, None, False)
    return ListRead(rows, key, search_kind(q) != "name")


def tag_names() -> RawSQL:
    """A person's tag names, in the tags' order, joined by ``TAG_SEPARATOR``, read with the page's
    rows (one round trip fewer than a query for the page's tags)."""
    person, through, tag = (connection.ops.quote_name(m._meta.db_table)
                            for m in (Person, Person.tags.through, Tag))
    joined = (f"FROM {through} pt JOIN {tag} t ON t.id = pt.tag_id "  # noqa: S608 (names from the models)
              f"WHERE pt.person_id = {person}.id")
    if connection.vendor == "postgresql":
        return RawSQL(f'SELECT string_agg(t.name, chr(31) ORDER BY t."order", t.name) {joined}', ())  # noqa: S608
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it concatenates in its input's order.
    return RawSQL(f'SELECT group_concat(name, char(31)) FROM (SELECT t.name {joined} ORDER BY t."order", t.name)', ())  # noqa: S608


def filter_choices(user, town, to: str = "people.person.list") -> tuple[list[Choice], list[Choice]]:
    """The filter bar's choices: the town's neighbourhoods the user may ``to`` (``may`` decides,
    per neighbourhood, as ``scope_q`` does for the rows), in the neighbourhoods' order, and the
    town's person tags, in theirs. One statement for both."""
    q = connection.ops.quote_name
    sql = (f"SELECT 0, n.id, n.name, 0, n.name_pinyin FROM {q(Neighbourhood._meta.db_table)} n "  # noqa: S608 (names from the models)
           "WHERE n.town_id = %s "
           f'UNION ALL SELECT 1, t.id, t.name, t."order", t.name FROM {q(Tag._meta.db_table)} t '
           "WHERE t.town_id = %s AND t.applies_to = %s "
           "ORDER BY 1, 4, 5, 2")
    with connection.cursor() as cursor:
        cursor.execute(sql, [town.pk, town.pk, Tag.PERSON])
        rows = cursor.fetchall()
    neighbourhoods = [Choice(pk, name) for kind, pk, name, _o, _k in rows
                      if kind == 0 and may(user, to, Neighbourhood(pk=pk, town_id=town.pk, name=name))]
    return neighbourhoods, [Choice(pk, name) for kind, pk, name, _o, _k in rows if kind == 1]
