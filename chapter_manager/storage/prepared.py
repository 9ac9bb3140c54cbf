"""Statements compiled once per dialect and run straight on the driver, for hot paths.

SQLAlchemy's per-execution overhead (cache keys, parameter processing) is small for most
work but doubles the latency of the kiosk's one-pledge transactions.  A
:class:`Prepared` statement is compiled from a Core construct once per dialect; ``run``
hands already-encoded values (see ``bulk.RowEncoder``) to ``exec_driver_sql``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql import ClauseElement


class Prepared:
    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _compile(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None  # type: ignore[attr-defined]
            # Values fixed in the statement itself (a LIMIT, a literal) keep their value.
            fixed = {k: v for k, v in compiled.params.items() if v is not None}
            found = (str(compiled), order, fixed)
            self._compiled[dialect.name] = found
        return found

    def run(self, conn: Connection, **params: Any) -> CursorResult[Any]:
        sql, order, fixed = self._compile(conn.dialect)
        if fixed:
            params = {**fixed, **params}
        if order is not None:
            return conn.exec_driver_sql(sql, tuple(params[name] for name in order))
        return conn.exec_driver_sql(sql, params)
