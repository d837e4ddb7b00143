"""Inserting many rows without holding the event loop.

SQLAlchemy prepares every parameter set of one `execute` (JSON encoding, type
processing) before the first row reaches the database, all on the event loop: 20,000
pool members in one statement held every live screen for four seconds. Rows are
therefore inserted in chunks; between chunks the loop serves everyone else. The chunks
run in the caller's transaction, so the insert is still all or nothing, and the rows
may come from a generator, so building them is spread over the chunks too.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

CHUNK = 250


async def insert_rows(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Iterable[dict[str, Any]],
    *returning: Any,
) -> list[Any]:
    """Insert `rows`; with `returning` columns, their values for every row (in no order)."""
    found: list[Any] = []
    source = iter(rows)
    while chunk := list(islice(source, CHUNK)):
        if returning:
            result = await session.execute(insert(model).returning(*returning), chunk)
            found += result.all()
        else:
            await session.execute(insert(model), chunk)
    return found
