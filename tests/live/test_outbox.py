"""A socket's outbox: latest state wins, order is kept, a client that stops reading is dropped."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from server.live.outbox import Outbox, OutboxOverflow
from server.live.socket import CLOSE_TOO_SLOW, LiveSocket


async def test_keyed_messages_replace_older_unsent_ones_and_move_to_the_end() -> None:
    box = Outbox()
    box.put("count=1", key="count")
    box.put("step 2")
    box.put("count=2", key="count")
    assert [await box.get() for _ in range(len(box))] == ["step 2", "count=2"]


async def test_unkeyed_messages_are_all_kept_in_order() -> None:
    box = Outbox()
    for n in range(5):
        box.put(f"m{n}")
    assert [await box.get() for _ in range(5)] == [f"m{n}" for n in range(5)]


async def test_an_outbox_that_overflows_refuses_further_reading() -> None:
    box = Outbox(limit=3)
    for n in range(4):
        box.put(f"m{n}")
    assert box.overflowed
    with pytest.raises(OutboxOverflow):
        await box.get()


async def test_counts_alone_never_overflow_because_each_replaces_the_last() -> None:
    box = Outbox(limit=3)
    for n in range(1000):
        box.put(f"count={n}", key="count")
    assert not box.overflowed and len(box) == 1


class StuckWebSocket:
    """A phone on a dead network: sends never complete."""

    def __init__(self) -> None:
        self.closed_with: int | None = None

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code


async def test_a_client_that_stops_reading_is_dropped_with_try_again_later() -> None:
    websocket = StuckWebSocket()
    socket = LiveSocket(websocket, 1, ("phones",), "nb")  # type: ignore[arg-type]
    socket.outbox = Outbox(limit=5)
    pump = asyncio.create_task(socket.pump())
    for n in range(10):
        socket.send(f"m{n}")
        await asyncio.sleep(0)
    await asyncio.wait_for(socket.closed.wait(), 2)
    await asyncio.sleep(0)
    assert websocket.closed_with == CLOSE_TOO_SLOW
    pump.cancel()


class ListeningWebSocket:
    """A phone that reads everything; it remembers only how much it was sent."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(len(text))


def _snapshot_of(size: int) -> str:
    return "x" * size


async def test_a_socket_waiting_for_its_next_message_keeps_none_of_the_last() -> None:
    """An idle phone must not hold a copy of the last frame (its whole snapshot) for as
    long as it stays: with thousands of phones that is megabytes held for nothing."""
    websocket = ListeningWebSocket()
    socket = LiveSocket(websocket, 1, ("phones",), "nb")  # type: ignore[arg-type]
    pump = asyncio.create_task(socket.pump())
    size = 4 * 1024 * 1024
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        socket.send(_snapshot_of(size))
        for _ in range(10):
            await asyncio.sleep(0)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        pump.cancel()
    assert websocket.sent == [size]
    assert not pump.done(), "the pump is still waiting for the next message"
    assert held < size // 4, f"{held} bytes still held after the message was sent"
