"""Reads on the hot path of the record's pages, with their SQL built by the ORM once per process.

Turning a QuerySet into SQL costs about 0.4 ms of CPU a query, more than the database takes to run
these small reads of one person's rows, and the summary makes a dozen of them on every view. A
`CompiledRead` builds its QuerySet once per database connection alias, with stand-in ids, keeps the
SQL the ORM wrote and its converters, and then runs that SQL with the real ids: the same SQL, the
same values back (model instances or tuples), a fraction of the CPU.

Only whole-number ids (the practice, the person, a user) and dates may vary between runs; anything
else (codes, states) is fixed in the QuerySet. The ORM still writes every statement, so it works on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Stand-ins while the SQL is built: negative ids, so never a real key, and dates long before any
# record, odd enough never to be a constant a QuerySet holds.
_STAND_INS = (-918_273_641, -918_273_653, -918_273_667, -918_273_677)
_DATE_STAND_INS = (dt.date(1111, 1, 11), dt.date(1111, 2, 12), dt.date(1111, 3, 13))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # constants as the ORM prepared them, stand-ins where an id goes
    slots: tuple[tuple[int, str, bool], ...]  # (position in params, name, is a date)
    converters: tuple  # (column, (converter, ...), expression)
    model: Any  # the model whose instances a full-row read returns, else None
    attnames: tuple[str, ...]


class CompiledRead:
    """`build(**ids)` returns the QuerySet; `names` are its id arguments and `dates` its date
    arguments. `models=True` for a QuerySet of whole rows (no values(), no select_related()):
    `.run()` then returns instances; otherwise tuples, in the order of the SELECT."""

    def __init__(self, build: Callable[..., QuerySet], *names: str, dates: tuple[str, ...] = (),
                 models: bool = False):
        if len(names) > len(_STAND_INS) or len(dates) > len(_DATE_STAND_INS):
            raise ValueError("Too many arguments for one compiled read")
        self._build = build
        self._names = names
        self._dates = dates
        self._models = models
        self._by_alias: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        ops = connections[alias].ops
        stand_ins = dict(zip(self._names, _STAND_INS, strict=False))
        date_stand_ins = dict(zip(self._dates, _DATE_STAND_INS, strict=False))
        queryset = self._build(**stand_ins, **date_stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {(int, value): (name, False) for name, value in stand_ins.items()}
        by_value |= {(type(adapted), adapted): (name, True) for name, value in date_stand_ins.items()
                     if (adapted := ops.adapt_datefield_value(value)) is not None}
        slots = tuple((i, *by_value[type(p), p]) for i, p in enumerate(params)
                      if isinstance(p, int | str | dt.date) and (type(p), p) in by_value)
        if {name for _, name, _ in slots} != {*self._names, *self._dates}:
            raise ValueError("An id is not used as a plain parameter of the compiled read")
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        converters = tuple((i, tuple(convs), expression)
                           for i, (convs, expression) in compiler.get_converters(fields).items())
        model = queryset.model if self._models else None
        attnames = tuple(f.attname for f in model._meta.concrete_fields) if model is not None else ()
        if model is not None and len(attnames) != len(fields):
            raise ValueError("A compiled read of models must select whole rows")
        return _Compiled(sql=sql, params=tuple(params), slots=slots, converters=converters, model=model,
                         attnames=attnames)

    def run(self, *, using: str = "default", **ids) -> list:
        compiled = self._by_alias.get(using)
        if compiled is None:
            compiled = self._by_alias[using] = self._compile(using)
        params = list(compiled.params)
        connection = connections[using]
        for position, name, is_date in compiled.slots:
            value = ids[name]
            params[position] = connection.ops.adapt_datefield_value(value) if is_date else value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            converted = []
            for row in rows:
                row = list(row)
                for i, convs, expression in compiled.converters:
                    value = row[i]
                    for convert in convs:
                        value = convert(value, expression, connection)
                    row[i] = value
                converted.append(row)
            rows = converted
        if compiled.model is not None:
            from_db, attnames = compiled.model.from_db, compiled.attnames
            return [from_db(using, attnames, row) for row in rows]
        return [tuple(row) for row in rows]
