"""Frames written straight to the connection: same bytes as uvicorn's, never out of order."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from websockets.protocol import State
from websockets.server import ServerProtocol

from server.live.socket import LiveSocket
from server.live.wire import Text, Wire, frame_of
from tests.live.test_fanout import connect_phone, step_update
from tests.support.day import Day
from tests.support.settle import settled


def texts(wire: bytes) -> list[str]:
    """The text frames in `wire` (unmasked, as a server sends them)."""
    out = []
    while wire:
        assert wire[0] == 0x81  # FIN, text
        size, start = wire[1], 2
        if size == 126:
            size, start = int.from_bytes(wire[2:4], "big"), 4
        elif size == 127:
            size, start = int.from_bytes(wire[2:10], "big"), 10
        out.append(wire[start : start + size].decode())
        wire = wire[start + size :]
    return out


def test_a_frame_is_what_uvicorns_protocol_would_send_and_is_made_once() -> None:
    for message in ('{"content":"Blåbær"}', "x" * 200, "y" * 70_000):
        protocol = ServerProtocol()
        protocol.state = State.OPEN
        protocol.send_text(message.encode())
        assert frame_of(Text(message)) == b"".join(protocol.data_to_send())
    shared = Text("same for every phone")
    assert frame_of(shared) is frame_of(shared)


class Connection:
    """What `Wire` reads of uvicorn's protocol, and a transport that records the bytes."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.handshake_complete = True
        self.initial_response = None
        self.close_sent = False
        self.disconnected = False
        self.writable = asyncio.Event()
        self.writable.set()
        self.transport = SimpleNamespace(write=self.written.extend, is_closing=lambda: False)
        self.conn = SimpleNamespace(state=State.OPEN, extensions=[])


class SlowWebSocket:
    """The ASGI send: waits while the connection is paused, like uvicorn's."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def send_text(self, text: str) -> None:
        await self.connection.writable.wait()
        self.connection.written.extend(frame_of(text))


async def test_while_a_connection_is_paused_messages_queue_and_later_ones_wait_behind_them() -> (
    None
):
    connection = Connection()
    socket = LiveSocket(
        SlowWebSocket(connection),  # type: ignore[arg-type]
        1,
        ("phones",),
        "nb",
        wire=Wire(connection),  # type: ignore[arg-type]
    )
    pump = asyncio.create_task(socket.pump())
    socket.send(Text("m0"))
    assert texts(bytes(connection.written)) == ["m0"]  # written at once, no task involved
    connection.writable.clear()  # the kernel's buffer is full: uvicorn pauses writing
    socket.send(Text("m1"))
    socket.send(Text("count=1"), key="count")
    await asyncio.sleep(0.01)
    socket.send(Text("count=2"), key="count")
    connection.writable.set()
    socket.send(Text("m2"))  # writable again, but older messages still wait: queued
    for _ in range(50):
        if not socket.outbox and not socket.sending:
            break
        await asyncio.sleep(0.01)
    # m1 was already in flight when the count changed; the newest count replaced the older.
    assert texts(bytes(connection.written)) == ["m0", "m1", "count=2", "m2"]
    socket.send(Text("m3"))
    assert texts(bytes(connection.written))[-1] == "m3"
    pump.cancel()
    connection.close_sent = True
    socket.send(Text("m4"))  # a close under way: left to the ASGI send, which refuses it
    assert "m4" not in texts(bytes(connection.written)) and len(socket.outbox) == 1


async def test_phones_of_a_real_server_are_written_to_directly(live_day: Day) -> None:
    panel = await live_day.panel(tables=2)
    screens = [(await connect_phone(live_day, panel))[1] for _ in range(4)]
    await settled(live_day, panel.id)
    sockets = live_day.services.hub.channels[panel.id].sockets
    assert len(sockets) == 4 and all(s.wire is not None for s in sockets)
    tablet = await live_day.staff("facilitator", panel)
    assert (await tablet.post(f"/panels/{panel.id}/agenda/start")).status_code == 200
    for screen in screens:
        await screen.receive_until(step_update, 10)
        await screen.close()
