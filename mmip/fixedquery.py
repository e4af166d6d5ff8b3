"""Queries the ORM writes once per process, for hot paths that run the same statement with new values.

Django builds each query's SQL anew every time it runs: for a join of three tables that is most of a
millisecond of CPU, several times the round trip's (bench/README.md). A ``FixedQuery`` lets the ORM build
the statement once per database alias, from a ``values_list`` queryset made with placeholder values, and
runs it again with the real ones, converting each column as the ORM would (decimals on SQLite, JSON)::

    answers = FixedQuery(lambda submission_id: Answer.objects.filter(submission_id=submission_id)
                         .values_list("question__text", "text"))
    answers(42)  # [("Question?", "Answer."), ...] in the queryset's own order

The queryset must be a ``values_list`` of fields (no ``flat``, ``named``, extra or annotations) whose
placeholders each appear as one parameter of the SQL, which ``FixedQuery`` checks when it compiles.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import ValuesListIterable

# Placeholder values: integers nobody's query holds, one per parameter of the builder.
_PLACEHOLDERS = tuple(-(2**62) + n for n in range(8))


class FixedQuery:
    def __init__(self, build: Callable[..., object], arity: int = 1):
        if not 1 <= arity <= len(_PLACEHOLDERS):
            raise ValueError(f"arity must be from 1 to {len(_PLACEHOLDERS)}")
        self._build, self._arity = build, arity
        # Compiled per thread, as Django's connections are: the compiler keeps the connection it was made for.
        self._local = threading.local()

    def _compile(self, alias: str):
        queryset = self._build(*_PLACEHOLDERS[: self._arity]).using(alias)
        query = queryset.query
        if queryset._iterable_class is not ValuesListIterable or query.extra_select or query.annotation_select:
            raise TypeError("FixedQuery needs a values_list() of fields, without extra() or annotations")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []  # for each parameter of the SQL: ("arg", i) or ("value", constant)
        for param in params:
            if isinstance(param, int) and param in _PLACEHOLDERS:
                slots.append(("arg", _PLACEHOLDERS.index(param)))
            else:
                slots.append(("value", param))
        used = {index for kind, index in slots if kind == "arg"}
        if used != set(range(self._arity)):
            raise TypeError("each placeholder must appear in the SQL as a parameter of its own")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return sql, slots, converters, compiler

    def __call__(self, *args, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if len(args) != self._arity:
            raise TypeError(f"expected {self._arity} values, got {len(args)}")
        cache = self._local.__dict__
        compiled = cache.get(using)
        if compiled is None:
            compiled = cache[using] = self._compile(using)
        sql, slots, converters, compiler = compiled
        params = [args[value] if kind == "arg" else value for kind, value in slots]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows: Sequence = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [tuple(row) for row in rows]
