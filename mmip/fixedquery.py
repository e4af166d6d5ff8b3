"""Queries the ORM writes once per thread, for hot paths that run the same statement with new values.

Django builds each query's SQL anew every time it runs: for a join of three tables that is most of a
millisecond of CPU, several times the round trip's (bench/README.md). A ``FixedQuery`` lets the ORM build
the statement once per thread and database alias, from a ``values_list`` queryset made with placeholder
values, and runs it again with the real ones, converting each column as the ORM would (dates and decimals
on SQLite, JSON)::

    answers = FixedQuery(lambda submission_id: Answer.objects.filter(submission_id=submission_id)
                         .values_list("question__text", "text"))
    answers(42)  # [("Question?", "Answer."), ...] in the queryset's own order

The queryset must be a ``values_list`` of fields (no ``flat``, ``named``, extra or annotations) in which each
argument appears as one parameter of the SQL, compared with a field of its kind (``kinds``: "int" for keys
and integer fields other than SmallIntegerField, "uuid" for UUID fields); ``FixedQuery`` checks this when it
compiles. ``columns``, ``lookups`` and ``load`` select whole or partial rows of several models and load them
as instances, as the ORM's own loading does.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.query import ValuesListIterable

# Placeholder values of each kind, one per argument: values nobody's query holds, within the range of every
# integer field but the small ones (Django finds an out-of-range lookup empty before writing any SQL).
_PLACEHOLDERS = {
    "int": tuple(2_147_483_000 + n for n in range(8)),
    "uuid": tuple(uuid.UUID(int=2**127 + 0x5EED0000 + n) for n in range(8)),
}


def _as_is(value):
    return value


def _hex(value):
    return uuid.UUID(str(value)).hex


class FixedQuery:
    def __init__(self, build: Callable[..., object], kinds: Sequence[str] = ("int",)):
        if not 1 <= len(kinds) <= 8 or set(kinds) - set(_PLACEHOLDERS):
            raise ValueError(f"kinds: from 1 to 8 of {', '.join(_PLACEHOLDERS)}")
        self._build, self._kinds = build, tuple(kinds)
        self._placeholders = tuple(_PLACEHOLDERS[kind][n] for n, kind in enumerate(self._kinds))
        # Compiled per thread, as Django's connections are: the compiler keeps the connection it was made for.
        self._local = threading.local()

    def _slot(self, param):
        """Which argument a parameter of the compiled SQL is, and how the database takes it (a UUID is sent
        as itself, or as hex where the database has no UUID type); None for a constant of the query."""
        for index, placeholder in enumerate(self._placeholders):
            if isinstance(placeholder, int) and isinstance(param, int) and param == placeholder:
                # On PostgreSQL, Django sends an integer field's value typed (psycopg's Int4 for an IntegerField).
                return index, _as_is if type(param) is int else type(param)
            if type(param) is type(placeholder) and param == placeholder:
                return index, _as_is
            if isinstance(placeholder, uuid.UUID) and param == placeholder.hex:
                return index, _hex
        return None

    def _compile(self, alias: str):
        queryset = self._build(*self._placeholders).using(alias)
        query = queryset.query
        if queryset._iterable_class is not ValuesListIterable or query.extra_select or query.annotation_select:
            raise TypeError("FixedQuery needs a values_list() of fields, without extra() or annotations")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = [self._slot(param) or (None, param) for param in params]
        if sorted(index for index, _ in slots if index is not None) != list(range(len(self._kinds))):
            raise TypeError("each placeholder must appear in the SQL as a parameter of its own")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return sql, slots, converters, compiler

    def __call__(self, *args, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if len(args) != len(self._kinds):
            raise TypeError(f"expected {len(self._kinds)} values, got {len(args)}")
        cache = self._local.__dict__
        compiled = cache.get(using)
        if compiled is None:
            compiled = cache[using] = self._compile(using)
        sql, slots, converters, compiler = compiled
        params = [value if index is None else value(args[index]) for index, value in slots]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows: Iterable = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [tuple(row) for row in rows]


def instance(model: type[Model], attnames: Sequence[str], values: Sequence, using: str = DEFAULT_DB_ALIAS) -> Model:
    """A model instance loaded from the database as the ORM loads one (``Model.from_db``): the fields not in
    ``attnames`` are deferred, read if asked for. (``from_db`` takes the values in the fields' own order.)"""
    given = dict(zip(attnames, values, strict=True))
    names = [field.attname for field in model._meta.concrete_fields if field.attname in given]
    return model.from_db(using, names, [given[name] for name in names])


Columns = tuple[type[Model], tuple[str, ...], tuple[str, ...]]


def columns(model: type[Model], prefix: str = "", names: Sequence[str] = (), exclude: Sequence[str] = ()) -> Columns:
    """What a FixedQuery selects of one model: the model, its fields' attnames (for ``instance``) and the
    lookups that select them from the queried model (``prefix``: the path to it, "submission__"). All
    concrete fields but ``exclude`` when ``names`` is empty; a model's primary key is always read."""
    meta = model._meta
    if names:
        fields = [meta.pk, *(meta.get_field(name) for name in names if name != meta.pk.name)]
    else:
        fields = [field for field in meta.concrete_fields if field.name not in exclude]
    return model, tuple(field.attname for field in fields), tuple(prefix + field.name for field in fields)


def lookups(layout: Sequence[Columns]) -> list[str]:
    """The ``values_list`` arguments that select a layout's columns, in order."""
    return [lookup for _, _, names in layout for lookup in names]


def load(row: Sequence, layout: Sequence[Columns], using: str = DEFAULT_DB_ALIAS) -> list[Model]:
    """A row of a FixedQuery that selected ``lookups(layout)``, as one instance of each model of the layout."""
    loaded, start = [], 0
    for model, attnames, _ in layout:
        loaded.append(instance(model, attnames, row[start : start + len(attnames)], using))
        start += len(attnames)
    return loaded
