"""Statements compiled once and run on many views.

A list page builds the same few queries on every view, and Django compiles each anew: at
1,000,000 people building and compiling the people list's queries cost more than running them
(docs/performance.md, "Issue 19, fourth pass"). Where the list's code can name what decides a
query completely (the user's scope and the filters: ``people.listing.list_query``), the
compiled statement is kept per process in ``STATEMENTS`` under that key and run with fresh
results every time. Only the SQL and the way to read its rows are kept, never rows."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models.query import NamedValuesListIterable, ValuesListIterable
from django.db.models.utils import create_namedtuple_class

from .memo import Memo

STATEMENTS: Memo[Any] = Memo(1024)


def count_statement(keys) -> tuple[str, tuple] | None:
    """``SELECT COUNT(*)`` over the (sliced) queryset ``keys``, or None for a query known to be
    empty (Django counts it without the database)."""
    try:
        sql, params = keys.query.sql_with_params()
    except EmptyResultSet:
        return None
    return f"SELECT COUNT(*) FROM ({sql}) capped", tuple(params)  # noqa: S608 (the ORM's own SQL)


@dataclass(frozen=True)
class RowsStatement:
    """A ``values_list`` queryset's statement with what Django does to its rows after the
    database: each column's converters (SQLite's dates, a field's ``from_db_value``) and the
    named tuple. ``read`` gives the rows ``list(queryset)`` gives."""

    sql: str
    params: tuple
    converters: tuple  # ((position, converter functions, expression), ...)
    row_class: type | None  # the named tuple of values_list(named=True); plain tuples without

    @classmethod
    def of(cls, queryset) -> "RowsStatement | None":
        """The statement of ``queryset``, or None where Django's own reading is needed (other
        row kinds, prefetches, extra columns, or a query known to be empty)."""
        query = queryset.query
        if queryset._iterable_class not in (ValuesListIterable, NamedValuesListIterable) or (
                queryset._prefetch_related_lookups or query.extra_select):
            return None
        names = [*query.values_select, *query.annotation_select]
        if list(queryset._fields or names) != names:  # columns reordered after the select
            return None
        compiler = query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        if compiler.has_extra_select:
            return None
        fields = [selected[0] for selected in compiler.select[0:compiler.col_count]]
        converters = tuple((pos, tuple(convs), expression)
                           for pos, (convs, expression) in compiler.get_converters(fields).items())
        named = queryset._iterable_class is NamedValuesListIterable
        return cls(sql, tuple(params), converters, create_namedtuple_class(*names) if named else None)

    def read(self, connection) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows: list = cursor.fetchall()
        if self.converters:
            rows = [self._convert(list(row), connection) for row in rows]
        if self.row_class is not None:
            make = tuple.__new__
            return [make(self.row_class, row) for row in rows]
        return [tuple(row) for row in rows]

    def _convert(self, row: list, connection) -> list:
        for pos, convs, expression in self.converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        return row
