"""The same rules under real concurrency on PostgreSQL, where nothing serialises writes for us."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from server.db.models import Participant, StatementVote
from tests.support.day import Day
from tests.support.deliberation import open_step, send, stored_arguments

pytestmark = pytest.mark.postgres


async def test_simultaneous_joins_keep_tables_balanced(pg_day: Day) -> None:
    panel = await pg_day.panel(tables=4)
    await asyncio.gather(*(pg_day.phone(panel) for _ in range(22)))
    async with pg_day.services.db.reading() as session:
        sizes = sorted(
            (
                await session.execute(
                    select(func.count()).select_from(Participant).group_by(Participant.table_id)
                )
            ).scalars()
        )
        numbers = sorted(await session.scalars(select(Participant.number)))
    assert sizes == [5, 5, 6, 6]
    assert numbers == list(range(1, 23))


async def test_retried_arguments_are_stored_once(pg_day: Day) -> None:
    panel = await pg_day.panel()
    await open_step(pg_day, panel, "discussion")
    phone = await pg_day.phone(panel)
    results = await asyncio.gather(
        *(
            send(phone, panel, f"Point {n}", key=f"key-of-point-{n}")
            for n in range(6)
            for _ in range(4)
        )
    )
    assert set(results) == {200}
    assert sorted(a.text for a in await stored_arguments(pg_day, panel)) == [
        f"Point {n}" for n in range(6)
    ]


async def test_statement_votes_stay_one_per_person_per_argument(pg_day: Day) -> None:
    panel = await pg_day.panel(tables=2)
    await open_step(pg_day, panel, "discussion", statement_votes="on")
    writer, voter = await pg_day.phone(panel), await pg_day.phone(panel)
    await send(writer, panel, "Fewer cars")
    [argument] = await stored_arguments(pg_day, panel)
    tablet = await pg_day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/arguments/{argument.id}/approve")
    url = f"/p/{panel.id}/statements/{argument.id}"
    results = await asyncio.gather(
        *(voter.post(url, {"choice": c}) for c in ["agree", "disagree", "pass"] * 10)
    )
    assert {r.status_code for r in results} == {200}
    async with pg_day.services.db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(StatementVote))
    assert count == 1
