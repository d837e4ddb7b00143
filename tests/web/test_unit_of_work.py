"""Commands run in a unit of work: what commits is announced once, what fails never is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from facilitation.errors import N_, Refused
from server.db.models import AuditEvent, PanelTable
from server.live import audiences as aud
from server.live.change import Change, channel, decode
from server.ops import agenda, panels
from server.ops.events import SYSTEM
from server.ops.unit import Unit, Units
from tests.support.day import Day, PanelInfo
from tests.support.deliberation import open_step, send


class Heard:
    """Every change announced for one panel, as the broker delivered it."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.arrived = asyncio.Event()

    def seqs(self) -> list[int]:
        return sorted(seq for change in self.changes for seq in change.seqs)

    async def until(self, seq: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while seq not in self.seqs():
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def listening(day: Day, panel_id: int) -> AsyncIterator[Heard]:
    heard = Heard()
    async with day.services.broker.subscribe(channel(panel_id)) as messages:

        async def collect() -> None:
            async for message in messages:
                decoded = decode(message)
                if isinstance(decoded, Change):
                    heard.changes.append(decoded)
                    heard.arrived.set()

        task = asyncio.create_task(collect())
        try:
            yield heard
        finally:
            task.cancel()


def announcing_into_a_list(day: Day) -> tuple[Units, list[Change]]:
    """Units on the day's database whose announcements are kept in a list."""
    announced: list[Change] = []

    async def announce(*changes: Change) -> None:
        announced.extend(changes)

    return Units(day.services.db, announce), announced


async def audited_seqs(day: Day, panel_id: int) -> list[int]:
    async with day.services.db.reading() as session:
        rows = await session.scalars(
            select(AuditEvent.seq).where(AuditEvent.panel_id == panel_id).order_by(AuditEvent.seq)
        )
        return [seq for seq in rows if seq is not None]


async def first_table(day: Day, panel: PanelInfo) -> PanelTable:
    async with day.services.db.reading() as session:
        table = await session.scalar(
            select(PanelTable).where(PanelTable.panel_id == panel.id).order_by(PanelTable.position)
        )
    assert table is not None
    return table


async def test_a_command_that_raises_after_recording_writes_and_announces_nothing(
    day: Day,
) -> None:
    panel = await day.panel()
    table = await first_table(day, panel)
    seq, events = await day.seq(panel.id), await audited_seqs(day, panel.id)
    units, announced = announcing_into_a_list(day)
    with pytest.raises(Refused):
        async with units.panel(panel.id) as unit:
            row = await unit.row(PanelTable, table.id, N_("There is no such table in this panel."))
            row.label = "Renamed, then refused"
            await unit.record(SYSTEM, "tables.rename", {"table": table.id}, topics=("tables",))
            raise Refused(N_("This panel is closed. Reopen it to make changes."))
    with pytest.raises(RuntimeError):
        async with units.panel(panel.id) as unit:
            await unit.record(SYSTEM, "timer.start", topics=("timer",))
            raise RuntimeError("a bug after recording")
    assert announced == []
    assert await day.seq(panel.id) == seq
    assert await audited_seqs(day, panel.id) == events
    assert (await first_table(day, panel)).label == table.label


async def test_a_unit_that_commits_announces_once_for_all_it_recorded(day: Day) -> None:
    panel = await day.panel()
    units, announced = announcing_into_a_list(day)
    async with units.panel(panel.id) as unit:
        await unit.record(SYSTEM, "timer.start", topics=("timer",), audiences=(aud.DISPLAY,))
        await unit.record(SYSTEM, "tables.count", topics=("tables",), audiences=(aud.PHONES,))
        assert announced == []  # not before the commit
    seq = await day.seq(panel.id)
    assert announced == [
        Change(panel.id, seq, ("timer", "tables"), (aud.DISPLAY, aud.PHONES), first=seq - 1)
    ]


async def test_a_retried_write_is_announced_once(day: Day) -> None:
    panel = await day.panel()
    units, announced = announcing_into_a_list(day)

    async def work(unit: Unit) -> dict[str, Any]:
        await unit.record(SYSTEM, "argument.submit", topics=("arguments",))
        return {"done": True}

    first = await units.once(panel.id, "test", "retry-key-1", work)
    again = await units.once(panel.id, "test", "retry-key-1", work)
    assert first == {"done": True}
    assert again == {"done": True, "replayed": True}
    assert [change.seq for change in announced] == [await day.seq(panel.id)]


async def test_every_event_a_command_commits_is_announced(day: Day) -> None:
    """Through the screens people use: each seq in the audit log reaches the broker."""
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    start = await day.seq(panel.id)
    async with listening(day, panel.id) as heard:
        for action in ("start", "advance", "back"):
            assert (await tablet.post(f"/panels/{panel.id}/agenda/{action}")).status_code == 200
        assert (await tablet.post(f"/panels/{panel.id}/timer/start")).status_code == 200
        await panels.set_table_count(day.services.units, panel.id, SYSTEM, "4")
        phone = await day.phone(panel)
        await open_step(day, panel, "discussion")
        assert await send(phone, panel, "Fewer cars make the streets safer for children.") == 200
        assert (await tablet.post(f"/panels/{panel.id}/agenda/reopen")).status_code == 409
        await agenda.transition(day.services.units, panel.id, SYSTEM, "close")
        events = [seq for seq in await audited_seqs(day, panel.id) if seq > start]
        await heard.until(events[-1])
        announced = [seq for seq in heard.seqs() if seq > start]
    assert len(events) >= 9
    assert announced == events
