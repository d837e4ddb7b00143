"""One phone cannot freeze the room: whatever its socket sends, the others' screens keep time."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import AsyncIterator

import websockets

from server.live.socket import CLOSE_MISBEHAVING, CLOSE_TOO_BIG, MAX_MESSAGE_BYTES
from tests.live.test_fanout import connect_phone, step_update
from tests.support.day import Day, PanelInfo, page_seq
from tests.support.people import LiveScreen, Person
from tests.support.servers import ROOT

ROUNDS = 4


async def _step_change_delivery(
    tablet: Person, panel: PanelInfo, screens: list[LiveScreen], action: str
) -> float:
    """Seconds from the facilitator's tap until the last screen showed the new step."""
    for screen in screens:
        await screen.drain(0.02)
    started = time.monotonic()
    response = await tablet.post(f"/panels/{panel.id}/agenda/{action}")
    assert response.status_code == 200, response.text
    await asyncio.gather(*(s.receive_until(step_update, 30) for s in screens))
    return time.monotonic() - started


@contextlib.asynccontextmanager
async def flooding(phone: Person, panel: PanelInfo) -> AsyncIterator[list[int]]:
    """A hostile phone flooding its socket from a process of its own, as from its own
    device: its work is the server's to bear, not this test's event loop's."""
    url = phone.base_url.replace("http", "ws", 1) + f"/ws/p/{panel.id}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.flooder",
        url,
        phone.cookie_header(),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    sent = [0]
    under_way = asyncio.Event()

    async def tally() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            sent[0] = int(line)
            if sent[0] >= 100:
                under_way.set()

    counting = asyncio.create_task(tally())
    try:
        await asyncio.wait_for(under_way.wait(), 30)
        yield sent
    finally:
        process.terminate()
        await process.wait()
        await counting


async def test_a_flooding_phone_does_not_delay_the_projector_and_fifty_phones(
    live_day: Day,
) -> None:
    panel = await live_day.panel(tables=5)
    phones = [await connect_phone(live_day, panel) for _ in range(50)]
    projector = live_day.person()
    display_seq = page_seq((await projector.get(f"/d/{panel.display_token}")).text)
    display = await projector.socket(f"/ws/d/{panel.display_token}", display_seq)
    await display.receive()
    screens = [screen for _, screen in phones] + [display]
    hostile = await live_day.phone(panel)
    tablet = await live_day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    await asyncio.sleep(0.6)  # joins, presence and the first step settle

    actions = ["advance", "back"] * ROUNDS
    quiet = [await _step_change_delivery(tablet, panel, screens, a) for a in actions]

    async with flooding(hostile, panel) as sent:
        flooded = [await _step_change_delivery(tablet, panel, screens, a) for a in actions]

    baseline, under_flood = statistics.median(quiet), statistics.median(flooded)
    assert under_flood <= baseline + 0.1, (
        f"step changes took {under_flood * 1000:.0f} ms under the flood, "
        f"{baseline * 1000:.0f} ms without ({sent[0]} hostile messages)"
    )
    # The server read and refused them, rather than slowing the phone down to its pace.
    assert sent[0] > 1000, "the flood never got going"
    for screen in screens:
        await screen.close()


async def test_a_socket_that_floods_is_closed_with_policy_violation(live_day: Day) -> None:
    panel = await live_day.panel()
    _phone, screen = await connect_phone(live_day, panel)
    with contextlib.suppress(websockets.ConnectionClosed):
        for _ in range(1000):
            await screen.connection.send('{"type":"resync"}')
    await asyncio.wait_for(screen.connection.wait_closed(), 5)
    assert screen.connection.close_code == CLOSE_MISBEHAVING


async def test_a_message_over_64_kib_is_refused_with_message_too_big(live_day: Day) -> None:
    panel = await live_day.panel()
    _phone, screen = await connect_phone(live_day, panel)
    with contextlib.suppress(websockets.ConnectionClosed):
        await screen.connection.send("x" * (MAX_MESSAGE_BYTES + 1))
    await asyncio.wait_for(screen.connection.wait_closed(), 5)
    assert screen.connection.close_code == CLOSE_TOO_BIG
