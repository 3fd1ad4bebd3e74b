"""SQLAlchemy Core statements compiled once and run on the driver's cursor: the hot path.

Issuing a ticket and appending an event are what an office does most. Built and executed through
the ORM session each time, their statements cost ~30× the transaction itself on SQLite (expression
building, cache keys, ORM execution). Here each statement is built once as Core, compiled once by the
dialect (its SQL text and SQLAlchemy's own bind processors: dates and times are stored exactly as
everywhere else), and run with plain values on the cursor of the unit of work's connection, inside
its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlmodel import Session


class Prepared:
    """One statement, compiled once for a dialect; ``run(cursor, **values)`` binds by name."""

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)  # (no expanding IN: every value is bound by name)
        self.sql = compiled.string
        self._compiled = compiled
        self._order = list(compiled.positiontup) if compiled.positional else None
        binds: Mapping[str, Any] = compiled.binds
        self._process = {compiled.bind_names[b]: p for b in binds.values()
                         if (p := b.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        self._fixed = compiled.construct_params(_check=False)  # the statement's own constants

    def params(self, values: Mapping[str, object]) -> list | dict:
        p = dict(self._fixed)
        p.update(values)
        for name, process in self._process.items():
            p[name] = process(p[name])
        return [p[n] for n in self._order] if self._order is not None else p

    def run(self, cursor: Any, **values: object) -> Any:  # a DB-API cursor
        cursor.execute(self.sql, self.params(values))
        return cursor


def driver_cursor(s: Session) -> Any:
    """A cursor on the connection (and inside the transaction) of session ``s``; one per session."""
    cur = s.info.get(_CURSOR)
    if cur is None:
        cur = s.info[_CURSOR] = s.connection().connection.cursor()
    return cur


_CURSOR = "talon_cursor"


class Statements:
    """The prepared statements of one database, built on first use (building twice is harmless)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._cache: dict[object, Prepared] = {}

    def get(self, key: object, build: Callable[[], Executable]) -> Prepared:
        p = self._cache.get(key)
        if p is None:
            p = self._cache[key] = Prepared(build(), self.dialect)
        return p
