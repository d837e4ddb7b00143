"""The facilitator's tablet: what unites and what divides each table."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from server.db.models import PanelTable, Participant
from server.ops import opinion
from server.ops.events import SYSTEM
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.web.test_opinion_report import two_camps

DEADLINE = 60.0  # the first computation loads numpy and scikit-learn


async def tablet_text(tablet: Person, panel: PanelInfo, words: str) -> str:
    """The opinion part of the run page, once it shows `words`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        text = text_of((await tablet.get(f"/panels/{panel.id}/run")).text)
        part = text[text.find("Opinion groups") : text.find("Opinion map on the display")]
        if words in part:
            return part
        assert loop.time() < deadline, f"never showed {words!r}: {part}"
        await asyncio.sleep(0.2)


async def seat_camps_together(day: Day, panel: PanelInfo) -> None:
    """Six people a table, three of each camp (the fixture seats each camp apart)."""
    async with day.services.db.writing() as session:
        tables = list(
            await session.scalars(
                select(PanelTable.id)
                .where(PanelTable.panel_id == panel.id)
                .order_by(PanelTable.position)
            )
        )
        for position, table in enumerate(tables):
            await session.execute(
                update(Participant)
                .where(
                    Participant.panel_id == panel.id,
                    Participant.number > 6 * position,
                    Participant.number <= 6 * (position + 1),
                )
                .values(table_id=table)
            )


async def test_each_table_sees_what_unites_and_divides_the_groups_seated_there(day: Day) -> None:
    panel = await two_camps(day)
    await seat_camps_together(day, panel)
    await opinion.set_opinion(day.services.units, panel.id, SYSTEM, min_group="3")
    tablet = await day.staff("facilitator", panel)
    text = await tablet_text(tablet, panel, "What unites and divides each table")
    tables = text[text.find("What unites and divides each table") :]
    for label in ("Table 1", "Table 2", "Table 3", "Table 4"):
        assert f"{label}: groups A, B" in tables
    assert tables.count("What unites them Statement number 0") == 4
    assert tables.count("What divides them Statement number") == 4
    assert "Only one group" not in tables


async def test_a_table_without_the_minimum_of_one_group_is_not_analysed(day: Day) -> None:
    panel = await two_camps(day)
    await seat_camps_together(day, panel)  # three of each camp: under the minimum of 5
    tablet = await day.staff("facilitator", panel)
    text = await tablet_text(tablet, panel, "What unites and divides each table")
    tables = text[text.find("What unites and divides each table") :]
    assert tables.count("no group with 5 people here") == 4
    assert "What unites them" not in tables
    assert "What divides them" not in tables
