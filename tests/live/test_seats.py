"""Phones whose sockets ask at once (a room reconnecting after a restart) share one read
of their seats, and each still gets its own participant and panel, or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Participant
from server.services import Services
from tests.support.day import Day


async def participant_ids(services: Services, panel_id: int) -> list[int]:
    async with services.db.reading() as session:
        rows = await session.scalars(
            select(Participant.id).where(Participant.panel_id == panel_id).order_by(Participant.id)
        )
        return list(rows)


def count_reads(
    services: Services, monkeypatch: pytest.MonkeyPatch, fail: bool = False
) -> list[int]:
    reads: list[int] = []
    real = services.db.reading

    @asynccontextmanager
    async def reading() -> AsyncIterator[AsyncSession]:
        reads.append(1)
        if fail:
            raise ConnectionError("the database is out of reach")
        async with real() as session:
            yield session

    monkeypatch.setattr(services.db, "reading", reading)
    return reads


async def test_phones_asking_together_share_one_read_and_each_gets_its_own_seat(
    day: Day, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await day.panel(), await day.panel(title="Other")
    for panel in (first, first, first, second, second):
        await day.phone(panel)
    ours, theirs = (
        await participant_ids(services, first.id),
        await participant_ids(services, second.id),
    )
    unknown = max(ours + theirs) + 1
    reads = count_reads(services, monkeypatch)

    asked = [*ours, *theirs, unknown, ours[0]]
    seats = await asyncio.gather(*(services.seats.seat(i) for i in asked))

    assert len(reads) == 1
    got: list[Any] = [None if s is None else (s[0].id, s[1].id) for s in seats]
    assert got == [
        *[(i, first.id) for i in ours],
        *[(i, second.id) for i in theirs],
        None,
        (ours[0], first.id),
    ]


async def test_a_failed_read_reaches_every_phone_that_waited_and_the_next_ask_reads_again(
    day: Day, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = await day.panel()
    for _ in range(3):
        await day.phone(panel)
    ids = await participant_ids(services, panel.id)
    count_reads(services, monkeypatch, fail=True)

    outcomes = await asyncio.gather(*(services.seats.seat(i) for i in ids), return_exceptions=True)

    assert all(isinstance(o, ConnectionError) for o in outcomes)
    monkeypatch.undo()
    seat = await services.seats.seat(ids[0])
    assert seat is not None and seat[0].id == ids[0]
