"""Waiting for a panel's live screens to catch up, instead of sleeping a guessed while."""

from __future__ import annotations

import asyncio
import time

from tests.support.day import Day


async def settled(day: Day, panel_id: int, timeout: float = 10) -> None:
    """Until this process has sent every screen of the panel all it heard of it.

    Polls (with a deadline) for the hub to be settled and to have heard the panel's
    latest seq, twice in a row: a message on its way from the broker to the channel's
    queue is in neither place for one turn of the event loop.
    """
    hub = day.services.hub
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while in_a_row < 2:
        assert time.monotonic() < deadline, "the live screens never settled"
        await asyncio.sleep(0.02)
        existing = hub.channels.get(panel_id)
        heard = existing is None or existing.watermark >= await day.seq(panel_id)
        in_a_row = in_a_row + 1 if heard and hub.settled(panel_id) else 0
