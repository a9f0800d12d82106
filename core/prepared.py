"""Querysets of a fixed shape, compiled to SQL once per process and database.

Building a queryset (filters, annotations, `select_related`, unions) and compiling it to
SQL costs Django more than running it on an indexed table: for the statements an
approval runs every time, with the same shape and only new values, that work is done
once. `PreparedQuery(build, *kinds)` calls `build` with placeholders of the given kinds
(`int`, `str`, `date`, or `list` for a list of ids: one shape per length) the first time
it runs on a database, compiles the queryset, finds where
each placeholder went among the SQL's parameters, and from then on runs the same SQL
with the caller's values through Django's own iterables: model instances with their
`select_related` objects and annotations, or `values_list` tuples, exactly as the
queryset would give them.

The arguments are values the SQL compares with (filters, annotations), never a slice's
bounds, which Django writes into the SQL itself. What `build` puts in the query other
than through its arguments must not change for the
life of the process (model and field names, constants): anything that does (an id read
from the database, a setting) is an argument. A placeholder Django transforms on the way
to the SQL (so it is not found among the parameters) is an error at the first run, which
the tests of each prepared query meet.
"""

import copy
from collections.abc import Callable
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Values nothing real uses, inside the range of every backend's integer and positive
# integer fields (Django compiles an out-of-range lookup to an empty or full result
# instead of a parameter). Argument i's placeholders are _INT_BASE + 1000 i (+ j for the
# j-th item of a list).
_INT_BASE = 2_000_000_000
_STR_MARK = "\x1fprepared-placeholder-{}\x1f"
# A list longer than this is not worth a compiled shape of its own: the queryset is built
# and run as usual.
LIST_MAX = 64


def _placeholder(kind: type, index: int, length: int = 0):
    if kind is int:
        return _INT_BASE + 1000 * index
    if kind is str:
        return _STR_MARK.format(index)
    if kind is date:
        return date(1000 + index, 1, 1)  # SQLite's backend passes dates as ISO text
    if kind is list:
        return [_INT_BASE + 1000 * index + position for position in range(length)]
    raise TypeError(f"PreparedQuery: unsupported placeholder kind {kind!r}")


def _as_passed(param, placeholder):
    """How the backend passes `placeholder` when `param` is it (the value itself, an int
    wrapped in psycopg's type, a date as ISO text), or None when `param` is not it."""
    if type(param) is type(placeholder) and param == placeholder:
        return _same
    if isinstance(placeholder, int) and isinstance(param, int) and not isinstance(param, bool) and param == placeholder:
        return type(param)  # psycopg's sized integers (Int4...), which Django passes for some fields
    if isinstance(placeholder, date) and param == placeholder.isoformat():
        return date.isoformat
    return None


def _same(value):
    return value


class _Compiled:
    __slots__ = ("compiler", "params", "queryset", "slots", "sql")

    def __init__(self, queryset: QuerySet, compiler, sql: str, params: tuple, slots: list):
        self.queryset, self.compiler, self.sql, self.params, self.slots = queryset, compiler, sql, params, slots


class PreparedQuery:
    """A queryset built by `build(*values)`, compiled once per database; calling the
    prepared query with values returns the rows as a list."""

    # Compiled shapes kept (one per database, and per length of each list argument).
    SHAPES_MAX = 256

    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self._build = build
        self._kinds = kinds
        self._compiled: dict[tuple, _Compiled] = {}
        self.model = None

    def _compile(self, key: tuple, lengths: tuple[int, ...]) -> _Compiled:
        placeholders = [
            _placeholder(kind, index, length)
            for index, (kind, length) in enumerate(zip(self._kinds, lengths, strict=True))
        ]
        queryset = self._build(*placeholders).using(key[0])
        compiler = queryset.query.get_compiler(using=key[0])
        sql, params = compiler.as_sql()
        slots = []  # (position among the parameters, argument, item of a list or None, form)
        for index, placeholder in enumerate(placeholders):
            items = list(enumerate(placeholder)) if isinstance(placeholder, list) else [(None, placeholder)]
            for item, value in items:
                found = [
                    (position, form) for position, param in enumerate(params) if (form := _as_passed(param, value))
                ]
                if not found:
                    raise ValueError(f"PreparedQuery: argument {index} does not reach the SQL as a parameter")
                slots.extend((position, index, item, form) for position, form in found)
        if len(self._compiled) >= self.SHAPES_MAX:
            self._compiled.clear()
        compiled = self._compiled[key] = _Compiled(queryset, compiler, sql, tuple(params), slots)
        self.model = queryset.model
        return compiled

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        if len(values) != len(self._kinds):
            raise TypeError(f"PreparedQuery: {len(self._kinds)} values expected, {len(values)} given")
        lengths = tuple(len(value) if kind is list else 0 for kind, value in zip(self._kinds, values, strict=True))
        if any(kind is list and not 0 < length <= LIST_MAX for kind, length in zip(self._kinds, lengths, strict=True)):
            # An empty list (Django runs nothing) or a long one: as any queryset.
            return list(self._build(*values).using(using))
        key = (using, lengths)
        compiled = self._compiled.get(key) or self._compile(key, lengths)
        params = list(compiled.params)
        for position, index, item, form in compiled.slots:
            params[position] = form(values[index] if item is None else values[index][item])
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

    def _any_placeholders(self) -> list:
        return [_placeholder(kind, index, 1) for index, kind in enumerate(self._kinds)]

    def get(self, *values, using: str = DEFAULT_DB_ALIAS):
        """The one row, or the model's DoesNotExist (MultipleObjectsReturned if several),
        as `QuerySet.get` would say."""
        rows = self(*values, using=using)
        if len(rows) == 1:
            return rows[0]
        model = self.model or self._build(*self._any_placeholders()).model
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}")

    def first(self, *values, using: str = DEFAULT_DB_ALIAS):
        rows = self(*values, using=using)
        return rows[0] if rows else None
