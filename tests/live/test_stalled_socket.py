"""A screen that stops reading is let go within the stall limit; the others keep time.

The stalled screen is a raw TCP client with a tiny receive buffer: it makes the
WebSocket handshake and then never reads again, not even the server's pings, as a
phone whose network vanished or whose browser froze would. The facilitator keeps
moving through the agenda meanwhile, so there is always something it does not take.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import socket
import time
from urllib.parse import urlsplit

from starlette.applications import Starlette

from server.services import Services
from server.web.stalls import STALL_LIMIT
from tests.live.test_fanout import connect_phone, step_update
from tests.support.day import Day, PanelInfo, page_seq
from tests.support.people import Person
from tests.support.servers import uvicorn_in_process

MARGIN = 5.0
"""Time for the first updates to fill the stalled screen's buffers, on a loaded machine."""


async def stalled_screen(phone: Person, panel: PanelInfo) -> socket.socket:
    """The phone's live socket, opened by hand and never read after the handshake."""
    address = urlsplit(phone.base_url)
    seq = page_seq((await phone.get(f"/p/{panel.id}")).text)
    raw = socket.socket()
    # Small, so the connection's window closes after the first few updates.
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.sock_connect(raw, (address.hostname, address.port)), 5)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/p/{panel.id}?seq={seq} HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: {phone.cookie_header()}\r\n\r\n"
    )
    await loop.sock_sendall(raw, request.encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):  # byte by byte: no frame is read
        byte = await asyncio.wait_for(loop.sock_recv(raw, 1), 5)
        assert byte, "the server closed the handshake"
        head += byte
    assert head.startswith(b"HTTP/1.1 101"), head
    return raw


async def connection_gone(raw: socket.socket, deadline: float) -> bool:
    """Read what is left: the server's end is gone when the stream ends or is reset."""
    loop = asyncio.get_running_loop()
    while time.monotonic() < deadline:
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(raw, 65536), 1)
        except TimeoutError:
            continue  # nothing arrives, but nothing ended either
        except ConnectionResetError:
            return True
        if not chunk:
            return True
    return False


async def let_go_within_the_limit(day: Day) -> None:
    """A stalled screen is dropped, connection and all, within the limit; the phone
    that reads keeps receiving every step meanwhile."""
    panel = await day.panel()
    _phone, reading = await connect_phone(day, panel)
    raw = await stalled_screen(await day.phone(panel), panel)
    channel = day.services.hub.channels[panel.id]
    deadline = time.monotonic() + 5
    while len(channel.sockets) < 2:
        assert time.monotonic() < deadline, "the stalled screen was never attached"
        await asyncio.sleep(0.05)
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    await reading.receive_until(step_update, 5)

    async def keep_moving() -> None:
        """The facilitator goes back and forth; the phone that reads sees every step."""
        for rounds in itertools.count():
            action = "advance" if rounds % 2 == 0 else "back"
            response = await tablet.post(f"/panels/{panel.id}/agenda/{action}")
            assert response.status_code == 200, response.text
            await reading.receive_until(step_update, 5)
            await asyncio.sleep(0.1)

    moving = asyncio.create_task(keep_moving())
    try:
        limit = time.monotonic() + STALL_LIMIT + MARGIN
        while len(channel.sockets) == 2:
            assert not moving.done(), moving.exception()
            assert time.monotonic() < limit, "the stalled screen was still served past the limit"
            await asyncio.sleep(0.05)
        # Not merely forgotten by its channel: its connection is gone too.
        assert await connection_gone(raw, limit), "the stalled connection outlived the limit"
        await asyncio.sleep(0.5)
        assert not moving.done(), "the phone that reads stopped receiving"
    finally:
        moving.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await moving
        raw.close()
        await reading.close()


async def test_a_screen_that_stops_reading_is_closed_within_the_stall_limit(
    live_day: Day,
) -> None:
    await let_go_within_the_limit(live_day)


async def test_the_kernel_lets_it_go_without_the_ping_that_a_proxy_needs(
    app: Starlette, services: Services
) -> None:
    """Served directly (a laptop at the venue), the kernel's limit alone is enough."""
    async with uvicorn_in_process(app, ws_ping_interval=None) as url:
        day = Day(services, url)
        try:
            await let_go_within_the_limit(day)
        finally:
            await day.close()
