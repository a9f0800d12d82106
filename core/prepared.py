"""Querysets of a fixed shape, compiled to SQL once per process and database.

Building a queryset (filters, annotations, `select_related`, unions) and compiling it to
SQL costs Django more than running it on an indexed table: for the statements an
approval runs every time, with the same shape and only new values, that work is done
once. `PreparedQuery(build, *kinds)` calls `build` with placeholders of the given kinds
(`int`, `str`) the first time it runs on a database, compiles the queryset, finds where
each placeholder went among the SQL's parameters, and from then on runs the same SQL
with the caller's values through Django's own iterables: model instances with their
`select_related` objects and annotations, or `values_list` tuples, exactly as the
queryset would give them.

What `build` puts in the query other than through its arguments must not change for the
life of the process (model and field names, constants): anything that does (an id read
from the database, a setting) is an argument. A placeholder Django transforms on the way
to the SQL (so it is not found among the parameters) is an error at the first run, which
the tests of each prepared query meet.
"""

import copy
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Values nothing real uses, inside the range of every backend's integer and positive
# integer fields (Django compiles an out-of-range lookup to an empty or full result
# instead of a parameter).
_INT_BASE = 2_000_000_000
_STR_MARK = "\x1fprepared-placeholder-{}\x1f"


def _placeholder(kind: type, index: int):
    if kind is int:
        return _INT_BASE + index
    if kind is str:
        return _STR_MARK.format(index)
    raise TypeError(f"PreparedQuery: unsupported placeholder kind {kind!r}")


class _Compiled:
    __slots__ = ("compiler", "params", "queryset", "slots", "sql")

    def __init__(self, queryset: QuerySet, compiler, sql: str, params: tuple, slots: list[tuple[int, int]]):
        self.queryset, self.compiler, self.sql, self.params, self.slots = queryset, compiler, sql, params, slots


class PreparedQuery:
    """A queryset built by `build(*values)`, compiled once per database; calling the
    prepared query with values returns the rows as a list."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        placeholders = [_placeholder(kind, index) for index, kind in enumerate(self._kinds)]
        queryset = self._build(*placeholders).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for index, placeholder in enumerate(placeholders):
            found = [
                position
                for position, param in enumerate(params)
                if type(param) is type(placeholder) and param == placeholder
            ]
            if not found:
                raise ValueError(f"PreparedQuery: argument {index} does not reach the SQL as a parameter")
            slots.extend((position, index) for position in found)
        compiled = _Compiled(queryset, compiler, sql, tuple(params), slots)
        self._compiled[using] = compiled
        return compiled

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        if len(values) != len(self._kinds):
            raise TypeError(f"PreparedQuery: {len(self._kinds)} values expected, {len(values)} given")
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = values[index]
        bound = tuple(params)
        # A copy of the compiled compiler on this thread's connection, whose as_sql is the
        # SQL already made; Django's iterable of the queryset does the rest (instances,
        # related objects, annotations, converters), as for any queryset.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, bound)
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def get(self, *values, using: str = DEFAULT_DB_ALIAS):
        """The one row, or the model's DoesNotExist (MultipleObjectsReturned if several),
        as `QuerySet.get` would say."""
        rows = self(*values, using=using)
        if len(rows) == 1:
            return rows[0]
        model = self._compiled[using].queryset.model
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}")

    def first(self, *values, using: str = DEFAULT_DB_ALIAS):
        rows = self(*values, using=using)
        return rows[0] if rows else None
