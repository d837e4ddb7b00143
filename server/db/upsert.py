"""INSERT … ON CONFLICT DO UPDATE on both databases.

One row per person per thing (a statement vote, a ballot) must hold under concurrent
requests; the database's own conflict handling does that atomically, where a
read-then-write would race on PostgreSQL. Votes are the busiest writes of the day, so
each statement is built once and reused with new parameters: building the `excluded`
clause afresh costs more than running the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Executable


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    statement = _statement(dialect, model, tuple(sorted(values)), tuple(conflict), tuple(update))
    await session.execute(statement, values)


async def upsert_many(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """The same for many rows at once (executemany); rows must share their columns."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    statement = _statement(dialect, model, tuple(sorted(rows[0])), tuple(conflict), tuple(update))
    await session.execute(statement, rows)


@cache
def _statement(
    dialect: str,
    model: type[DeclarativeBase],
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
) -> Executable:
    # Only the dialect in use is loaded: PostgreSQL's costs a restart on SQLite ~0.1 s.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(model)
        return pg.on_conflict_do_update(
            index_elements=list(conflict), set_={name: pg.excluded[name] for name in update}
        )
    from sqlalchemy.dialects import sqlite

    lite = sqlite.insert(model)
    return lite.on_conflict_do_update(
        index_elements=list(conflict), set_={name: lite.excluded[name] for name in update}
    )
